"""``/``: the archive's title and every item, with a thumbnail of its first page."""

from __future__ import annotations

from flask import Blueprint, render_template

from viewer.images import thumbnail
from viewer.state import request_urls, served

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    """Every item in id order; items without images are listed too, with a placeholder."""
    urls = request_urls()
    # A later issue replaces this scan of records/ with the search index (paging, facets).
    cards = [
        {
            "id": record["id"],
            "title": record.get("title") or record["id"],
            "title_en": (record.get("fields") or {}).get("名称_英語", ""),
            "date": (record.get("fields") or {}).get("年代", ""),
            "thumbnail": thumbnail(record, urls),
        }
        for record in served().records()
    ]
    return render_template("home/index.html", cards=cards)
