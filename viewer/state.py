"""What a viewer app serves: the archive's settings, its store and its item records.

The app keeps one ``ServedArchive`` on ``app.extensions["kura"]``; views reach it with
``served()`` and read records through it, never through the store's folder layout.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, g, request

from archive import keys
from archive.addresses import VIEWER
from archive.config import Config
from archive.errors import StoreError
from archive.model import Record
from archive.record import is_published, iter_published, read_record
from archive.store import LocalStore
from archive.withdrawals import WithdrawnIds
from manifests.documents import Documents
from manifests.urls import Urls

log = logging.getLogger(__name__)

ITEM_ID = re.compile(keys.ID_PATTERN)


@dataclass(frozen=True)
class ServedArchive:
    """One archive project as the viewer serves it; links and ids are built with
    ``request_urls()``."""

    config: Config
    store: LocalStore
    # kura.toml's trusted_urls and any address the server itself listens on
    trusted_urls: tuple[str, ...] = ()
    # the items withdrawn now (``kura withdraw``), read again when the log changes
    withdrawn: WithdrawnIds | None = field(default=None, compare=False)

    def record(self, item_id: str) -> Record | None:
        """The item's record, or None when there is no such item or it is withdrawn (see
        ``withdrawal``).

        Raises StoreError when the record exists but cannot be read as one."""
        if not ITEM_ID.fullmatch(item_id):
            return None
        record = read_record(self.store, item_id)
        return record if is_published(record) else None

    def withdrawal(self, item_id: str) -> dict | None:
        """``{id, title, title_en, at, reason}`` of a withdrawn item (what its 410 page
        shows; ``title_en`` "" when the log has none); None for any other id. Cheap enough
        for every tile request."""
        if self.withdrawn is None or not ITEM_ID.fullmatch(item_id):
            return None
        found = self.withdrawn.get(item_id)
        if found is None:
            return None
        names = ("title", "title_en", "at", "reason")
        return {"id": item_id, **{k: str(found.get(k) or "") for k in names}}

    def json_document(self, key: str) -> dict | None:
        """A stored JSON document (a compiled lesson …), or None if missing or unreadable."""
        try:
            if not self.store.exists(key):
                return None
            data = json.loads(self.store.get(key))
        except (ValueError, StoreError, OSError) as exc:
            log.warning("%s: %s", key, exc)
            return None
        return data if isinstance(data, dict) else None

    def records(self) -> list[Record]:
        """Every readable record of a published item, in id order. A broken record is
        logged and left out, so one bad file never takes the home page down."""
        return list(iter_published(self.store))


def served() -> ServedArchive:
    """The archive of the current app."""
    return current_app.extensions["kura"]


def request_urls() -> Urls:
    """URLs for links in pages and ids in IIIF documents: under kura.toml's ``base_url``, or
    under one of ``trusted_urls`` when the request came to that address (a proxy's second
    name, the address ``kura serve`` listens on). Never under a Host the request makes up:
    a shared cache would keep and serve what an attacker's Host header made.

    With kura.toml's ``public_url`` (the CDN or bucket that ``kura publish`` filled), IIIF
    documents, tiles, records and the open-data file are there instead."""
    if "kura_urls" not in g:
        config = served().config
        g.kura_urls = Urls(trusted_origin(request.host) or config.base_url, config.public_url)
    return g.kura_urls


def trusted_origin(host: str) -> str | None:
    """The trusted address whose host[:port] is ``host``, if any."""
    wanted = host.lower()
    for url in served().trusted_urls:
        if urlsplit(url).netloc.lower() == wanted:
            return url
    return None


def request_documents() -> Documents:
    """The archive's IIIF documents rendered for the addresses of ``request_urls()``; the
    change feed is the viewer's, with a ``Move`` wherever its address changed."""
    if "kura_documents" not in g:
        archive = served()
        urls = request_urls()
        g.kura_documents = Documents(archive.store, archive.config, urls, output=VIEWER)
    return g.kura_documents
