"""The IIIF Change Discovery API 1.0 feed: ``activity/all-changes.json`` (an
``OrderedCollection``) and its ``activity/page-{n}.json`` (``OrderedCollectionPage`` s of
``Create``/``Update``/``Delete`` activities on item manifests, oldest first), so harvesters
such as Japan Search fetch only what changed since their last visit.

``update_feed`` is called at the end of every ingest and before every publish: it compares
each item's record fingerprint with the one the feed last announced (kept in
``state/activity.json``, never published) and appends one activity per change. Pages hold
``PAGE_SIZE`` activities; only the last page and the collection are rewritten. Ids are under
kura.toml's ``base_url`` (publishing moves them to the public base URL like every document).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from archive.errors import StoreError

CONTEXT = "http://iiif.io/api/discovery/1/context.json"
PAGE_SIZE = 100
STATE_KEY = "state/activity.json"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _load(store: Any, key: str) -> dict | None:
    try:
        data = json.loads(store.get(key))
    except (StoreError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _put(store: Any, key: str, data: dict) -> None:
    store.put(key, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"), durable=True)


def published_items(store: Any) -> dict[str, tuple[str, str]]:
    """``{item id: (fingerprint, ingest time)}`` of every item that has a manifest."""
    items = {}
    for key in store.list("records"):
        name = key.removeprefix("records/")
        if "/" in name or not name.endswith(".json"):
            continue
        record = _load(store, key)
        if not record or not record.get("pages") or record.get("id") != name[: -len(".json")]:
            continue
        at = str((record.get("ingest") or {}).get("at", ""))
        items[record["id"]] = (str(record.get("fingerprint", "")), at)
    return items


def changes(old: dict[str, str], new: dict[str, tuple[str, str]]) -> list[tuple[str, str, str]]:
    """``(activity type, item id, endTime)`` for what differs, in id order. One time for the
    whole batch: when the feed learnt of it (and the same order whatever the ingest order)."""
    now = _now()
    found = []
    for item_id, (fingerprint, _at) in new.items():
        if item_id not in old:
            found.append(("Create", item_id, now))
        elif old[item_id] != fingerprint:
            found.append(("Update", item_id, now))
    found.extend(("Delete", item_id, now) for item_id in old.keys() - new.keys())
    return sorted(found, key=lambda c: c[1])


def activity(kind: str, item_id: str, end_time: str, urls: Any) -> dict:
    return {
        "type": kind,
        "object": {"id": urls.manifest(item_id), "type": "Manifest"},
        "endTime": end_time,
    }


def _page(urls: Any, n: int, start: int, items: list[dict], last: bool) -> dict:
    page: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.activity(f"page-{n}"),
        "type": "OrderedCollectionPage",
        "startIndex": start,
        "partOf": {"id": urls.activity(), "type": "OrderedCollection"},
    }
    if n > 0:
        page["prev"] = {"id": urls.activity(f"page-{n - 1}"), "type": "OrderedCollectionPage"}
    if not last:
        page["next"] = {"id": urls.activity(f"page-{n + 1}"), "type": "OrderedCollectionPage"}
    page["orderedItems"] = items
    return page


def _append(store: Any, urls: Any, before: int, new: list[dict]) -> int:
    """Write ``new`` after the first ``before`` activities (anything a killed run left past
    them is overwritten), then the collection; returns the new total."""
    from manifests.urls import Urls

    n = before // PAGE_SIZE
    start = n * PAGE_SIZE
    kept = []
    if before > start:
        page = _load(store, Urls.activity_key(f"page-{n}")) or {}
        kept = list(page.get("orderedItems", []))[: before - start]
    if n > 0 and before == start:  # the full page before gets its "next"
        prev = _load(store, Urls.activity_key(f"page-{n - 1}")) or {}
        items = list(prev.get("orderedItems", []))
        _put(
            store,
            Urls.activity_key(f"page-{n - 1}"),
            _page(urls, n - 1, start - PAGE_SIZE, items, False),
        )
    pending = kept + new
    while True:
        chunk, pending = pending[:PAGE_SIZE], pending[PAGE_SIZE:]
        _put(store, Urls.activity_key(f"page-{n}"), _page(urls, n, start, chunk, not pending))
        if not pending:
            break
        n, start = n + 1, start + PAGE_SIZE
    total = before + len(new)
    _put(
        store,
        Urls.activity_key(),
        {
            "@context": CONTEXT,
            "id": urls.activity(),
            "type": "OrderedCollection",
            "totalItems": total,
            "first": {"id": urls.activity("page-0"), "type": "OrderedCollectionPage"},
            "last": {"id": urls.activity(f"page-{n}"), "type": "OrderedCollectionPage"},
        },
    )
    return total


def feed_needs_work(store: Any) -> bool:
    """True when there is no feed yet or the last update was cut short (by a kill)."""
    from manifests.urls import Urls

    state = _load(store, STATE_KEY)
    collection = _load(store, Urls.activity_key())
    return state is None or collection is None or "pending" in state


def update_feed(store: Any, base_url: str) -> int:
    """Append the activities of what changed since the last call; returns how many.

    Crash-safe: the new state and the activities to append are saved first (``pending``),
    then the pages and the collection, then the state without ``pending``. A run killed
    anywhere in between is finished by the next call, with no activity lost or doubled."""
    from manifests.urls import Urls

    urls = Urls(base_url)
    state = _load(store, STATE_KEY) or {}
    collection = _load(store, Urls.activity_key())
    total = int((collection or {}).get("totalItems", 0))
    if "pending" in state:
        pending = list(state["pending"])
        if int(state.get("total", 0)) != total:  # killed before the collection was written
            total = _append(store, urls, int(state["total"]) - len(pending), pending)
        state.pop("pending")
        _put(store, STATE_KEY, state)
    announced = {k: v for k, v in (state.get("items") or {}).items() if isinstance(v, str)}
    current = published_items(store)
    found = changes(announced, current)
    if not found and collection is not None:
        return 0
    new = [activity(kind, item_id, at, urls) for kind, item_id, at in found]
    items = {k: v[0] for k, v in current.items()}
    _put(store, STATE_KEY, {"items": items, "total": total + len(new), "pending": new})
    total = _append(store, urls, total, new)
    _put(store, STATE_KEY, {"items": items, "total": total})
    return len(new)
