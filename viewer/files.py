"""Serving the archive's files: tiles and records straight from the store, IIIF documents
rendered for this site's address (:mod:`manifests.documents`), with CORS, ETag/Last-Modified
and cache headers. The one place that turns a store key into a response.

Keys come from URLs, so every key is checked twice: ``check_key`` refuses ``..``, absolute
paths, backslashes, NUL and unfinished ``.kura-tmp-`` files, and the resolved path must
still lie inside the store's folder (a symlink cannot lead out of it). Anything refused is
a plain 404, saying no more than that the file is not there.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path

from flask import Response, abort, request, send_file

from archive.errors import StoreError
from archive.keys import check_key, content_type_for
from manifests.documents import Documents, media_type
from viewer.state import request_documents, served

# Tile trees are content-addressed (the tree name is a digest of the scan and the tiling
# settings), so a tile URL never changes meaning and may be cached for good.
CACHE_TILE = "public, max-age=31536000, immutable"
# Documents change when the archive is re-ingested or moved to a new base URL.
CACHE_DOCUMENT = "public, max-age=300"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Range, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Length, Content-Range",
}


def file_etag(st: os.stat_result) -> str:
    """The ETag of a stored file (the same from the app and from ``viewer.tiles``)."""
    return f"{st.st_mtime_ns:x}-{st.st_size:x}"


def not_found(key: str) -> None:
    abort(404, f"ファイルがありません / no such file: {key}")


def store_path(key: str) -> Path:
    """The file of ``key`` inside the store, or a 404."""
    try:
        check_key(key)
    except StoreError:
        not_found(key)
    root = served().store.root.resolve()
    try:
        path = (root / key).resolve()
        found = path.is_relative_to(root) and path.is_file()
    except (OSError, RuntimeError):  # a name too long, a loop of links (RuntimeError < 3.13)
        found = False
    if not found:
        not_found(key)
    return path


def _from_object_store(key: str) -> bytes:
    """The bytes of ``key`` from a store that is not a local folder (S3), or a 404."""
    try:
        check_key(key)
        return served().store.get(key)
    except StoreError:
        not_found(key)
        raise  # not reached


def _is_local() -> bool:
    return hasattr(served().store, "root")


def send_store_file(key: str) -> Response:
    """The file at ``key`` as a conditional response (If-None-Match / If-Modified-Since give
    304, Range gives 206). Over an S3 store the object is fetched and passed on (a CDN in
    front of the bucket should serve ``/iiif/`` directly; see the README)."""
    if not _is_local():
        body = _from_object_store(key)
        response = Response(body, content_type=content_type_for(key))
        response.set_etag(hashlib.md5(body, usedforsecurity=False).hexdigest())
        response.headers["Cache-Control"] = CACHE_TILE if key.endswith(".jpg") else CACHE_DOCUMENT
        return response.make_conditional(request)
    path = store_path(key)
    response = send_file(
        path, mimetype=content_type_for(key), conditional=True, etag=file_etag(path.stat())
    )
    response.headers["Cache-Control"] = CACHE_TILE if key.endswith(".jpg") else CACHE_DOCUMENT
    response.headers.pop("Expires", None)
    return response


def add_cors_headers(response: Response) -> Response:
    """Anyone may fetch the archive's open files from any site (IIIF viewers, portals)."""
    response.headers.update(CORS_HEADERS)
    return response


_RENDERED: OrderedDict[tuple, bytes | None] = OrderedDict()
_RENDERED_MAX = 512
_RENDERED_LOCK = threading.Lock()
S3_RENDER_SECONDS = 30  # over an S3 store, a rendered document is kept this long


def _signature(docs: Documents, key: str) -> tuple:
    """What the document at ``key`` is made from, as it stands: the size and mtime of each
    source file (a folder's mtime changes whenever a file in it is replaced, since every
    write is a rename); over S3, the current 30-second window."""
    if not _is_local():
        return (int(time.monotonic() // S3_RENDER_SECONDS),)
    stamps = []
    for source in docs.sources(key):
        try:
            st = os.stat(served().store.path(source.rstrip("/")))
            stamps.append((st.st_size, st.st_mtime_ns))
        except (OSError, StoreError):
            stamps.append(None)
    return tuple(stamps)


def _rendered(key: str) -> tuple[bytes | None, tuple]:
    docs = request_documents()
    signature = _signature(docs, key)
    cache_key = (id(served()), key, docs.urls, signature)
    with _RENDERED_LOCK:
        if cache_key in _RENDERED:
            _RENDERED.move_to_end(cache_key)
            return _RENDERED[cache_key], signature
    body = docs.render_bytes(key)
    with _RENDERED_LOCK:
        _RENDERED[cache_key] = body
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return body, signature


def rendered(key: str) -> bytes | None:
    """The IIIF document at ``key`` rendered for the address this site is served at (None
    when there is no such document), kept while its sources are unchanged."""
    return _rendered(key)[0]


def rendered_json(key: str) -> dict | None:
    body = rendered(key)
    return None if body is None else json.loads(body)


def send_document(key: str) -> Response:
    """A IIIF document rendered for this site's address, as a conditional response."""
    body, signature = _rendered(key)
    if body is None:
        not_found(key)
    response = Response(body)
    response.headers["Content-Type"] = media_type(key)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    changed = [stamp[1] for stamp in signature if isinstance(stamp, tuple) and len(stamp) == 2]
    if changed:  # a local store: when its newest source was written
        response.last_modified = max(changed) // 1_000_000_000
    response.headers["Cache-Control"] = CACHE_DOCUMENT
    return response.make_conditional(request)
