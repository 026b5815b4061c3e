"""``/collections/``: the archive's IIIF collections as pages — the top collection of every
item with images, and each curated collection — read from the same rendered documents that
``/iiif/collection/{cid}.json`` serves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Blueprint, abort, render_template

from archive import keys
from viewer.files import rendered_json
from viewer.state import ITEM_ID, request_documents, request_urls

bp = Blueprint("collections", __name__, url_prefix="/collections")

COLLECTION_ID = re.compile(keys.ID_PATTERN)


@dataclass(frozen=True)
class Member:
    item_id: str
    label_ja: str
    label_en: str
    thumbnail: str
    note: str = ""  # a curated collection's note on the item (the reference's summary)


@dataclass(frozen=True)
class CollectionSummary:
    cid: str
    label_ja: str
    label_en: str
    summary_ja: str
    summary_en: str
    count: int


def _text(lang_map: object, lang: str) -> str:
    if not isinstance(lang_map, dict):
        return ""
    values = lang_map.get(lang) or (lang_map.get("none") if lang == "ja" else None) or []
    return " ".join(str(v) for v in values) if isinstance(values, list) else ""


def _summary(cid: str, doc: dict) -> CollectionSummary:
    items = doc.get("items")
    return CollectionSummary(
        cid=cid,
        label_ja=_text(doc.get("label"), "ja") or cid,
        label_en=_text(doc.get("label"), "en"),
        summary_ja=_text(doc.get("summary"), "ja"),
        summary_en=_text(doc.get("summary"), "en"),
        count=len(items) if isinstance(items, list) else 0,
    )


def _item_id(manifest_id: str) -> str | None:
    """The item of a manifest reference (``…/iiif/{id}/manifest.json``), whatever its host."""
    parts = urlsplit(manifest_id).path.strip("/").split("/")
    if len(parts) >= 3 and ITEM_ID.fullmatch(parts[-2]):
        item_id = parts[-2]
        if "/".join(parts[-3:]) == keys.manifest(item_id):
            return item_id
    return None


def _members(doc: dict) -> list[Member]:
    out = []
    for ref in doc.get("items") or []:
        if not isinstance(ref, dict) or ref.get("type") != "Manifest":
            continue
        item_id = _item_id(str(ref.get("id", "")))
        if item_id is None:
            continue
        thumb = ""
        thumbs = ref.get("thumbnail")
        if isinstance(thumbs, list) and thumbs and isinstance(thumbs[0], dict):
            thumb = str(thumbs[0].get("id", ""))
        label = ref.get("label")
        note = _text(ref.get("summary"), "ja")
        out.append(Member(item_id, _text(label, "ja"), _text(label, "en"), thumb, note))
    return out


def collection_summaries() -> list[CollectionSummary]:
    """Every stored collection, the top one first."""
    found = []
    for cid in ["top", *request_documents().collection_names()]:
        if COLLECTION_ID.fullmatch(cid) and (doc := rendered_json(keys.collection(cid))):
            found.append(_summary(cid, doc))
    return sorted(found, key=lambda c: (c.cid != "top", c.cid))


@bp.get("/")
def index() -> str:
    return render_template("collections/index.html", collections=collection_summaries())


@bp.get("/<cid>")
def show(cid: str) -> str:
    doc = None
    if COLLECTION_ID.fullmatch(cid):
        doc = rendered_json(keys.collection(cid))
    if doc is None:
        abort(404, f"コレクション「{cid}」はありません / no collection with id {cid!r}")
    return render_template(
        "collections/show.html",
        collection=_summary(cid, doc),
        members=_members(doc),
        manifest=request_urls().collection(cid),
    )
