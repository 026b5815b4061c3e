"""Where everything lives in the store: the one place that names store keys.

A published file's key is also its URL path under the address it is served from
(``manifests.urls.Urls`` builds every URL and IIIF id from these keys), so the store holds no
addresses: IIIF documents are rendered for an address when they are served, published or
built. Use as ``from archive import keys`` then ``keys.record(item_id)``.

Layout::

    records/{id}.json                  the item's record (what ingest measured and read)
    iiif/{id}/{image}/…                a page's level-0 image service (tiles, info.json)
    iiif/{id}/manifest.json            the item's manifest (rendered, never stored)
    iiif/collection/{name}.json        collections (rendered)
    iiif/lesson/{id}.json              lesson manifests (rendered)
    lessons/{id}.json                  the compiled lesson the player reads
    activity/…                         the change feed (rendered from state/activity/)
    opendata/…                         the 文化財一覧 CSV
    masters/{id}/{sha256[:16]}/{name}  preservation masters
    fixity/{id}.json                   sha256 of what an item published
    state/…                            Kura's own bookkeeping, never published (the one file
                                       with addresses: state/addresses.json, for the feed's Moves)
"""

from __future__ import annotations

import mimetypes
import os
import re

from archive.errors import StoreError

TEMP_MARK = ".kura-tmp-"
# The one rule for ids of items, lessons and collections: they name files and URL paths.
ID_MAX = 100  # characters
ID_PATTERN = rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{ID_MAX - 1}}}"
_ID = re.compile(ID_PATTERN)


def valid_id(value: str) -> bool:
    """True for an id that can name a file and a URL path segment as it is."""
    return bool(_ID.fullmatch(value))


_TYPES = {
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".csv": "text/csv; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def content_type_for(key: str) -> str:
    """The Content-Type a key is served and uploaded with."""
    suffix = os.path.splitext(key)[1].lower()
    if key.startswith("iiif/") and suffix == ".json":
        return "application/ld+json"
    return _TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def check_key(key: str) -> str:
    """Refuse keys that could escape the store or reach unfinished files: absolute paths,
    ``..``, backslashes, empty parts, NUL, and temp names."""
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or TEMP_MARK in key
        or any(part in ("", ".", "..") for part in key.split("/"))
    ):
        raise StoreError(f"不正なキーです / invalid store key: {key!r}")
    return key


def record(item_id: str) -> str:
    return f"records/{item_id}.json"


def image(item_id: str, image: str) -> str:
    """The folder of one page's level-0 image service (``info.json`` and tiles); ``image``
    is the digest-based tree name the ingest gave the page."""
    return f"iiif/{item_id}/{image}"


def info(item_id: str, image_name: str) -> str:
    return f"{image(item_id, image_name)}/info.json"


def master(item_id: str, sha256: str, name: str) -> str:
    """Masters are kept by content: a changed scan never overwrites the kept original."""
    return f"masters/{item_id}/{sha256[:16]}/{name}"


def manifest(item_id: str) -> str:
    return f"iiif/{item_id}/manifest.json"


def collection(name: str = "top") -> str:
    return f"iiif/collection/{name}.json"


def lesson(lesson_id: str) -> str:
    """The IIIF manifest of a lesson."""
    return f"iiif/lesson/{lesson_id}.json"


def lesson_data(lesson_id: str) -> str:
    """The compiled lesson (steps, sanitised HTML) that the viewer's player reads."""
    return f"lessons/{lesson_id}.json"


def collection_data(name: str) -> str:
    """A compiled curated collection (title, notes, items in order), rendered as IIIF."""
    return f"state/collections/{name}.json"


def activity(name: str = "all-changes") -> str:
    """The IIIF Change Discovery feed: ``all-changes`` (the OrderedCollection) and its
    pages ``page-{n}``."""
    return f"activity/{name}.json"


def event_log() -> str:
    """The change log's state: what was last announced, how many events (never published)."""
    return "state/activity.json"


def event_page(n: int) -> str:
    """Page ``n`` of the change log's events (by id, no address)."""
    return f"state/activity/page-{n}.json"


def withdrawal_log() -> str:
    """The items withdrawn now and the history of withdrawals (``archive.withdrawals``)."""
    return "state/withdrawals.json"


def address_history() -> str:
    """Where each output has been served or published (``archive.addresses``; never
    published, and the one stored file that names addresses)."""
    return "state/addresses.json"


def opendata(code: str = "") -> str:
    """The 文化財一覧 open-data CSV, named by the municipality code like the portals'."""
    return f"opendata/{code}_cultural_property.csv" if code else "opendata/cultural_property.csv"


def fixity(item_id: str) -> str:
    return f"fixity/{item_id}.json"
