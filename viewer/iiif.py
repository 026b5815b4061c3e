"""``/iiif/…``: IIIF documents and tiles, as stored under ``iiif/`` in the store.

Stored JSON documents have ids under kura.toml's ``base_url``; they are served with those
ids moved to the address of the request, so manifests and ``info.json`` work from wherever the
archive is served (a laptop, a proxy, a new domain) without re-ingesting.
"""

from __future__ import annotations

from flask import Blueprint, Response

from viewer.files import (
    add_cors_headers,
    iiif_content_type,
    send_json_document,
    send_store_file,
)

bp = Blueprint("iiif", __name__, url_prefix="/iiif")
bp.after_request(add_cors_headers)


@bp.get("/<path:key>", merge_slashes=False)
def file(key: str) -> Response:
    """One IIIF file: a manifest, a collection, an ``info.json`` or a tile."""
    if key.endswith(".json"):
        return send_json_document(f"iiif/{key}", iiif_content_type(key))
    return send_store_file(f"iiif/{key}")
