"""``/iiif/…``: IIIF documents and tiles, as stored under ``iiif/`` in the store.

JSON documents (manifests, collections, ``info.json``) are rendered from the records for the
address the site is served at; tiles are sent as stored. A withdrawn item's files answer 410.
"""

from __future__ import annotations

from flask import Blueprint, Response

from viewer.errors import withdrawn_check
from viewer.files import add_cors_headers, send_document, send_store_file

bp = Blueprint("iiif", __name__, url_prefix="/iiif")
bp.after_request(add_cors_headers)


@bp.get("/<path:key>", merge_slashes=False)
def file(key: str) -> Response:
    """One IIIF file: a manifest, a collection, an ``info.json`` or a tile; 410 for every
    file of a withdrawn item."""
    withdrawn_check(key.partition("/")[0])
    if key.endswith(".json"):
        return send_document(f"iiif/{key}")
    return send_store_file(f"iiif/{key}")
