"""Serving files straight from the store (IIIF documents, tiles, records): the one place
that turns a store key into a response, with CORS, ETag/Last-Modified and cache headers.

Keys come from URLs, so every key is checked twice: ``check_key`` refuses ``..``, absolute
paths, backslashes, NUL and unfinished ``.kura-tmp-`` files, and the resolved path must
still lie inside the store's folder (a symlink cannot lead out of it). Anything refused is
a plain 404, saying no more than that the file is not there.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

from flask import Response, abort, request, send_file

from archive.errors import StoreError
from archive.store import check_key, content_type_for
from viewer.state import served

# Tile trees are content-addressed (the tree name is a digest of the scan and the tiling
# settings), so a tile URL never changes meaning and may be cached for good.
CACHE_TILE = "public, max-age=31536000, immutable"
# Documents change when the archive is re-ingested or moved to a new base URL.
CACHE_DOCUMENT = "public, max-age=300"

PRESENTATION_JSON = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_JSON = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'

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


def iiif_content_type(key: str) -> str:
    """IIIF JSON-LD with the profile of its API: Image for ``info.json``, else Presentation."""
    return IMAGE_JSON if key.endswith("/info.json") else PRESENTATION_JSON


def _rebase(value: object, old: str, new: str) -> object:
    if isinstance(value, str):
        if value == old or value.startswith((f"{old}/", f"{old}#")):
            return new + value[len(old) :]
        return value
    if isinstance(value, list):
        return [_rebase(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _rebase(v, old, new) for k, v in value.items()}
    return value


@lru_cache(maxsize=512)
def rebased_document(path: str, mtime_ns: int, size: int, old: str, new: str) -> bytes:
    """The stored JSON at ``path`` with every URL under ``old`` moved under ``new``.

    Keyed by the file's mtime and size too, so a re-ingested document is read afresh."""
    raw = Path(path).read_bytes()
    if old == new:
        return raw
    try:
        data = json.loads(raw)
    except ValueError:
        return raw  # not ours to fix: served as stored
    return json.dumps(_rebase(data, old, new), ensure_ascii=False, indent=2).encode("utf-8")


def send_json_document(key: str, content_type: str) -> Response:
    """A stored IIIF JSON document whose ids (written under kura.toml's ``base_url``) are
    moved to the address this request came to, as a conditional response."""
    old = served().urls.base_url
    new = request.url_root.rstrip("/")
    if not _is_local():
        raw = _from_object_store(key)
        try:
            data = json.loads(raw) if old != new else None
        except ValueError:
            data = None  # not ours to fix: served as stored
        body = (
            raw
            if data is None
            else json.dumps(_rebase(data, old, new), ensure_ascii=False, indent=2).encode()
        )
        response = Response(body)
        response.headers["Content-Type"] = content_type
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.headers["Cache-Control"] = CACHE_DOCUMENT
        return response.make_conditional(request)
    path = store_path(key)
    st = path.stat()
    body = rebased_document(str(path), st.st_mtime_ns, st.st_size, old, new)
    response = Response(body)
    response.headers["Content-Type"] = content_type
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = int(st.st_mtime)
    response.headers["Cache-Control"] = CACHE_DOCUMENT
    return response.make_conditional(request)
