"""Item records in the store: the one module that loads, lists and writes them.

A record (``records/{id}.json``) is what ingest read from the sheet and measured from the
scans: the metadata, the files with their sha256, and each page's image service name, pixel
size and listed sizes. It holds no addresses; every IIIF document is rendered from it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from archive import keys
from archive.errors import StoreError
from archive.store import json_names

log = logging.getLogger(__name__)


def read_record(store: Any, item_id: str) -> dict | None:
    """The item's record; None when there is none. Raises StoreError when the file is there
    but is not this item's record (unreadable, or another id inside)."""
    key = keys.record(item_id)
    try:
        raw = store.get(key)
    except StoreError:
        try:
            if not store.exists(key):
                return None
        except OSError:
            return None
        raise
    except OSError:  # an id too long for a file name: no such record
        return None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"{key}: 資料レコードが読めません / unreadable record: {exc}") from exc
    if not isinstance(data, dict) or data.get("id") != item_id:
        raise StoreError(f"{key}: 資料レコードの id が違います / record id does not match")
    return data


def load_record(store: Any, item_id: str) -> dict | None:
    """The item's record, or None if it is missing or unreadable (ingest then rebuilds it)."""
    try:
        return read_record(store, item_id)
    except (StoreError, OSError):
        return None


def record_ids(store: Any) -> list[str]:
    """The ids of every stored record, sorted."""
    return json_names(store, "records")


def iter_records(store: Any) -> Iterator[dict]:
    """Every readable record, in id order. A broken record is logged and left out, so one bad
    file never stops a listing (``kura verify`` reports it)."""
    for item_id in record_ids(store):
        try:
            record = read_record(store, item_id)
        except (StoreError, OSError) as exc:
            log.warning("%s", exc)
            continue
        if record is not None:
            yield record


def withdrawal(record: dict | None) -> dict | None:
    """The record's ``withdrawn`` block (``{at, reason, by}``, written by ``kura withdraw``,
    see :mod:`archive.withdrawals`), or None for an item that is not withdrawn."""
    block = (record or {}).get("withdrawn")
    return block if isinstance(block, dict) else None


def is_published(record: dict | None) -> bool:
    """The one answer to "is this item public": a record that exists and is not withdrawn.
    Documents, the feed, search, the sitemap, open data, the viewer and publishing ask it; a
    withdrawn item's record and masters stay in the store for preservation."""
    return record is not None and withdrawal(record) is None


def iter_published(store: Any) -> Iterator[dict]:
    """Every readable record of a published (not withdrawn) item, in id order."""
    return (r for r in iter_records(store) if is_published(r))


def load_published(store: Any, item_id: str) -> dict | None:
    """The item's record when the item is published; None when it is missing, unreadable or
    withdrawn."""
    record = load_record(store, item_id)
    return record if is_published(record) else None


def write_record(store: Any, record: dict) -> None:
    store.put(keys.record(record["id"]), to_json(record), durable=True)


def to_json(data: dict) -> bytes:
    """Kura's JSON files: UTF-8, Japanese as written, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


THUMBNAIL_MIN = 200  # long side of the smallest listed size good enough for a thumbnail


def listed_sizes(page: dict) -> list[tuple[int, int]]:
    """The whole-image sizes the page's level-0 service has, smallest first."""
    return sorted((tuple(s) for s in page.get("sizes") or []), key=lambda s: s[0] * s[1])


def size_segment(page: dict, size: tuple[int, int]) -> str:
    """The Image API size of ``size`` as it exists on a level-0 server: ``w,h`` for a listed
    size, ``max`` for the whole image (and for a size that is not listed)."""
    if tuple(size) == (page["width"], page["height"]) or tuple(size) not in listed_sizes(page):
        return "max"
    return f"{size[0]},{size[1]}"


def thumbnail_size(page: dict) -> tuple[int, int]:
    """The smallest listed size whose long side reaches THUMBNAIL_MIN (else the largest)."""
    sizes = listed_sizes(page)
    for w, h in sizes:
        if max(w, h) >= THUMBNAIL_MIN:
            return w, h
    return sizes[-1] if sizes else (page["width"], page["height"])


def thumbnail_of(record: dict) -> tuple[dict, tuple[int, int], str] | None:
    """The item's thumbnail: its first page, the size and that size's Image API segment
    (the one rule for the manifests, the pages and the open data); None without pages."""
    pages = record.get("pages") or []
    if not pages:
        return None
    size = thumbnail_size(pages[0])
    return pages[0], size, size_segment(pages[0], size)


def page_of(record: dict, image: str) -> dict | None:
    """The page whose image service is named ``image``."""
    return next((p for p in record.get("pages") or [] if p.get("image") == image), None)
