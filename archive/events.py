"""The log of what changed in the archive, for the IIIF change feed: Create, Update and Delete
events on items, lessons and curated collections, by id and time, never by address.

``record_changes`` is called at the end of every ingest, after curation and before every
publish: it compares each published thing's fingerprint with the one last announced (kept in
``state/activity.json``) and appends one event per change to ``state/activity/page-{n}.json``
(``PAGE_SIZE`` events a page; only the last page is rewritten). ``manifests.feed`` renders the
IIIF Change Discovery documents from these pages for whatever address they are served at.

Crash-safe: the new state and the events to append are saved first (``pending``), then the
pages, then the state without ``pending``; a run killed anywhere in between is finished by the
next call, with no event lost or doubled.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any

from archive import keys
from archive.errors import StoreError
from archive.fixity import seal
from archive.record import iter_published, to_json
from archive.store import json_names

PAGE_SIZE = 100
STATE_KEY = keys.event_log()
KINDS = ("item", "lesson", "collection")
# feeds written before events were kept: activity/page-{n}.json with manifest URLs
_LEGACY_ITEM = re.compile(r"/iiif/([^/]+)/manifest\.json$")


def page_key(n: int) -> str:
    return keys.event_page(n)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _load(store: Any, key: str) -> dict | None:
    try:
        data = json.loads(store.get(key))
    except (StoreError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _put(store: Any, key: str, data: dict) -> None:
    store.put(key, to_json(seal(data)), durable=True)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def published(store: Any) -> dict[str, str]:
    """``{"kind:id": fingerprint}`` of every published item with pages (a manifest), every
    compiled lesson and every curated collection (a withdrawn item is gone: a ``Delete``)."""
    found = {f"item:{r.id}": r.fingerprint for r in iter_published(store) if r.pages}
    for prefix, kind in (("lessons", "lesson"), ("state/collections", "collection")):
        for name in json_names(store, prefix):
            try:
                found[f"{kind}:{name}"] = _digest(store.get(f"{prefix}/{name}.json"))
            except StoreError:
                continue
    return found


def changes(old: dict[str, str], new: dict[str, str]) -> list[dict]:
    """The events for what differs, in (kind, id) order, with one time for the whole batch:
    when the log learnt of it (the same order whatever the ingest order)."""
    now = _now()
    found = []
    for ref, fingerprint in new.items():
        if ref not in old:
            found.append(("Create", ref))
        elif old[ref] != fingerprint:
            found.append(("Update", ref))
    found.extend(("Delete", ref) for ref in old.keys() - new.keys())
    events = []
    for kind, ref in sorted(found, key=lambda c: (KINDS.index(c[1].split(":")[0]), c[1])):
        what, _, name = ref.partition(":")
        events.append({"type": kind, "object": {what: name}, "endTime": now})
    return events


def _append(store: Any, before: int, new: list[dict]) -> int:
    """Write ``new`` after the first ``before`` events (anything a killed run left past
    them is overwritten); returns the new total."""
    n = before // PAGE_SIZE
    start = n * PAGE_SIZE
    kept = []
    if before > start:
        kept = list((_load(store, page_key(n)) or {}).get("events", []))[: before - start]
    pending = kept + new
    while True:
        chunk, pending = pending[:PAGE_SIZE], pending[PAGE_SIZE:]
        _put(store, page_key(n), {"start": start, "events": chunk})
        if not pending:
            break
        n, start = n + 1, start + PAGE_SIZE
    return before + len(new)


def _migrate(store: Any) -> dict:
    """The state of a feed written before events were kept: its published pages (manifest
    URLs of items) become the first events, the announced fingerprints are kept."""
    state = _load(store, STATE_KEY) or {}
    if "events" in state or not state:
        return state
    events: list[dict] = []
    n = 0
    while (page := _load(store, keys.activity(f"page-{n}"))) is not None:
        for activity in page.get("orderedItems", []):
            found = _LEGACY_ITEM.search(str((activity.get("object") or {}).get("id", "")))
            if found:
                event = {"type": activity.get("type"), "object": {"item": found.group(1)}}
                events.append({**event, "endTime": activity.get("endTime", "")})
        n += 1
    items = {
        (k if ":" in k else f"item:{k}"): v
        for k, v in (state.get("items") or {}).items()
        if isinstance(v, str)
    }
    total = _append(store, 0, events) if events else 0
    state = {"items": items, "total": total, "events": 1}
    _put(store, STATE_KEY, state)
    for m in range(n):  # the stored copies with addresses are gone; the feed is rendered
        store.delete(keys.activity(f"page-{m}"))
    store.delete(keys.activity())
    return state


def log_state(store: Any) -> dict:
    """``{"total": n, "pages": p}`` of the event log (for rendering the feed). Read only: a
    feed kept the old way counts as empty until the next ingest or publish moves it over."""
    state = _load(store, STATE_KEY) or {}
    total = int(state.get("total", 0)) if "events" in state else 0
    total -= len(state.get("pending") or [])  # a run is writing them, or was killed: not yet
    return {"total": total, "pages": max(1, -(-total // PAGE_SIZE))}


def log_page(store: Any, n: int) -> dict | None:
    """``{"start": i, "events": [...]}`` of page ``n``, or None past the end."""
    state = log_state(store)
    if not 0 <= n < state["pages"]:
        return None
    page = _load(store, page_key(n)) or {}
    start = n * PAGE_SIZE
    settled = list(page.get("events") or [])[: max(0, state["total"] - start)]
    return {"start": start, "events": settled}


def read_events(store: Any, start: int, stop: int) -> list[dict]:
    """The settled events ``start`` to ``stop`` (not included), across pages."""
    found: list[dict] = []
    while start < stop:
        n = start // PAGE_SIZE
        page = log_page(store, n)
        if page is None:
            break
        events = page["events"][start - page["start"] : stop - page["start"]]
        if not events:
            break
        found.extend(events)
        start += len(events)
    return found


def needs_work(store: Any) -> bool:
    """True when no change was ever logged or the last logging was cut short (by a kill)."""
    state = _load(store, STATE_KEY)
    return state is None or "pending" in state or "events" not in state


def record_changes(store: Any) -> int:
    """Log the events of what changed since the last call; returns how many."""
    state = _migrate(store)
    total = int(state.get("total", 0))
    if "pending" in state:  # a run killed before the state was settled: write it again
        pending = list(state.pop("pending"))
        total = _append(store, total - len(pending), pending)
        _put(store, STATE_KEY, {**state, "total": total})
    announced = {k: v for k, v in (state.get("items") or {}).items() if isinstance(v, str)}
    current = published(store)
    new = changes(announced, current)
    if not new and "events" in state:
        return 0
    _put(
        store, STATE_KEY, {"items": current, "total": total + len(new), "events": 1, "pending": new}
    )
    total = _append(store, total, new)
    _put(store, STATE_KEY, {"items": current, "total": total, "events": 1})
    return len(new)
