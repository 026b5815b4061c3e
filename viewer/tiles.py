"""Tiles without the web framework: a WSGI layer in front of the Flask app that answers
``GET``/``HEAD /iiif/…/default.jpg`` for a local store straight from the file.

An item view fetches dozens of tiles for each page it draws, and a tile is only a file:
routing, the request context and the after-request hooks cost more than sending it. This
layer gives a tile the same answer the app would (the same ETag, Last-Modified, cache,
CORS and security headers, 304 for a matching ``If-None-Match`` or ``If-Modified-Since``)
and hands everything else to the app unchanged: other paths, query strings, ``Range``
requests, non-ASCII paths, any key that is refused or not a file, and the tiles of a withdrawn
item (so the 404 and 410 pages and their logging stay in one place, the app's error handlers).

The key checks are the app's: ``check_key`` (no ``..``, absolute paths, backslashes, NUL,
unfinished temp files), then the real path of the tile's folder must lie inside the store's
folder, and the tile itself is opened without following a link.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Container, Iterable
from pathlib import Path
from typing import Any

from werkzeug.http import http_date, parse_date, parse_etags

from archive.errors import StoreError
from archive.keys import check_key
from viewer.files import CACHE_TILE, CORS_HEADERS, file_etag

FOLDERS_REMEMBERED = 65536
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict, StartResponse], Iterable[bytes]]


class TileFiles:
    """Serve tiles of the store folder ``root`` ahead of ``app``; see the module doc."""

    def __init__(
        self,
        app: WSGIApp,
        root: Path,
        headers: dict[str, str],
        withdrawn: Container[str] = frozenset(),
    ) -> None:
        self.app = app
        self.withdrawn = withdrawn
        self.root = os.path.realpath(root)
        self.inside = self.root + os.sep
        self.headers = [
            *headers.items(),
            *CORS_HEADERS.items(),
            ("Cache-Control", CACHE_TILE),
        ]
        self.folders: dict[str, str] = {}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        found = self._tile(environ)
        if found is None:
            return self.app(environ, start_response)
        fd, st = found
        try:
            etag = file_etag(st)
            headers = [
                *self.headers,
                ("ETag", f'"{etag}"'),
                ("Last-Modified", http_date(int(st.st_mtime))),
            ]
            if _not_modified(environ, etag, int(st.st_mtime)):
                start_response("304 NOT MODIFIED", headers)
                return []
            headers += [
                ("Content-Type", "image/jpeg"),
                ("Content-Length", str(st.st_size)),
                ("Content-Disposition", "inline; filename=default.jpg"),
                ("Accept-Ranges", "bytes"),  # a Range request goes on to the app, which answers
            ]
            if environ["REQUEST_METHOD"] == "HEAD":
                start_response("200 OK", headers)
                return []
            body = _read(fd, st.st_size)  # tiles are small: one read, one write
        finally:
            os.close(fd)
        start_response("200 OK", headers)
        return [body]

    def _tile(self, environ: dict) -> tuple[int, os.stat_result] | None:
        """An open descriptor of the tile and its stat, when this request is a plain tile
        request that may be answered here."""
        path_info: str = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or not path_info.startswith("/iiif/")
            or not path_info.endswith("/default.jpg")
            or not path_info.isascii()
            or environ.get("QUERY_STRING")
            or "HTTP_RANGE" in environ
            or "HTTP_IF_RANGE" in environ
        ):
            return None
        key = path_info[1:]
        if key.split("/", 2)[1] in self.withdrawn:
            return None  # the app answers 410
        try:
            check_key(key)
            folder = self._folder(key.rpartition("/")[0])
            if folder is None:
                return None
            # the folder's real path lies inside the store; the file itself is no link
            fd = os.open(os.path.join(folder, "default.jpg"), os.O_RDONLY | os.O_NOFOLLOW)
        except (StoreError, OSError, ValueError):
            return None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            return None
        return fd, st

    def _folder(self, key: str) -> str | None:
        """The real path of a folder of the store, if it lies inside the store. Remembered
        (a tile tree's folders never move: trees are content-addressed and replaced whole)."""
        folder = self.folders.get(key)
        if folder is None:
            folder = os.path.realpath(os.path.join(self.root, key))
            if not folder.startswith(self.inside):
                return None
            if len(self.folders) >= FOLDERS_REMEMBERED:
                self.folders.clear()
            self.folders[key] = folder
        return folder


def _read(fd: int, size: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, max(size, 65536)):
        chunks.append(chunk)
    return b"".join(chunks)


def _not_modified(environ: dict, etag: str, mtime: int) -> bool:
    if "HTTP_IF_NONE_MATCH" in environ:  # wins over If-Modified-Since (RFC 9110 13.2.2)
        return parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(etag)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and mtime <= since.timestamp()
