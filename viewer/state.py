"""What a viewer app serves: the archive's settings, its store and its item records.

The app keeps one ``ServedArchive`` on ``app.extensions["kura"]``; views reach it with
``served()`` and read records through it, never through the store's folder layout.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

from flask import current_app, g, request

from archive.config import Config
from archive.errors import StoreError
from archive.store import LocalStore
from manifests.urls import Urls

log = logging.getLogger(__name__)

ITEM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class ServedArchive:
    """One archive project as the viewer serves it. ``urls`` builds ids from kura.toml's
    ``base_url`` (as in the stored JSON); links in pages use ``request_urls()``."""

    config: Config
    store: LocalStore
    urls: Urls

    def record(self, item_id: str) -> dict | None:
        """The item's record, or None when there is no such item.

        Raises StoreError when the record exists but cannot be read as one."""
        if not ITEM_ID.fullmatch(item_id):
            return None
        key = Urls.record_key(item_id)
        try:
            if not self.store.exists(key):
                return None
        except OSError:  # an id too long for a file name: no such record
            return None
        try:
            data = json.loads(self.store.get(key))
        except (ValueError, StoreError) as exc:
            raise StoreError(f"{key}: 資料レコードが読めません / unreadable record: {exc}") from exc
        if not isinstance(data, dict) or data.get("id") != item_id:
            raise StoreError(f"{key}: 資料レコードの id が違います / record id does not match")
        return data

    def json_document(self, key: str) -> dict | None:
        """A stored JSON document (a IIIF collection …), or None if missing or unreadable."""
        try:
            if not self.store.exists(key):
                return None
            data = json.loads(self.store.get(key))
        except (ValueError, StoreError, OSError) as exc:
            log.warning("%s: %s", key, exc)
            return None
        return data if isinstance(data, dict) else None

    def records(self) -> list[dict]:
        """Every readable record, in id order. A broken record is logged and left out, so
        one bad file never takes the home page down."""
        found = []
        for key in self.store.list("records"):
            name = key.removeprefix("records/")
            if "/" in name or not name.endswith(".json"):
                continue
            try:
                record = self.record(name.removesuffix(".json"))
            except StoreError as exc:
                log.warning("%s", exc)
                continue
            if record is not None:
                found.append(record)
        return sorted(found, key=lambda r: r["id"])


def served() -> ServedArchive:
    """The archive of the current app."""
    return current_app.extensions["kura"]


def request_urls() -> Urls:
    """URLs for links in pages, under the address this request came to, so that pages work
    from wherever the archive is served (``kura serve`` on a laptop, behind a proxy …).

    With kura.toml's ``public_url`` (the CDN or bucket that ``kura publish`` filled), links
    to IIIF documents, tiles, records and the open-data file point there instead."""
    if "kura_urls" not in g:
        g.kura_urls = Urls(request.url_root, served().config.public_url)
    return g.kura_urls


def template_context() -> dict[str, object]:
    """What every template sees: the archive's title in Japanese and English, the visitor's
    preferences (``prefs``, ``lang``), ``t(ja, en)``, ``url_with(**changes)`` and
    ``opendata_url()`` (the open-data CSV, or None) and ``en_value(column, value)`` (the
    English of a metadata word, or "")."""
    from viewer import prefs
    from viewer.discovery import opendata_url
    from viewer.vocabulary import english_value

    title = served().config.title
    chosen = prefs.current()
    return {
        "archive_title": {"ja": title.get("ja", ""), "en": title.get("en", "")},
        "prefs": chosen,
        "lang": chosen.lang,
        "t": prefs.t,
        "url_with": prefs.url_with,
        "opendata_url": opendata_url,
        "en_value": english_value,
    }
