"""``/items/<id>``: one item: deep zoom over its level-0 tiles (OpenSeadragon, set up by
``static/kura-viewer.js`` from ``data-`` attributes), its metadata in Japanese and English,
rights, downloads, the IIIF manifest and share links. An item without images shows its
record."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, abort, render_template, request

from archive.rights import CC, CC0, PDM, RS, rights_label, rights_uri
from manifests.labels import ENGLISH_COLUMN, METADATA_LABELS
from viewer import prefs
from viewer.content_state import shared_view
from viewer.discovery import item_jsonld
from viewer.downloads import page_downloads
from viewer.errors import withdrawn_check
from viewer.images import page_images, page_thumbnail
from viewer.state import request_urls, served
from viewer.vocabulary import english_value

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


def metadata_rows(fields: Mapping[str, str]) -> list[MetadataRow]:
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
        english = english or english_value(column, value)
        rows.append(MetadataRow(label_ja, label_en, value, english))
    return rows


def rights_kind(uri: str) -> str:
    """A short code for the rights badge: ``pd`` (CC0/PDM), ``cc``, ``rs`` or ``other``."""
    canonical = rights_uri(uri) or uri
    if canonical in (CC0, PDM):
        return "pd"
    if canonical.startswith(CC):
        return "cc"
    return "rs" if canonical.startswith(RS) else "other"


def rights_link(uri: str) -> dict[str, str] | None:
    """The rights statement as a link; only http(s) URIs are ever put in an ``href``."""
    if not uri.startswith(("http://", "https://")):
        return None
    return {
        "href": uri,
        "ja": rights_label(uri, "ja"),
        "en": rights_label(uri, "en"),
        "kind": rights_kind(uri),
    }


# IIIF viewers elsewhere that open a manifest given in their URL (the IIIF Content State
# "iiif-content" convention for Mirador; Universal Viewer's "manifest" fragment).
OTHER_VIEWERS = (
    ("Mirador", "https://projectmirador.org/embed/?iiif-content={manifest}"),
    ("Universal Viewer", "https://uv-v4.netlify.app/#?manifest={manifest}"),
)


def read_aloud_text(title: str, fields: Mapping[str, str], lang: str) -> tuple[str, str]:
    """What read-aloud speaks on an item page, and in which language: the title, summary and
    description in the page's language, never the interface around them. An English page
    whose item has no English text speaks the Japanese text with a Japanese voice."""
    if lang == "en":
        english = [fields.get(c, "").strip() for c in ("名称_英語", "概要_英語", "説明_英語")]
        if any(english):
            return " ".join(
                x if x.endswith((".", "!", "?")) else f"{x}." for x in english if x
            ), "en"
    japanese = [title, fields.get("概要", "").strip(), fields.get("説明", "").strip()]
    return "".join(x if x.endswith(("。", "！", "？")) else f"{x}。" for x in japanese if x), "ja"


@bp.get("/<item_id>")
def show(item_id: str) -> str:
    """The item page; an item without images shows its record all the same."""
    archive = served()
    withdrawn_check(item_id)
    record = archive.record(item_id)
    if record is None:
        abort(404, f"資料「{item_id}」はありません / no item with id {item_id!r}")
    urls = request_urls()
    fields = record.fields
    pages = page_images(record, urls)
    raw_pages = record.pages
    rights = record.rights
    manifest = urls.manifest(item_id) if pages else None
    canvases = [urls.canvas(item_id, p.page) for p in raw_pages]
    start = shared_view(request.args.get("iiif-content", "")[:4096], canvases)
    viewer = None
    if manifest:
        viewer = {
            "tiles": json.dumps([urls.info(item_id, p.image) for p in raw_pages]),
            "canvases": json.dumps(canvases),
            "manifest": manifest,
            "direction": record.viewing_direction or "left-to-right",
            "page": start.page if start else 1,
            "region": ",".join(map(str, start.region)) if start and start.region else "",
            "share_base": urls.item_page(item_id),
        }
    speech, speech_lang = read_aloud_text(record.title or item_id, fields, prefs.current().lang)
    return render_template(
        "items/show.html",
        speech=speech,
        speech_lang=speech_lang,
        record=record,
        title=record.title or item_id,
        title_en=fields.get("名称_英語", ""),
        reading=fields.get("名称_カナ", ""),
        summary=fields.get("概要", ""),
        summary_en=fields.get("概要_英語", ""),
        rows=metadata_rows(fields),
        rights=rights_link(rights),
        statement=archive.config.required_statement,
        pages=pages,
        thumbs=[page_thumbnail(item_id, p, urls) for p in raw_pages],
        downloads=[(p.page, page_downloads(item_id, p, rights, urls)) for p in raw_pages],
        manifest=manifest,
        drag_and_drop=f"{manifest}?manifest={quote(manifest, safe='')}" if manifest else None,
        other_viewers=[
            (name, pattern.format(manifest=quote(manifest, safe="")))
            for name, pattern in OTHER_VIEWERS
        ]
        if manifest
        else [],
        viewer=viewer,
        rtl=(record.viewing_direction == "right-to-left"),
        record_json=urls.record(item_id),
        jsonld=item_jsonld(record),
    )
