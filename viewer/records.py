"""``/records/<id>.json``: an item's record, linked from its manifest's ``seeAlso``."""

from __future__ import annotations

from flask import Blueprint, Response, abort

from archive import keys
from viewer.errors import withdrawn_check
from viewer.files import add_cors_headers, send_store_file
from viewer.state import ITEM_ID

bp = Blueprint("records", __name__, url_prefix="/records")
bp.after_request(add_cors_headers)


@bp.get("/<item_id>.json")
def record(item_id: str) -> Response:
    """The record JSON as stored (``application/json``)."""
    if not ITEM_ID.fullmatch(item_id):
        abort(404, f"資料「{item_id}」はありません / no item with id {item_id!r}")
    withdrawn_check(item_id)
    return send_store_file(keys.record(item_id))
