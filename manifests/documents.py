"""Every IIIF document of the archive, rendered for one address at the point of output.

The store holds records, tiles, compiled lessons and collections and the event log, none of
them with an address. The viewer renders documents for the address it serves, ``kura publish``
for the bucket's public address, a static build for its own: changing the address never needs
a re-ingest, and no code rewrites ids inside JSON.

``Documents(store, config, urls).render(key)`` gives the document published at ``key`` (its
URL path under ``urls``), or None when there is none; ``document_keys()`` lists every document key;
``sources(key)`` names the stored files a document is made from (for caches).

A withdrawn item (``archive.record.is_published``) has no manifest and no ``info.json``, and is
in no collection; a lesson that shows it has no manifest until its file is fixed.

The change feed is an output's own: given the output's address history
(``archive.addresses``: ``history``, or ``output`` to read it from the store when the feed is
asked for), it carries a ``Move`` for each resource wherever the address changed
(``archive.moves``); without one, only the logged events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from archive import addresses, events, keys
from archive.addresses import Address
from archive.curated import CuratedCollection
from archive.errors import StoreError
from archive.lessons import Lesson
from archive.model import Record
from archive.moves import Timeline
from archive.record import iter_published, load_published
from archive.store import json_names
from manifests.collection import build_top_collection
from manifests.feed import feed_collection, feed_page
from manifests.item import build_manifest
from manifests.lesson import build_curated_collection, build_lesson_manifest
from manifests.tiles import info_json
from manifests.urls import Urls

PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
DISCOVERY = 'application/ld+json;profile="http://iiif.io/api/discovery/1/context.json"'

_NAME = f"({keys.ID_PATTERN})"
_ROUTES = (
    ("collection", re.compile(rf"iiif/collection/{_NAME}\.json")),
    ("lesson", re.compile(rf"iiif/lesson/{_NAME}\.json")),
    ("manifest", re.compile(rf"iiif/{_NAME}/manifest\.json")),
    ("info", re.compile(rf"iiif/{_NAME}/([0-9a-f]{{16}})/info\.json")),
    ("feed", re.compile(r"activity/all-changes\.json")),
    ("feed_page", re.compile(r"activity/page-(0|[1-9][0-9]{0,8})\.json")),
)


def route(key: str) -> tuple[str, tuple[str, ...]] | None:
    """Which kind of document ``key`` names, and its parts (ids, page number)."""
    for kind, pattern in _ROUTES:
        if found := pattern.fullmatch(key):
            return kind, found.groups()
    return None


def media_type(key: str) -> str:
    """The JSON-LD media type with the profile of the document's API."""
    if key.endswith("/info.json"):
        return IMAGE
    return DISCOVERY if key.startswith("activity/") else PRESENTATION


def to_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


