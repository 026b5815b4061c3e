"""Item records in the store: the one module that loads, lists and writes them.

A record (``records/{id}.json``) is what ingest read from the sheet and measured from the
scans: the metadata, the files with their sha256, and each page's image service name, pixel
size and listed sizes. It holds no addresses; every IIIF document is rendered from it. Its
type is :class:`archive.model.Record`; every module reads records through the functions here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from archive import keys
from archive.errors import StoreError
from archive.model import Record, RecordFormatError
from archive.store import json_names

log = logging.getLogger(__name__)


def read_record(store: Any, item_id: str) -> Record | None:
    """The item's record; None when there is none. Raises StoreError when the file is there
    but is not this item's record (unreadable, malformed, or another id inside)."""
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
    return parse_record(raw, item_id, key)


def parse_record(raw: bytes, item_id: str, key: str = "") -> Record:
    """The record in ``raw`` (the bytes of ``key``), which must be ``item_id``'s. Raises
    StoreError naming the key and the field that is wrong."""
    key = key or keys.record(item_id)
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise StoreError(f"{key}: 資料レコードが読めません / unreadable record: {exc}") from exc
    if not isinstance(data, dict) or data.get("id") != item_id:
        raise StoreError(f"{key}: 資料レコードの id が違います / record id does not match")
    try:
        return Record.from_json(data)
    except RecordFormatError as exc:
        raise StoreError(
            f"{key}: 資料レコードの「{exc.where}」が{exc.expected_ja}ではありません"
            f" / record field {exc.where} is not {exc.expected_en}"
        ) from exc


def load_record(store: Any, item_id: str) -> Record | None:
    """The item's record, or None if it is missing or unreadable (ingest then rebuilds it)."""
    try:
        return read_record(store, item_id)
    except (StoreError, OSError):
        return None


def record_ids(store: Any) -> list[str]:
    """The ids of every stored record, sorted."""
    return json_names(store, "records")


def iter_records(store: Any) -> Iterator[Record]:
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


def is_published(record: Record | None) -> bool:
    """The one answer to "is this item public": a record that exists and is not withdrawn.
    Documents, the feed, search, the sitemap, open data, the viewer and publishing ask it; a
    withdrawn item's record and masters stay in the store for preservation."""
    return record is not None and record.withdrawn is None


def iter_published(store: Any) -> Iterator[Record]:
    """Every readable record of a published (not withdrawn) item, in id order."""
    return (r for r in iter_records(store) if is_published(r))


def load_published(store: Any, item_id: str) -> Record | None:
    """The item's record when the item is published; None when it is missing, unreadable or
    withdrawn."""
    record = load_record(store, item_id)
    return record if is_published(record) else None


def write_record(store: Any, record: Record) -> None:
    store.put(keys.record(record.id), record_bytes(record), durable=True)


def record_bytes(record: Record) -> bytes:
    """The record as ``records/{id}.json`` holds it (what fixity hashes)."""
    return to_json(record.to_json())


def to_json(data: dict) -> bytes:
    """Kura's JSON files: UTF-8, Japanese as written, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
