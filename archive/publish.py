"""``kura publish``: sync the local archive to an S3 bucket or a folder, incrementally and
resumably (the targets: ``archive.publish_targets``).

What is sent: the tiles of ``iiif/``, ``records/``, ``lessons/`` and ``opendata/``, and every
IIIF document (manifests, ``info.json``, collections, lesson manifests, the change feed under
``activity/``) rendered for the public ``--base-url`` by the ``documents`` the caller passes
(``manifests.documents.Documents``); ``masters/`` only with ``--masters``. The store holds no
addresses, so nothing is rewritten: a rendered document is sent when what it is made from
(its records, the settings, the address, Kura's version) changed since the last publish.

Which keys are sent: a key is uploaded when the bucket does not hold exactly its bytes. The
bucket is listed once (1,000 keys a request) and each object's ETag compared with what the
last publish recorded for it (the publish manifest, ``state/publish-….json`` in the local
store, which also remembers each source file's size and mtime, so unchanged files are not
even read). Keys the manifest does not know are compared by MD5 (the ETag of a single-part
upload) or, for multipart masters, by the sha256 kept in the object's metadata. So a re-run
with nothing changed uploads nothing, and a publish killed half-way resumes where it was:
the manifest is saved every second, and what was uploaded but not yet recorded matches by
MD5.

Image services are folders named after their page's content (``iiif/<item>/<image>/``).
When a publish ends well, the manifest records each folder's signature (its local files'
keys, sizes and mtimes); a later publish whose folder has the same signature, and which
the bucket still holds, does not list the folder's tiles at all: ``iiif/`` is walked one
level at a time and only the other folders are listed in full. A re-publish of a large
archive with nothing changed then costs a few requests per item, not one per 1,000 tiles.
``--check-all`` (``check_all``) compares every key again, for a bucket changed behind
Kura's back.

Order: tiles first, then ``info.json``, then item documents, then collections and feeds, so
a reader never finds a manifest whose tiles are not there yet. Deletions (``--delete``) come
last. Uploads run in a thread pool over one connection pool.

A folder (``--to DIR`` or ``file:///path``) gets exactly what a bucket would, through the same
listing and comparison; its "ETag" is a file's size and mtime, so a re-run writes nothing.

What is sent and in which order is worked out by ``archive.publish_sources``.

``--dry-run`` works without credentials: when the bucket cannot be reached (no credentials, no
network, no such folder yet), it says so in one line and counts what would be sent against
the last publish manifest alone (everything, when there is none).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from archive.config import Config
from archive.errors import PublishError, StoreError
from archive.i18n import pick
from archive.publish_manifest import PublishManifest
from archive.publish_sources import (
    PUBLISHED,
    DocumentSource,
    Source,
    image_trees,
    local_sources,
    phase,
    rendered_sources,
    tree_signature,
    withdrawn_key,
)
from archive.publish_targets import S3Target, Target, TargetError, etag_of, open_target
from archive.store import LocalStore
from archive.withdrawals import withdrawn_items

CRASH_ENV = "KURA_PUBLISH_CRASH_AFTER"  # fault injection for tests: die after N uploads


# --- the report ------------------------------------------------------------------------


@dataclass
class PublishReport:
    target: str
    base_url: str
    local: int = 0
    uploaded: int = 0
    uploaded_bytes: int = 0
    unchanged: int = 0
    deleted: int = 0
    stale: int = 0  # keys only in the bucket, kept without --delete
    withdrawn_stale: int = 0  # of those, files of withdrawn items (``kura withdraw``)
    cors: bool = False
    public_read: bool = False
    seconds: float = 0.0
    dry_run: bool = False
    folder: bool = False  # the target is a folder, not a bucket
    uploaded_keys: list[str] = field(default_factory=list)

    def line(self, lang: str | None = None) -> str:
        mb = self.uploaded_bytes / 1e6
        rate = self.uploaded / self.seconds if self.seconds else 0.0
        return pick(
            f"公開{'(試行)' if self.dry_run else ''}: {self.target} — 送信 {self.uploaded} 件 ({mb:.1f} MB), "
            f"変更なし {self.unchanged} 件, 削除 {self.deleted} 件"
            + (
                f", {'フォルダー' if self.folder else 'バケット'}にだけあるもの {self.stale} 件 (--delete で削除)"
                if self.stale
                else ""
            )
            + (
                f", うち取り下げた資料のファイル {self.withdrawn_stale} 件がまだ公開中"
                if self.withdrawn_stale
                else ""
            )
            + (", CORS 設定済み" if self.cors else "")
            + (", 匿名の読み取りを許可" if self.public_read else "")
            + f" ({self.seconds:.1f} 秒, {rate:.0f} 件/秒)",
            f"publish{' (dry run)' if self.dry_run else ''}: {self.target} — {self.uploaded} uploaded ({mb:.1f} MB), "
            f"{self.unchanged} unchanged, {self.deleted} deleted"
            + (
                f", {self.stale} only in the {'folder' if self.folder else 'bucket'} (remove with --delete)"
                if self.stale
                else ""
            )
            + (
                f", {self.withdrawn_stale} of them files of withdrawn items, still public"
                if self.withdrawn_stale
                else ""
            )
            + (", CORS rule set" if self.cors else "")
            + (", public read set" if self.public_read else "")
            + f" ({self.seconds:.1f} s, {rate:.0f} objects/s)",
            lang,
        )


# --- the sync --------------------------------------------------------------------------


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Publisher:
    """One run of ``kura publish``."""

    def __init__(
        self,
        config: Config,
        target: str,
        documents: DocumentSource,
        *,
        endpoint_url: str | None = None,
        delete: bool = False,
        set_cors: bool = False,
        public_read: bool = False,
        masters: bool = False,
        workers: int = 16,
        dry_run: bool = False,
        check_all: bool = False,
        progress: bool | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        from archive.store import open_store

        local = open_store(config.store, config.root)
        if not isinstance(local, LocalStore):
            raise PublishError(
                pick(
                    f"公開元はローカルのアーカイブです (store = {config.store!r} は S3)。S3 へは直接 ingest 済みです",
                    f"publish sends a local archive; this project's store {config.store!r} is already on S3",
                )
            )
        if not any(True for _ in local.list("records")):
            raise PublishError(
                pick(
                    f"{local.root}: 公開する資料がありません。先に `kura ingest` を実行してください",
                    f"{local.root}: nothing to publish; run `kura ingest` first",
                )
            )
        base_url = documents.urls.base_url
        if not base_url.startswith(("http://", "https://")):
            raise PublishError(
                pick(
                    f"--base-url は http:// か https:// で始めてください: {base_url}",
                    f"--base-url must be an http(s) URL: {base_url}",
                )
            )
        self.config = config
        self.documents = documents
        self.local = local
        try:
            self.dest: Target = open_target(
                target,
                project=config.root,
                store=local.root,
                endpoint_url=endpoint_url,
                attempts=3 if dry_run else 8,  # a dry run off the network gives up soon
            )
        except TargetError as exc:
            raise PublishError(str(exc)) from exc
        if (set_cors or public_read) and not isinstance(self.dest, S3Target):
            raise PublishError(
                pick(
                    "--set-cors と --public-read はバケットだけの設定です。フォルダーの CORS はウェブサーバーで設定してください (docs/publishing.md)",
                    "--set-cors and --public-read are bucket settings; set CORS for a folder in its web server (docs/publishing.md)",
                )
            )
        self.base_url = base_url.rstrip("/")
        self.delete = delete
        self.set_cors = set_cors
        self.public_read = public_read
        self.masters = masters
        self.workers = max(1, workers)
        self.dry_run = dry_run
        self.check_all = check_all
        self.progress = progress
        self.say = say
        self.report = PublishReport(target=self.dest.url, base_url=self.base_url)
        self.report.dry_run = dry_run
        self.report.folder = self.dest.kind == "folder"
        self._count_lock = threading.Lock()
        self._crash_after = int(os.environ.get(CRASH_ENV, "0") or 0)

    # -- steps ---------------------------------------------------------------------------

    def run(self) -> PublishReport:
        started = time.monotonic()
        problem = self._reach()
        if not self.dry_run:
            self._update_feed()
        self.documents = self.documents.with_history(self._history())
        manifest = PublishManifest(self.local, self.dest.url, self.base_url)
        sources = self._sources()
        self.report.local = len(sources)
        if problem is not None:
            self._count_offline(sources, manifest, problem)
            self.report.seconds = time.monotonic() - started
            return self.report
        trees = image_trees(sources)
        signatures = {root: tree_signature(files) for root, files in trees.items()}
        trusted = (
            set()
            if self.check_all
            else {root for root, sig in signatures.items() if manifest.trees.get(root) == sig}
        )
        remote, present = self._remote_objects(trusted)
        skipped = {s.key for root in present for s in trees[root]}
        todo = [
            s
            for s in sources
            if s.key not in skipped and self._needs_upload(s, remote.get(s.key), manifest)
        ]
        self.report.unchanged = len(sources) - len(todo)
        if not self.dry_run:
            try:
                self._upload_all(todo, manifest)
                manifest.set_trees(signatures)  # every tree is now whole at the target
            finally:
                manifest.save()
                self.dest.finish()
        else:
            self.report.uploaded = len(todo)
            self.report.uploaded_keys = [s.key for s in todo]
        stale = sorted(remote.keys() - {s.key for s in sources})
        if self.delete and stale and not self.dry_run:
            self.dest.delete_many(stale)
            for key in stale:
                manifest.forget(key)
            manifest.save()
            self.report.deleted = len(stale)
        else:
            self.report.stale = len(stale)
            gone = self._withdrawn()
            self.report.withdrawn_stale = sum(1 for k in stale if withdrawn_key(k, gone))
        if self.set_cors and not self.dry_run:
            assert isinstance(self.dest, S3Target)
            self.dest.set_cors()
            self.report.cors = True
        if self.public_read and not self.dry_run:
            assert isinstance(self.dest, S3Target)
            self.dest.set_public_read(PUBLISHED)  # never masters/
            self.report.public_read = True
        self.report.seconds = time.monotonic() - started
        return self.report

    def _reach(self) -> str | None:
        """None when the target answers. A dry run goes on without it and gets the reason
        (no credentials, no network, no such bucket or folder); a publish stops."""
        try:
            self.dest.check(write=not self.dry_run)
        except StoreError as exc:
            if not self.dry_run:
                raise
            return str(exc)
        return None

    def _sources(self) -> list[Source]:
        """Everything that is published, once per key (the open data generated for the
        public address wins over a copy stored for the local site)."""
        by_key: dict[str, Source] = {}
        for source in (
            local_sources(self.local, self.masters, self._withdrawn())
            + rendered_sources(self.local, self.documents, self._salt())
            + self._generated()
        ):
            by_key[source.key] = source
        return list(by_key.values())

    def _withdrawn(self) -> frozenset[str]:
        """The items ``kura withdraw`` took out of public view: nothing of them is sent."""
        return frozenset(withdrawn_items(self.local))

    def _count_offline(self, sources: list[Source], manifest: PublishManifest, why: str) -> None:
        """A dry run that cannot see the target: what would be sent if the target still
        holds what the last publish to it recorded (everything, without a record)."""
        known = bool(manifest.entries)
        if known:
            stamp = time.localtime(self.local.path(manifest.key).stat().st_mtime)
            when = time.strftime("%Y-%m-%d %H:%M", stamp)
        self.say(
            pick(
                f"試行: 公開先に届きません ({why})。"
                + (
                    f"前回の公開記録 ({when}) と比べて数えます"
                    if known
                    else "前回の公開記録がないので、すべてを送るものとして数えます"
                ),
                f"dry run: the target cannot be reached ({why}); "
                + (
                    f"counting against the last publish manifest ({when})"
                    if known
                    else "no earlier publish is recorded, so everything counts as to be sent"
                ),
            )
        )
        todo = [s for s in sources if not self._recorded(s, manifest)]
        self.report.uploaded = len(todo)
        self.report.uploaded_keys = [s.key for s in todo]
        self.report.unchanged = len(sources) - len(todo)
        self.report.stale = len(manifest.entries.keys() - {s.key for s in sources})

    def _recorded(self, source: Source, manifest: PublishManifest) -> bool:
        """The last publish sent this source as it is now: the same file, or a document
        or generated file with the same MD5 (a document whose sources changed may render
        to the same bytes)."""
        entry = manifest.get(source.key)
        if not entry:
            return False
        if source.data is None and entry[0] == source.size and entry[1] == source.mtime_ns:
            return True
        if source.path is None:
            return entry[2] == _md5(self._body(source))
        return False

    def _remember(
        self, source: Source, manifest: PublishManifest, etag: str, body: list[bytes]
    ) -> None:
        """Record that the target holds ``source`` as ``etag`` (and the MD5 of a document
        or generated file, when its bytes are at hand, for a dry run off the network)."""
        md5 = _md5(body[0]) if body and source.path is None else etag
        if source.data is not None:
            manifest.record(source.key, [len(source.data), 0, md5, etag])
        else:
            manifest.record(source.key, [source.size, source.mtime_ns, md5, etag])

    def _body_once(self, source: Source) -> tuple[Callable[[], bytes], list[bytes]]:
        """A function giving the source's bytes, made (read, rendered) at most once, and the
        list that holds them once made."""
        made: list[bytes] = []

        def body() -> bytes:
            if not made:
                made.append(self._body(source))
            return made[0]

        return body, made

    def _update_feed(self) -> None:
        """Log Create/Update/Delete events for what changed since the last feed."""
        from archive.events import record_changes

        record_changes(self.local)

    def _history(self) -> list:
        """The target's addresses (``archive.addresses``), this one now last: the change
        feed it gets moves what it held at an earlier address. The viewer's address is noted
        too (a new public_url is where its ids are now). A dry run writes nothing."""
        from archive.addresses import note_address, note_viewer, planned_history, publish_output

        urls = self.documents.urls
        output = publish_output(self.dest.url)
        if self.dry_run:
            return planned_history(self.local, output, urls.base_url, urls.files_url, sent=True)
        note_viewer(self.local, self.config)
        return note_address(self.local, output, urls.base_url, urls.files_url, sent=True)

    def _salt(self) -> str:
        """What every rendered document depends on besides its own sources."""
        from dataclasses import asdict

        from archive import __version__

        urls = self.documents.urls
        settings = json.dumps(asdict(self.config), default=str, sort_keys=True)
        return "\0".join([__version__, urls.base_url, urls.files_url, settings])

    def _generated(self) -> list[Source]:
        """The open-data CSV, written for the public base URL."""
        from archive.opendata import opendata_csv, opendata_key

        data = opendata_csv(self.local, self.config, self.documents.urls)
        return [Source(opendata_key(self.config), None, len(data), 0, data=data)]

    def _tops(self) -> list[str]:
        """The target's top folders this publish owns."""
        return [*PUBLISHED, "masters"] if self.masters else list(PUBLISHED)

    def _remote_objects(self, trusted: set[str]) -> tuple[dict[str, dict], set[str]]:
        """The bucket's objects by key, and which ``trusted`` image-service folders it
        holds. Those folders (complete at the last publish, unchanged locally since) are
        not listed: the folders of ``iiif/`` are walked one level at a time, in parallel,
        and only the other folders listed in full. So a re-publish lists a few keys per
        item instead of every tile."""
        objects: dict[str, dict] = {}
        present: set[str] = set()
        for top in self._tops():
            if top != "iiif" or not trusted:
                objects.update((o["Key"], o) for o in self.dest.list_objects(top))
                continue
            files, items = self.dest.list_shallow(top)
            objects.update((o["Key"], o) for o in files)
            with ThreadPoolExecutor(self.workers, thread_name_prefix="kura-list") as pool:
                for listed, found in pool.map(lambda name: self._list_item(name, trusted), items):
                    objects.update((o["Key"], o) for o in listed)
                    present |= found
        return objects, present

    def _list_item(self, name: str, trusted: set[str]) -> tuple[list[dict], set[str]]:
        """The objects of ``iiif/<name>/`` outside trusted folders, and the trusted folders
        the bucket holds."""
        files, folders = self.dest.list_shallow(f"iiif/{name}")
        listed, found = list(files), set()
        for folder in folders:
            root = f"iiif/{name}/{folder}/"
            if root in trusted:
                found.add(root)
            else:
                listed.extend(self.dest.list_objects(root.rstrip("/")))
        return listed, found

    def _body(self, source: Source) -> bytes:
        if source.data is not None:
            return source.data
        if source.render is not None:
            return source.render()
        assert source.path is not None
        with open(source.path, "rb") as fh:
            return fh.read()

    def _needs_upload(self, source: Source, obj: dict | None, manifest: PublishManifest) -> bool:
        if obj is None:
            return True
        etag = etag_of(obj)
        entry = manifest.get(source.key)
        if (
            entry
            and source.data is None
            and entry[0] == source.size
            and entry[1] == source.mtime_ns
            and entry[3] == etag
        ):
            return False  # the same file as last time, and the target holds what was sent
        body, made = self._body_once(source)
        if self.dest.holds(source.key, source.path, source.size, body, obj):
            self._remember(source, manifest, etag, made)  # e.g. sent by a run that died before
            return False
        return True

    def _upload_all(self, todo: list[Source], manifest: PublishManifest) -> None:
        from tqdm import tqdm

        show = sys.stderr.isatty() if self.progress is None else self.progress
        total = sum(s.size for s in todo)
        bar = tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            disable=not show,
            file=sys.stderr,
            desc="publish",
        )
        try:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="kura-publish") as pool:
                for n in range(4):
                    batch = [s for s in todo if phase(s.key) == n]
                    futures = [pool.submit(self._upload, s, manifest, bar) for s in batch]
                    done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                    for future in done:
                        error = future.exception()
                        if error is not None:
                            for other in futures:
                                other.cancel()
                            raise error
        finally:
            bar.close()

    def _upload(self, source: Source, manifest: PublishManifest, bar: Any) -> None:
        body, made = self._body_once(source)
        etag, size = self.dest.send(source.key, source.path, source.size, body)
        self._remember(source, manifest, etag, made)
        with self._count_lock:
            self.report.uploaded += 1
            self.report.uploaded_bytes += size
            if len(self.report.uploaded_keys) < 100_000:
                self.report.uploaded_keys.append(source.key)
            if self._crash_after and self.report.uploaded >= self._crash_after:
                os._exit(137)  # as a kill would: no clean-up, no last save
        bar.update(source.size)