class Documents:
    """The archive's IIIF documents for one address (``urls``)."""

    def __init__(
        self,
        store: Any,
        config: Any,
        urls: Urls,
        *,
        history: Sequence[Address] | None = None,
        output: str | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.urls = urls
        self.history = history  # the output's addresses, oldest first
        self.output = output  # or the output whose history to read when the feed is asked for
        self._timeline: tuple[tuple, Timeline] | None = None

    def with_history(self, history: Sequence[Address]) -> Documents:
        """The same documents, with the feed of an output of this address ``history``."""
        return Documents(self.store, self.config, self.urls, history=list(history))

    def timeline(self) -> Timeline:
        """The feed's activities, with the moves of the output's history (worked out again
        only when the log or the history changed)."""
        history = self.history
        if history is None and self.output is not None:
            history = addresses.address_history(self.store, self.output)
        key = (events.log_state(self.store)["total"], tuple(history or ()))
        if self._timeline is None or self._timeline[0] != key:
            self._timeline = (key, Timeline(self.store, history or ()))
        return self._timeline[1]

    # --- one document ------------------------------------------------------------------

    def render(self, key: str) -> dict | None:
        found = route(key)
        if found is None:
            return None
        kind, parts = found
        return getattr(self, f"_{kind}")(*parts)

    def render_bytes(self, key: str) -> bytes | None:
        data = self.render(key)
        return None if data is None else to_bytes(data)

    def sources(self, key: str) -> list[str]:
        """The store keys (a folder as ``prefix/``) the document at ``key`` is made from."""
        found = route(key)
        if found is None:
            return []
        kind, parts = found
        if kind in ("manifest", "info"):
            return [keys.record(parts[0])]
        if kind == "collection" and parts[0] == "top":
            return ["records/"]
        if kind == "collection":
            return [keys.collection_data(parts[0]), "records/"]
        if kind == "lesson":
            return [keys.lesson_data(parts[0]), "records/"]
        return [events.STATE_KEY, addresses.KEY]

    def _manifest(self, item_id: str) -> dict | None:
        record = load_published(self.store, item_id)
        if record is None or not record.pages:
            return None
        return build_manifest(record, self.config, self.urls)

    def _info(self, item_id: str, image: str) -> dict | None:
        record = load_published(self.store, item_id)
        page = record.page(image) if record else None
        if record is None or page is None:
            return None
        settings = record.image_settings
        return info_json(
            self.urls.image_service(item_id, image),
            page.width,
            page.height,
            int(settings.get("tile_size", self.config.tile_size)),
            int(settings.get("sizes_max", self.config.sizes_max)),
        )

    def _collection(self, name: str) -> dict | None:
        if name == "top":
            return build_top_collection(list(iter_published(self.store)), self.config, self.urls)
        data = self._json(keys.collection_data(name))
        if data is None:
            return None
        collection = CuratedCollection.from_json(data)
        records = self._records(i for i, _note in collection.items)
        return build_curated_collection(collection, records, self.config, self.urls)

    def _lesson(self, lesson_id: str) -> dict | None:
        data = self._json(keys.lesson_data(lesson_id))
        if data is None:
            return None
        try:
            lesson = Lesson.from_json(data)
        except (TypeError, ValueError):
            return None
        records = self._records([*(s.item for s in lesson.steps), lesson.cover])
        if any(
            s.item not in records or not records[s.item].page_number(s.page) for s in lesson.steps
        ):
            return None  # an item of the lesson was withdrawn: the lesson waits for curation
        return build_lesson_manifest(lesson, records, self.config, self.urls)

    def _feed(self) -> dict:
        return feed_collection(self.timeline().state(), self.urls)

    def _feed_page(self, n: str) -> dict | None:
        feed = self.timeline()
        page = feed.page(int(n))
        return None if page is None else feed_page(int(n), page, feed.state(), self.urls)

    # --- everything --------------------------------------------------------------------

    def document_keys(self) -> Iterator[str]:
        """The key of every document there is, items first, then lessons, collections and
        the feed (the order a reader should find them in, each after what it points to)."""
        for record in iter_published(self.store):
            for page in record.pages:
                yield keys.info(record.id, page.image)
            if record.pages:
                yield keys.manifest(record.id)
        for lesson_id in self._names("lessons"):
            if self._lesson(lesson_id) is not None:
                yield keys.lesson(lesson_id)
        yield keys.collection("top")
        for name in self.collection_names():
            yield keys.collection(name)
        yield keys.activity()
        for n in range(self.timeline().pages):
            yield keys.activity(f"page-{n}")

    def collection_names(self) -> list[str]:
        """The curated collections (the top one aside)."""
        return [n for n in self._names("state/collections") if n != "top"]

    def _names(self, prefix: str) -> list[str]:
        return json_names(self.store, prefix)

    def _json(self, key: str) -> dict | None:
        try:
            data = json.loads(self.store.get(key))
        except (StoreError, ValueError, OSError):
            return None
        return data if isinstance(data, dict) else None

    def _records(self, item_ids: Any) -> dict[str, Record]:
        out = {}
        for item_id in dict.fromkeys(i for i in item_ids if i):
            if record := load_published(self.store, item_id):
                out[item_id] = record
        return out
