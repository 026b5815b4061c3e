"""``/items/<id>``: one item's record, its pages and its IIIF manifest link."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template

from archive.rights import rights_label
from manifests.labels import ENGLISH_COLUMN, METADATA_LABELS
from viewer.images import page_images
from viewer.state import request_urls, served

bp = Blueprint("items", __name__, url_prefix="/items")

# shown above the table rather than in it
SHOWN_WITH_TITLE = {"名称_カナ"}
# ``;``-separated columns, shown as a Japanese list
LIST_COLUMNS = {"キーワード", "文化財分類"}


@dataclass(frozen=True)
class MetadataRow:
    label_ja: str
    label_en: str
    value: str
    value_en: str = ""


def metadata_rows(fields: dict[str, str]) -> list[MetadataRow]:
    """The record's filled-in columns, labelled and ordered as in the manifests."""
    values = dict(fields)
    values["員数"] = " ".join(
        x for x in (fields.get("員数（数）", ""), fields.get("員数（単位）", "")) if x.strip()
    )
    rows = []
    for column, (label_ja, label_en) in METADATA_LABELS.items():
        value = (values.get(column) or "").strip()
        if column in SHOWN_WITH_TITLE or not value:
            continue
        if column in LIST_COLUMNS:
            value = "、".join(p.strip() for p in value.replace("；", ";").split(";") if p.strip())
        english = (fields.get(ENGLISH_COLUMN.get(column, ""), "") or "").strip()
        rows.append(MetadataRow(label_ja, label_en, value, english))
    return rows


def rights_link(uri: str) -> dict[str, str] | None:
    """The rights statement as a link; only http(s) URIs are ever put in an ``href``."""
    if not uri.startswith(("http://", "https://")):
        return None
    return {"href": uri, "ja": rights_label(uri, "ja"), "en": rights_label(uri, "en")}


@bp.get("/<item_id>")
def show(item_id: str) -> str:
    """The item page; an item without images shows its record all the same."""
    archive = served()
    record = archive.record(item_id)
    if record is None:
        abort(404, f"資料「{item_id}」はありません / no item with id {item_id!r}")
    urls = request_urls()
    fields = record.get("fields") or {}
    pages = page_images(record, urls)
    return render_template(
        "items/show.html",
        record=record,
        title=record.get("title") or item_id,
        title_en=fields.get("名称_英語", ""),
        reading=fields.get("名称_カナ", ""),
        summary=fields.get("概要", ""),
        summary_en=fields.get("概要_英語", ""),
        rows=metadata_rows(fields),
        rights=rights_link(str(record.get("rights") or "")),
        statement=archive.config.required_statement,
        pages=pages,
        manifest=urls.manifest(item_id) if pages else None,
        record_json=urls.record(item_id),
    )
