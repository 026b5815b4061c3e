"""The IIIF Presentation 3 manifest of one item, built from its record with iiif-prezi3.

Canvases are built from the pixel sizes the ingest measured (never fetched over HTTP), one per
page, each painted with the page's level-0 image service.
"""

from __future__ import annotations

import json
from typing import Any

from iiif_prezi3 import Manifest

from archive.model import Page, Record
from manifests.labels import ENGLISH_COLUMN, METADATA_LABELS
from manifests.urls import Urls


def lang_map(ja: str, en: str = "") -> dict[str, list[str]]:
    """A IIIF language map with Japanese first; English only when given."""
    out: dict[str, list[str]] = {}
    if ja:
        out["ja"] = [ja]
    if en:
        out["en"] = [en]
    return out or {"none": [""]}


def _field(record: Record, column: str) -> str:
    return record.get(column).strip()


def _metadata(record: Record) -> list[tuple[dict, dict]]:
    entries = []
    fields = dict(record.fields)
    count = " ".join(x for x in (fields.get("員数（数）", ""), fields.get("員数（単位）", "")) if x)
    fields["員数"] = count
    for column, (label_ja, label_en) in METADATA_LABELS.items():
        value = fields.get(column, "").strip()
        if not value:
            continue
        english = _field(record, ENGLISH_COLUMN[column]) if column in ENGLISH_COLUMN else ""
        entries.append(({"ja": [label_ja], "en": [label_en]}, lang_map(value, english)))
    return entries


def image_service(item_id: str, page: Page, urls: Urls) -> dict:
    """A page's level-0 image service as embedded in manifests: with its size and the whole-
    image sizes it has (as its info.json says), so a client can pick a size that exists
    without fetching info.json first; a level-0 service answers no other size."""
    service: dict[str, Any] = {
        "id": urls.image_service(item_id, page.image),
        "type": "ImageService3",
        "profile": "level0",
        "width": page.width,
        "height": page.height,
    }
    if sizes := page.listed_sizes():
        service["sizes"] = [{"width": w, "height": h} for w, h in sizes]
    return service


def page_thumbnail(item_id: str, page: Page, urls: Urls) -> dict:
    """A thumbnail of one page: a listed size (``full/w,h``), never a size to compute."""
    w, h = page.thumbnail_size()
    return {
        "id": urls.image(item_id, page.image, page.size_segment((w, h))),
        "type": "Image",
        "format": "image/jpeg",
        "width": w,
        "height": h,
        "service": [image_service(item_id, page, urls)],
    }


def thumbnail(record: Record, urls: Urls) -> dict | None:
    """A thumbnail resource for the item's first page, with its image service."""
    found = record.thumbnail()
    if found is None:
        return None
    return page_thumbnail(record.id, found[0], urls)


# 資料種別 whose images are the pages of a bound volume (shown two at a time, the first alone
# as the cover, when a client offers a book view): IIIF behavior "paged".
BOUND_KINDS = frozenset({"古文書", "図書", "書籍", "典籍", "和本", "冊子", "帳簿", "文書"})


def is_paged(record: Record) -> bool:
    """Whether the item's canvases are the pages of a book: more than one page, and read
    right to left (a Japanese bound book) or of a bound kind (``BOUND_KINDS``)."""
    if len(record.pages) < 2:
        return False
    if record.viewing_direction == "right-to-left":
        return True
    return _field(record, "資料種別") in BOUND_KINDS


def nav_date(record: Record) -> str | None:
    years = record.years
    if years and 1 <= years.start <= 9999:
        return f"{years.start:04d}-01-01T00:00:00Z"
    return None


def build_manifest(record: Record, config: Any, urls: Urls) -> dict:
    """The manifest of an item with at least one page, as a JSON-ready dict."""
    item_id = record.id
    title_en = _field(record, "名称_英語")
    manifest = Manifest(id=urls.manifest(item_id), label=lang_map(record.title, title_en))
    summary_ja, summary_en = _field(record, "概要"), _field(record, "概要_英語")
    if summary_ja or summary_en:
        manifest.summary = lang_map(summary_ja, summary_en)
    for label, value in _metadata(record):
        manifest.add_metadata(label=label, value=value)
    manifest.rights = record.rights
    statement = config.required_statement
    holder = statement["value"] or config.provider["label"]
    if any(holder.values()):
        manifest.requiredStatement = {
            "label": {k: [v] for k, v in statement["label"].items() if v},
            "value": {k: [v] for k, v in holder.items() if v},
        }
    if record.viewing_direction != "left-to-right":
        manifest.viewingDirection = record.viewing_direction
    if when := nav_date(record):
        manifest.navDate = when

    for page in record.pages:
        n, image, width, height = page.page, page.image, page.width, page.height
        canvas = manifest.make_canvas(
            id=urls.canvas(item_id, n), label={"none": [str(n)]}, width=width, height=height
        )
        body_service = [image_service(item_id, page, urls)]
        canvas.add_image(
            image_url=urls.image(item_id, image),
            anno_id=urls.annotation(item_id, n),
            anno_page_id=urls.annotation_page(item_id, n),
            format="image/jpeg",
            width=width,
            height=height,
            service=body_service,
        )

    data = json.loads(manifest.jsonld())
    # Fields iiif-prezi3 models awkwardly (Agent homepages, typed seeAlso, thumbnails with
    # services) are set on the dict.
    for canvas_data, page in zip(data["items"], record.pages, strict=True):
        canvas_data["thumbnail"] = [page_thumbnail(item_id, page, urls)]
    if is_paged(record):
        data["behavior"] = ["paged"]
    if thumb := thumbnail(record, urls):
        data["thumbnail"] = [thumb]
    data["homepage"] = [
        {
            "id": urls.item_page(item_id),
            "type": "Text",
            "label": lang_map(record.title, title_en),
            "format": "text/html",
            "language": ["ja", "en"],
        }
    ]
    data["seeAlso"] = [
        {
            "id": urls.record(item_id),
            "type": "Dataset",
            "label": {"ja": ["資料レコード (JSON)"], "en": ["Item record (JSON)"]},
            "format": "application/json",
        }
    ]
    if provider := provider_agent(config, urls):
        data["provider"] = [provider]
    return data


def provider_agent(config: Any, urls: Urls) -> dict | None:
    label = {k: [v] for k, v in config.provider["label"].items() if v}
    if not label:
        return None
    homepage = config.provider.get("homepage") or urls.home()
    return {
        "id": f"{urls.home()}#provider",
        "type": "Agent",
        "label": label,
        "homepage": [{"id": homepage, "type": "Text", "label": label, "format": "text/html"}],
    }
