"""``/api/…``: JSON for programs. ``/api/search`` answers in the shape of
``kura search --json`` (``total``, ``hits``, ``facets``) plus the paging it used and any
"did you mean"; ``/api/items/<id>`` gives an item's public record and its links.
Errors are JSON too (see ``viewer.errors``). Open to every origin, like the IIIF files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, request

from viewer.errors import withdrawn_check
from viewer.files import add_cors_headers
from viewer.search import run_search
from viewer.search_params import SearchParams
from viewer.state import request_urls, served

bp = Blueprint("api", __name__, url_prefix="/api")
bp.after_request(add_cors_headers)

# Parts of a record that are about the item (not about files on the archive's disks).
PUBLIC_FIELDS = (
    "id",
    "title",
    "fields",
    "rights",
    "viewing_direction",
    "date",
    "keywords",
    "designations",
)


@bp.get("/search")
def search() -> Response:
    params = SearchParams.from_args(request.args)
    result = run_search(params)
    body = result.to_json()
    body.update(
        query=params.q,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
    )
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/items/<item_id>")
def item(item_id: str) -> Response:
    withdrawn_check(item_id)
    record = served().record(item_id)
    if record is None:
        abort(404, f"資料「{item_id}」はありません / no item with id {item_id!r}")
    urls = request_urls()
    data = record.to_json()
    body = {key: data.get(key) for key in PUBLIC_FIELDS}
    pages = record.pages
    body["pages"] = [
        {
            "page": page.page,
            "width": page.width,
            "height": page.height,
            "image_service": urls.image_service(item_id, page.image),
            "info": urls.info(item_id, page.image),
        }
        for page in pages
    ]
    body["links"] = {
        "html": urls.item_page(item_id),
        "manifest": urls.manifest(item_id) if pages else None,
        "record": urls.record(item_id),
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
