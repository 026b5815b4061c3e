"""The store: where the archive's published files live (IIIF documents and tiles, records,
masters, open data). A small protocol with ``LocalStore`` (a folder) and ``S3Store``
(``archive.s3store``: any S3-compatible object storage).

Writes are atomic: a reader sees the old file or the new one, never a half-written file.
A whole tile tree (one image service) is written with ``tree()``, which on a local disk
stages it in a hidden folder and swaps it into place in one rename, so ``info.json`` and
its tiles appear together.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from archive.errors import StoreError
from archive.keys import TEMP_MARK, check_key


class TreeWriter(Protocol):
    """Writes the files of one tree (paths relative to its prefix)."""

    def put(self, path: str, data: bytes | memoryview) -> None: ...


class Store(Protocol):
    """What ingest, the viewer and publishing need from a store."""

    def put(self, key: str, data: bytes | memoryview, *, durable: bool = False) -> None: ...
    def put_file(self, key: str, source: Path) -> str: ...
    def tree(self, prefix: str) -> contextlib.AbstractContextManager[TreeWriter]: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str = "") -> Iterator[str]: ...
    def delete(self, key: str) -> None: ...
    def delete_tree(self, prefix: str) -> None: ...
    def size(self, key: str) -> int | None: ...
    def folders(self, prefix: str) -> list[str]: ...
    def sweep_temp(self, prefix: str = "", depth: int = 1) -> int: ...


class _FolderWriter:
    """Plain writes into a staging folder nobody reads until it is swapped into place."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._made: set[str] = set()

    def put(self, path: str, data: bytes | memoryview) -> None:
        target = self.root / check_key(path)
        parent = str(target.parent)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        with open(target, "wb") as fh:
            fh.write(data)


class LocalStore:
    """A store in a local folder. Files: write to a temp name, then rename. Trees: stage in a
    hidden sibling folder, then swap with renames."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _temp_path(self, target: Path, tag: str = "") -> Path:
        return target.with_name(f"{target.name}{TEMP_MARK}{tag}{os.getpid()}")

    @contextlib.contextmanager
    def writer(self, key: str, *, durable: bool = False) -> Iterator[BinaryIO]:
        """A file to write ``key`` into; it appears atomically when the block ends without
        error, and not at all otherwise. ``durable`` also fsyncs (documents, records)."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._temp_path(target)
        try:
            with open(tmp, "wb") as fh:
                yield fh
                if durable:
                    fh.flush()
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"{target}: 書き込めません / cannot write: {exc.strerror}") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put(self, key: str, data: bytes | memoryview, *, durable: bool = False) -> None:
        """Write ``data`` at ``key`` atomically."""
        with self.writer(key, durable=durable) as fh:
            fh.write(data)

    def put_file(self, key: str, source: Path) -> str:
        """Copy a (possibly huge) file in atomically and durably, without reading it into
        memory; returns the sha256 of the bytes copied, so the caller can check them."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name + TEMP_MARK, dir=target.parent)
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StoreError(f"{target}: 書き込めません / cannot write: {exc.strerror}") from exc
        return digest.hexdigest()

    @contextlib.contextmanager
    def tree(self, prefix: str) -> Iterator[TreeWriter]:
        """Write a whole tree under ``prefix``; it replaces the old tree only when the block
        ends without error. A reader sees the old tree or the new one (for a moment during
        the swap, neither: a 404, never a mix or a half-written file)."""
        final = self.path(prefix)
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = self._temp_path(final)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            yield _FolderWriter(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        if final.exists():
            old = self._temp_path(final, "old-")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)

    def get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise StoreError(f"ありません / no such key: {key}") from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int | None:
        """The size of the file at ``key``, or None when there is none."""
        path = self.path(key)
        return path.stat().st_size if path.is_file() else None

    def folders(self, prefix: str) -> list[str]:
        """The names of the finished sub-folders directly under ``prefix``."""
        base = self.path(prefix)
        if not base.is_dir():
            return []
        return sorted(c.name for c in base.iterdir() if c.is_dir() and TEMP_MARK not in c.name)

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix`` (a folder-like prefix), skipping unfinished temp files:
        a folder's files in name order, then its sub-folders in name order."""
        for key, _ in self._entries(prefix):
            yield key

    def stats(self, prefix: str = "") -> Iterator[tuple[str, int, int]]:
        """``(key, size, mtime_ns)`` of every key ``list`` yields, in the same order."""
        for key, entry in self._entries(prefix):
            st = entry.stat()
            yield key, st.st_size, st.st_mtime_ns

    def _entries(self, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        base = self.root / check_key(prefix) if prefix else self.root
        if not base.is_dir():
            return
        stack = [(str(base), f"{check_key(prefix)}/" if prefix else "")]
        while stack:
            folder, rel = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            folders = []
            for entry in entries:
                if TEMP_MARK in entry.name:
                    continue
                if entry.is_dir():
                    if not entry.is_symlink():
                        folders.append((entry.path, f"{rel}{entry.name}/"))
                else:
                    yield f"{rel}{entry.name}", entry
            stack.extend(reversed(folders))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)

    def sweep_temp(self, prefix: str = "", depth: int = 1) -> int:
        """Remove what a killed writer left (temp files, staging and swapped-out folders)
        within ``depth`` levels under ``prefix``, without walking whole tile trees; returns
        how many entries were removed."""
        base = self.root / check_key(prefix) if prefix else self.root
        removed = 0
        level = [base] if base.is_dir() else []
        for _ in range(depth):
            below = []
            for folder in level:
                for entry in os.scandir(folder):
                    if TEMP_MARK in entry.name:
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path, ignore_errors=True)
                        else:
                            Path(entry.path).unlink(missing_ok=True)
                        removed += 1
                    elif entry.is_dir(follow_symlinks=False):
                        below.append(Path(entry.path))
            level = below
        return removed


def json_names(store: Store, prefix: str) -> list[str]:
    """The names (without ``.json``) of the JSON files directly in ``prefix``, sorted; files
    starting with ``_`` (bookkeeping) or ``.`` are not documents."""
    names = []
    for key in store.list(prefix):
        name = key.removeprefix(f"{prefix}/")
        if "/" not in name and name.endswith(".json") and not name.startswith(("_", ".")):
            names.append(name.removesuffix(".json"))
    return sorted(names)


def open_store(spec: str, root: Path, *, endpoint_url: str | None = None) -> Store:
    """The store named in kura.toml: a folder (relative to the project) or ``s3://bucket/prefix``
    (an ``S3Store``; its endpoint from ``endpoint_url`` or boto3's standard sources)."""
    if spec.startswith("s3://"):
        from archive.s3store import S3Store

        return S3Store.from_url(spec, endpoint_url=endpoint_url)
    return LocalStore((root / spec).resolve())
