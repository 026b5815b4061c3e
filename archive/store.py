"""The store: where the archive's published files live (IIIF documents and tiles, records,
masters, open data). A small protocol with ``LocalStore`` (a folder); ``S3Store`` comes with
the publishing work.

Writes are atomic: a reader sees the old file or the new one, never a half-written file.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from archive.errors import StoreError

TEMP_MARK = ".kura-tmp-"

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
    """Refuse keys that could escape the store: absolute, ``..``, backslashes, empty parts."""
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "\x00" in key
        or any(part in ("", ".", "..") for part in key.split("/"))
    ):
        raise StoreError(f"不正なキーです / invalid store key: {key!r}")
    return key


class Store(Protocol):
    """What ingest, the viewer and publishing need from a store."""

    def put(self, key: str, data: bytes, *, durable: bool = False) -> None: ...
    def put_file(self, key: str, source: Path) -> None: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str = "") -> Iterator[str]: ...
    def delete(self, key: str) -> None: ...


class LocalStore:
    """A store in a local folder. Atomic writes by write-to-temp-then-rename in the same folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._made: set[Path] = set()

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _dir(self, path: Path) -> None:
        parent = path.parent
        if parent not in self._made:
            parent.mkdir(parents=True, exist_ok=True)
            self._made.add(parent)

    def put(self, key: str, data: bytes, *, durable: bool = False) -> None:
        """Write ``data`` at ``key`` atomically; ``durable`` also fsyncs (documents, records)."""
        target = self.path(key)
        self._dir(target)
        tmp = target.with_name(f"{target.name}{TEMP_MARK}{os.getpid()}")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{target}: 書き込めません / cannot write: {exc.strerror}") from exc

    def put_file(self, key: str, source: Path) -> None:
        """Copy a (possibly huge) file in atomically, without reading it into memory."""
        target = self.path(key)
        self._dir(target)
        fd, tmp = tempfile.mkstemp(prefix=target.name + TEMP_MARK, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StoreError(f"{target}: 書き込めません / cannot write: {exc.strerror}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:
            raise StoreError(f"ありません / no such key: {key}") from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix`` (a folder-like prefix), skipping unfinished temp files."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for dirpath, _dirs, files in os.walk(base):
            rel = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            for name in files:
                if TEMP_MARK in name:
                    continue
                yield name if rel == "." else f"{rel}/{name}"

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def sweep_temp(self, prefix: str) -> int:
        """Remove temp files a killed writer left under ``prefix``; returns how many."""
        base = self.root / prefix
        removed = 0
        if base.is_dir():
            for dirpath, _dirs, files in os.walk(base):
                for name in files:
                    if TEMP_MARK in name:
                        Path(dirpath, name).unlink(missing_ok=True)
                        removed += 1
        return removed


def open_store(spec: str, root: Path) -> LocalStore:
    """The store named in kura.toml: a folder (relative to the project) or ``s3://…``."""
    if spec.startswith("s3://"):
        raise StoreError(
            "S3 ストアはまだ使えません (publish の課題で対応) / S3 stores are not supported yet"
        )
    return LocalStore((root / spec).resolve())
