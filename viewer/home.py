"""``/``: what the archive is, a search box, featured items, collections and lessons."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template

from archive.errors import KuraError
from archive.model import Record
from archive.search import search
from viewer.collections import collection_summaries
from viewer.images import thumbnail
from viewer.lessons import all_lessons
from viewer.state import request_urls, served

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)

FEATURED = 12


def _card(record: Record) -> dict:
    return {
        "id": record.id,
        "title": record.title or record.id,
        "title_en": record.get("名称_英語"),
        "date": record.get("年代"),
        "thumbnail": thumbnail(record, request_urls()),
    }


def featured() -> tuple[list[dict], int]:
    """Items with images to show first (from the search index, in id order) and how many
    items there are. Without an index (a project never indexed), every record is read."""
    archive = served()
    try:
        result = search(archive.config.root, "", {"images": "yes"}, "id", 1, FEATURED)
        total = search(archive.config.root, "", None, "id", 1, 1).total
    except KuraError as exc:
        log.info("home without the search index: %s", exc)
        records = archive.records()
        with_images = [r for r in records if r.pages] or records
        return [_card(r) for r in with_images[:FEATURED]], len(records)
    cards = []
    for hit in result.hits:
        try:
            record = archive.record(hit.id)
        except KuraError:
            continue
        if record is not None:
            cards.append(_card(record))
    return cards, total


@bp.get("/")
def index() -> str:
    cards, total = featured()
    return render_template(
        "home/index.html",
        cards=cards,
        total=total,
        collections=collection_summaries(),
        lessons=all_lessons(),
    )
