"""Where ``kura publish`` sends the archive: an S3 bucket (``s3://bucket/prefix``) or a folder
(``--to DIR`` or ``file:///path``) for a city's own web server, rsync or a USB disk.

``archive.publish`` decides what to send and in which order; a target lists what it holds,
tells whether one of its objects has exactly a source's bytes, writes and deletes. Both
targets answer the same questions, so the listing, the rendering and the only-what-changed
logic are shared.

An object is described as S3 lists it: ``{"Key", "Size", "ETag"}``. In a folder the "ETag"
is the file's size and modification time (``"<size>-<mtime_ns>"``): the publish manifest
remembers it, so a re-run neither reads nor writes a file that is as it left it. A file the
manifest does not know is compared byte for byte.

Folder writes are atomic: each file is written in a hidden staging folder of the target
(``.kura-tmp-publish/``) and renamed into place, so a web server serving the folder sees the
old file or the new one. A killed run leaves only the staging folder, which the next run
removes. Files are created with the usual permissions (0644 under the common umask), so a web
server running as another user can read them.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from archive.errors import KuraError, StoreError
from archive.i18n import pick
from archive.keys import TEMP_MARK, check_key
from archive.store import LocalStore

STAGING = f"{TEMP_MARK}publish"  # the folder target's staging folder (hidden, never listed)

Body = Callable[[], bytes]


class TargetError(KuraError):
    """The target cannot be used (a folder inside the project, an option it does not have)."""


class Target(Protocol):
    """What publishing needs from where it sends the archive."""

    url: str  # names the target in messages and in the publish manifest
    kind: str  # "s3" or "folder"

    def check(self, write: bool = True) -> None: ...
    def list_objects(self, prefix: str) -> Iterator[dict]: ...
    def list_shallow(self, prefix: str) -> tuple[list[dict], list[str]]: ...
    def holds(self, key: str, path: str | None, size: int, body: Body, obj: dict) -> bool: ...
    def send(self, key: str, path: str | None, size: int, body: Body) -> tuple[str, int]: ...
    def delete_many(self, keys: list[str]) -> None: ...
    def finish(self) -> None: ...


def etag_of(obj: dict | None) -> str:
    return "" if obj is None else str(obj.get("ETag", "")).strip('"')


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def sha256_file(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# --- S3 ---------------------------------------------------------------------------------


class S3Target:
    """A bucket and key prefix (``archive.s3store.S3Store``)."""

    kind = "s3"

    def __init__(self, spec: str, *, endpoint_url: str | None = None, attempts: int = 8) -> None:
        from archive.s3store import S3Store, make_client, parse_s3_url

        bucket, prefix = parse_s3_url(spec)
        client = make_client(endpoint_url, attempts=attempts)
        self.store = S3Store(bucket, prefix, endpoint_url=endpoint_url, client=client)
        self.url = self.store.url

    def check(self, write: bool = True) -> None:
        self.store.check()

    def list_objects(self, prefix: str) -> Iterator[dict]:
        return self.store.list_objects(prefix)

    def list_shallow(self, prefix: str) -> tuple[list[dict], list[str]]:
        return self.store.list_shallow(prefix)

    def _multipart(self, path: str | None, size: int) -> bool:
        from archive import s3store

        return path is not None and size >= s3store.MULTIPART_THRESHOLD

    def holds(self, key: str, path: str | None, size: int, body: Body, obj: dict) -> bool:
        """The ETag of a single PUT is the MD5 of the bytes; a multipart master's sha256 is
        in its metadata."""
        if self._multipart(path, size):
            assert path is not None
            head = self.store.head(key) or {}
            return (head.get("Metadata") or {}).get("sha256") == sha256_file(path)
        return _md5(body()) == etag_of(obj)

    def send(self, key: str, path: str | None, size: int, body: Body) -> tuple[str, int]:
        from botocore.exceptions import BotoCoreError, ClientError

        from archive.s3store import describe_error

        store = self.store
        if self._multipart(path, size):
            assert path is not None
            store.put_file(key, Path(path), sha256=sha256_file(path))
            return etag_of(store.head(key)), size
        data = body()
        md5 = hashlib.md5(data, usedforsecurity=False)
        try:
            response = store.client.put_object(
                Bucket=store.bucket,
                Key=store.full_key(key),
                Body=data,
                ContentMD5=base64.b64encode(md5.digest()).decode(),
                **store.put_args(key, hashlib.sha256(data).hexdigest()),
            )
        except (BotoCoreError, ClientError) as exc:
            raise describe_error(exc, f"{store.url}/{key}") from exc
        return etag_of(response), len(data)

    def delete_many(self, keys: list[str]) -> None:
        self.store.delete_many(keys)

    def finish(self) -> None:
        pass

    def set_cors(self) -> None:
        self.store.set_cors()

    def set_public_read(self, folders: tuple[str, ...]) -> None:
        self.store.set_public_read(folders)


# --- a folder ---------------------------------------------------------------------------


class FolderTarget:
    """A folder on this machine: a web server's document root, what rsync sends, a USB disk.
    It receives exactly what a bucket would; nothing else in it is touched (``--delete``
    removes only files under the published folders that the archive no longer has)."""

    kind = "folder"

    def __init__(self, root: Path, *, project: Path, store: Path) -> None:
        root = root.expanduser().resolve()
        places = (
            (project.resolve(), "プロジェクト", "project"),
            (store.resolve(), "ストア", "store"),
        )
        for private, ja, en in places:
            if root == private or root.is_relative_to(private) or private.is_relative_to(root):
                raise TargetError(
                    pick(
                        f"{root}: 公開先のフォルダーは{ja} ({private}) の外にしてください "
                        "(マスターや state/ が公開されないように)",
                        f"{root}: the folder to publish to must be outside the {en} ({private}), "
                        "so masters and state/ never become public",
                    )
                )
        self.root = root
        self.url = root.as_uri()
        self.files = LocalStore(root)
        self.staging = root / STAGING
        self._names = itertools.count()

    def check(self, write: bool = True) -> None:
        """The folder is made if missing; a leftover staging folder of a killed run goes.
        Without ``write`` (a dry run) nothing is made: a missing folder is an error."""
        if not write:
            if not self.root.is_dir():
                raise StoreError(f"{self.root}: フォルダーがありません / no such folder")
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f"{TEMP_MARK}probe{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StoreError(f"{self.root}: 書き込めません / cannot write: {exc.strerror}") from exc
        shutil.rmtree(self.staging, ignore_errors=True)

    def _object(self, key: str, st: os.stat_result) -> dict:
        return {"Key": key, "Size": st.st_size, "ETag": f"{st.st_size}-{st.st_mtime_ns}"}

    def list_objects(self, prefix: str) -> Iterator[dict]:
        for key, size, mtime_ns in self.files.stats(prefix):
            yield {"Key": key, "Size": size, "ETag": f"{size}-{mtime_ns}"}

    def list_shallow(self, prefix: str) -> tuple[list[dict], list[str]]:
        base = self.files.path(prefix)
        files, folders = [], []
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            return [], []
        for entry in entries:
            if TEMP_MARK in entry.name:
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            elif entry.is_file(follow_symlinks=False):
                files.append(self._object(f"{prefix}/{entry.name}", entry.stat()))
        return files, folders

    def holds(self, key: str, path: str | None, size: int, body: Body, obj: dict) -> bool:
        """Compared byte for byte (a file the publish manifest does not know)."""
        target = self.files.path(key)
        if path is not None:
            if obj.get("Size") != size:
                return False
            return _same_file(path, target)
        data = body()
        if obj.get("Size") != len(data):
            return False
        try:
            return target.read_bytes() == data
        except OSError:
            return False

    def send(self, key: str, path: str | None, size: int, body: Body) -> tuple[str, int]:
        """Write in the staging folder, then rename into place."""
        target = self.files.path(check_key(key))
        temp = self.staging / f"{os.getpid()}-{next(self._names)}"
        try:
            self.staging.mkdir(exist_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            if path is not None:
                shutil.copyfile(path, temp)
            else:
                temp.write_bytes(body())
            st = temp.stat()
            os.replace(temp, target)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise StoreError(f"{target}: 書き込めません / cannot write: {exc.strerror}") from exc
        return self._object(key, st)["ETag"], st.st_size

    def delete_many(self, keys: list[str]) -> None:
        """Remove the files, then the folders left empty (never a top folder itself)."""
        parents = set()
        for key in keys:
            path = self.files.path(key)
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise StoreError(f"{path}: 削除できません / cannot delete: {exc.strerror}") from exc
            parents.add(path.parent)
        for folder in sorted(parents, key=lambda p: len(p.parts), reverse=True):
            while len(folder.relative_to(self.root).parts) > 1:
                try:
                    folder.rmdir()  # only when empty
                except OSError:
                    break
                folder = folder.parent

    def finish(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # s3:/x and ftp://x too; ./a:b is a path


def open_target(
    spec: str,
    *,
    project: Path,
    store: Path,
    endpoint_url: str | None = None,
    attempts: int = 8,
) -> S3Target | FolderTarget:
    """``s3://bucket/prefix`` → a bucket; ``file:///path`` or a plain path → a folder. Other
    URL schemes are refused (a typo must not become a folder named ``s3:``)."""
    if spec.startswith("s3://"):
        return S3Target(spec, endpoint_url=endpoint_url, attempts=attempts)
    if spec.startswith("file://"):
        from urllib.parse import unquote, urlparse

        parsed = urlparse(spec)
        if parsed.netloc not in ("", "localhost"):
            raise TargetError(
                pick(
                    f"file:// の公開先はこの機械のフォルダーだけです: {spec}",
                    f"a file:// target must be a folder on this machine: {spec}",
                )
            )
        return FolderTarget(Path(unquote(parsed.path)), project=project, store=store)
    if _SCHEME.match(spec):
        raise TargetError(
            pick(
                f"公開先は s3://バケット/接頭辞 かフォルダー (file:///… または パス) です: {spec}",
                f"publish to s3://bucket/prefix or a folder (file:///… or a path): {spec}",
            )
        )
    return FolderTarget(Path(spec), project=project, store=store)
