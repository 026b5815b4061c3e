"""``/iiif/…``: IIIF documents and tiles, as stored under ``iiif/`` in the store.

The stored JSON is served as is: its ids start with kura.toml's ``base_url`` (``kura demo``
sets it to the address it serves on).
"""

from __future__ import annotations

from flask import Blueprint, Response

from viewer.files import add_cors_headers, send_store_file

bp = Blueprint("iiif", __name__, url_prefix="/iiif")
bp.after_request(add_cors_headers)


# TODO(viewer issue: full viewer with OpenSeadragon, search and modes): rewrite the ids of
# served JSON documents per request (base_url → the request's address), so that manifests
# and info.json work from wherever the archive is served, not only from base_url.
@bp.get("/<path:key>", merge_slashes=False)
def file(key: str) -> Response:
    """One IIIF file: a manifest, a collection, an ``info.json`` or a tile."""
    return send_store_file(f"iiif/{key}")
