"""``kura index`` and ``kura publish --to s3://…`` killed with SIGKILL after N writes, for
every N of an index rebuild and a sample of N spread over a publish: (a) what was published
before stays whole (the previous search index still opens and answers; every object in the
bucket holds the bytes of a finished upload), (b) nothing half-written is visible, and (c) a
plain re-run ends exactly where an uninterrupted run ends (the same search answers and project
tree; the same bucket, key by key and byte by byte).

The harness is the one of ``tests/test_crash.py``, counting at the level of the operating
system: a forked copy of the test process runs the command with every write counted (a file
opened for writing, a rename, a deletion, a folder made, an S3 upload or deletion) and
SIGKILLs itself just before write number N."""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import os
import shutil
import signal
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from archive.lock import LOCK_NAME
from archive.store import TEMP_MARK, LocalStore
from kura.cli import cli
from tests.test_crash import (
    build_small,
    change_small,
    comparable,
    copy_project,
    ingest_in_process,
    visible_state_is_sound,
)

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

PUBLIC = "https://archive.example.jp/kura"
WRITE_MODES = ("w", "a", "x", "+")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT
FS_CALLS = ("rename", "replace", "unlink", "remove", "rmdir")
S3_WRITES = {
    "PutObject",
    "DeleteObject",
    "DeleteObjects",
    "CopyObject",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "PutBucketCors",
}


class Writes:
    """Counts writes at the level of the operating system and of S3; with ``kill_at``,
    SIGKILLs the process just before write number ``kill_at`` (1-based)."""

    def __init__(self, kill_at: int | None = None) -> None:
        self.kinds: list[str] = []
        self.kill_at = kill_at
        self.lock = threading.RLock()

    def tick(self, kind: str) -> None:
        with self.lock:  # uploads run in a thread pool
            self.kinds.append(kind)
            if self.kill_at is not None and len(self.kinds) >= self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    def install(self, setattr_: Callable[[object, str, object], None]) -> None:
        import botocore.client

        counter = self
        plain_open, os_open = builtins.open, os.open
        make_api_call = botocore.client.BaseClient._make_api_call

        def counted_open(file, mode="r", *args, **kwargs):
            if any(c in mode for c in WRITE_MODES):
                counter.tick("open")
            return plain_open(file, mode, *args, **kwargs)

        def counted_os_open(path, flags, *args, **kwargs):
            if flags & WRITE_FLAGS:
                counter.tick("open")
            return os_open(path, flags, *args, **kwargs)

        def counted(kind: str, original: Callable) -> Callable:
            def wrapper(*args, **kwargs):
                counter.tick(kind)
                return original(*args, **kwargs)

            return wrapper

        def counted_api_call(client, operation, params):
            if operation in S3_WRITES:
                counter.tick("s3")
            return make_api_call(client, operation, params)

        setattr_(builtins, "open", counted_open)
        setattr_(io, "open", counted_open)  # pathlib's write_text and open
        setattr_(os, "open", counted_os_open)
        for name in FS_CALLS:
            setattr_(os, name, counted(name, getattr(os, name)))
        os_mkdir = os.mkdir

        def counted_mkdir(path, *args, **kwargs):
            if not os.path.isdir(path):  # makedirs(exist_ok=True) of a folder there is none
                counter.tick("mkdir")
            return os_mkdir(path, *args, **kwargs)

        setattr_(os, "mkdir", counted_mkdir)
        setattr_(botocore.client.BaseClient, "_make_api_call", counted_api_call)


def kura(root: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def killed_before(n: int, run: Callable[[], object]) -> bool:
    """``run`` in a forked child killed just before write ``n``; True if it was killed."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            Writes(kill_at=n).install(setattr)
            run()
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the command failed instead of being killed"
    return False


def count_writes(run: Callable[[], object], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds of the writes of an uninterrupted ``run`` (which it performs)."""
    counter = Writes()
    with monkeypatch.context() as patch:
        counter.install(patch.setattr)
        run()
    return counter.kinds


# --- kura index ---------------------------------------------------------------------------

QUERIES: list[tuple[str, dict]] = [
    ("", {}),
    ("日記", {}),
    ("梵鐘", {}),
    ("真福寺", {}),
    ("印章", {}),
    ("絵図", {}),
    ("獅子舞", {}),
    ("", {"images": "yes"}),
    ("寛永", {}),
    ("えらんだ資料", {}),
]


def answers(root: Path) -> list[tuple]:
    """What the project's search index answers (opened afresh, as a new server would)."""
    from archive.search import query
    from archive.search.curation import CurationIndex
    from archive.search.indexer import index_dir
    from archive.search.searcher import SearchIndex

    ix, curation = SearchIndex(index_dir(root)), CurationIndex(index_dir(root))
    try:
        out = []
        for text, filters in QUERIES:
            result = ix.search(text, filters, sort="id", curation=False)
            found = curation.search(query.parse(text))
            curated = [h.id for kind in ("lessons", "collections") for h in found[kind]]
            out.append((text, result.total, [h.id for h in result.hits], result.facets, curated))
        return out
    finally:
        ix.close()
        curation.close()


def project_tree(root: Path) -> dict[str, object]:
    """The project folder's files outside ``public/``; in the index folders, the number of
    files of each kind (Whoosh's segment names are random)."""
    tree: dict[str, object] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("public/", "logs/", "scans/")) or path.is_dir():
            continue
        if rel == LOCK_NAME:  # who held the project's lock last (command, PID, time)
            continue
        if rel.startswith("index") and not rel.endswith(".json"):
            kind = f"{rel.split('/')[0]}/*.{path.suffix}"
            tree[kind] = int(tree.get(kind, 0)) + 1
        else:
            tree[rel] = path.read_bytes()
    return tree


def add_collection(root: Path) -> None:
    """A curated collection, so ``kura index`` also publishes a document."""
    (root / "collections" / "pick.toml").write_text(
        'title = "えらんだ資料"\n\n[[items]]\nid = "bell"\n\n[[items]]\nid = "diary"\n',
        encoding="utf-8",
    )


@pytest.mark.parametrize("previous", [True, False], ids=["over-an-index", "first-index"])
def test_killed_after_n_writes_of_kura_index(
    previous: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write of ``kura index`` (Whoosh's files, the swap, the removal of the old index,
    the curated documents): the previous index still opens and answers as before (or, before
    the first index exists, there is none), and a re-run answers like an uninterrupted run."""
    source = build_small(tmp_path / "source")
    add_collection(source)
    assert not ingest_in_process(source).failed
    old_answers = None
    if previous:
        kura(source, "index")
        old_answers = answers(source)
    change_small(source)  # records change; the index is rebuilt from them
    assert not ingest_in_process(source).failed
    old_store = comparable(LocalStore(source / "public"))

    reference = copy_project(source, tmp_path / "reference", with_store=True)
    kinds = count_writes(lambda: kura(reference, "index"), monkeypatch)
    expected_answers = answers(reference)
    expected_store = comparable(LocalStore(reference / "public"))
    expected_tree = project_tree(reference)
    assert expected_answers != old_answers
    assert len(kinds) >= 40, kinds

    for n in range(1, len(kinds) + 1):
        root = copy_project(source, tmp_path / f"kill{n}", with_store=True)
        assert killed_before(n, lambda root=root: kura(root, "index")), f"write {n}"
        where = f"killed before write {n}/{len(kinds)} ({kinds[n - 1]})"
        # (a) the previous index opens and answers as before, or the new one is in place
        # (the items' index and the lessons' and collections' are swapped one after the other)
        if old_answers is not None:
            now_answers = answers(root)
            for part in (slice(0, 4), slice(4, 5)):
                now = [a[part] for a in now_answers]
                assert now in ([a[part] for a in old_answers], [a[part] for a in expected_answers])
        # (b) the curated documents are whole, old or new
        store = LocalStore(root / "public")
        visible_state_is_sound(store)
        for key, value in comparable(store).items():
            if key.startswith("state/activity"):  # the private event log may hold "pending"
                continue  # events (finished by the next run); the feed rendered from it not
            assert value in (old_store.get(key), expected_store.get(key)), (where, key)
        # (c) a plain re-run ends where an uninterrupted run ends
        kura(root, "index")
        assert answers(root) == expected_answers, where
        assert comparable(store) == expected_store, where
        assert project_tree(root) == expected_tree, where
        assert not [p for p in root.rglob("*") if TEMP_MARK in p.name], where
        shutil.rmtree(root)
    print(
        f"kura index: {len(kinds)} kills survived of {len(kinds)} writes ({dict(Counter(kinds))})"
    )


# --- kura publish --to s3://… -------------------------------------------------------------
#
# The publish manifest is saved after every upload here (SAVE_EVERY = 0 instead of once a
# second), so the count of writes is the same in every run and the kills land between every
# kind of write: an upload, the manifest's temp file, its rename.


Objects = dict[str, tuple[bytes | None, str]]


def bucket(target: str, everything: bool = False) -> Objects:
    """Every object under ``target``: key → (bytes, ETag), the bytes of JSON documents only
    unless ``everything`` (a tile is known by its ETag, the MD5 of its bytes)."""
    from archive.s3store import S3Store

    remote = S3Store.from_url(target)
    objects = list(remote.list_objects(""))

    def body(key: str) -> bytes | None:
        return remote.get(key) if everything or key.endswith(".json") else None

    with ThreadPoolExecutor(8) as pool:
        bodies = list(pool.map(body, (obj["Key"] for obj in objects)))
    return {
        obj["Key"]: (data, str(obj["ETag"]).strip('"'))
        for obj, data in zip(objects, bodies, strict=True)
    }


def normal(key: str, data: bytes | None, etag: str) -> object:
    """An object's content, without the times of the run in the change feed."""
    if not key.endswith(".json"):
        return etag
    assert data is not None and hashlib.md5(data, usedforsecurity=False).hexdigest() == etag
    doc = json.loads(data)  # never half-written
    if key.startswith("activity/page-"):
        for activity in doc["orderedItems"]:
            activity.pop("endTime")
    return doc


def contents(objects: Objects) -> dict[str, object]:
    return {key: normal(key, data, etag) for key, (data, etag) in objects.items()}


def refs(doc: object) -> set[str]:
    """The keys a published JSON document points at (its URLs under the public base)."""
    found: set[str] = set()
    if isinstance(doc, str) and doc.startswith(f"{PUBLIC}/"):
        found.add(doc[len(PUBLIC) + 1 :])
    elif isinstance(doc, list):
        for value in doc:
            found |= refs(value)
    elif isinstance(doc, dict):
        for value in doc.values():
            found |= refs(value)
    return found


def bucket_is_sound(objects: Objects, versions: list[dict]) -> None:
    """Every object is a finished upload of a version the run starts from or ends at, and
    no document is visible before what it points down at (a collection's manifests, a
    manifest's images and image services, an image service's tiles)."""
    from archive.publish_sources import phase

    for key, (data, etag) in objects.items():
        content = normal(key, data, etag)
        owners = [v for v in versions if v.get(key) == content]
        assert owners, f"{key}: not the bytes of any finished upload"
        if not key.endswith(".json"):
            continue
        for ref in refs(content):
            for target in (ref, f"{ref}/info.json"):
                if phase(target) < phase(key) and any(target in v for v in versions):
                    assert target in objects, f"{key} visible before {target}"
        if key.endswith("/info.json"):
            folder = key[: -len("info.json")]
            for tile in owners[0]:
                if tile.startswith(folder):
                    assert tile in objects, f"{key} visible before {tile}"


def manifest_is_honest(root: Path, target: str, objects: Objects) -> int:
    """The publish manifest claims nothing the bucket does not hold: every entry for a source
    as it is now (a stored file, or a document rendered for the public address whose sources
    are unchanged) names an object with exactly the bytes published for it now. Returns the
    number of entries checked."""
    from archive.config import load_config
    from archive.publish import Publisher, PublishManifest
    from archive.publish_sources import local_sources, rendered_sources
    from archive.s3store import S3Store
    from manifests.documents import Documents
    from manifests.urls import Urls

    local = LocalStore(root / "public")
    config = load_config(root)
    docs = Documents(local, config, Urls(PUBLIC))
    salt = Publisher(config, target, docs)._salt()  # what every rendering depends on
    sources = {s.key: s for s in local_sources(local, masters=False)}
    sources.update({s.key: s for s in rendered_sources(local, docs, salt)})
    manifest = PublishManifest(local, S3Store.from_url(target).url, PUBLIC)
    checked = 0
    for key, (size, mtime_ns, _md5, etag) in manifest.entries.items():
        source = sources.get(key)
        if source is None or [source.size, source.mtime_ns] != [size, mtime_ns]:
            continue  # changed since: the next run compares its bytes
        assert key in objects, f"the manifest claims {key}, which the bucket lacks"
        if source.render is not None:
            published = source.render()
        else:
            assert source.path is not None
            published = Path(source.path).read_bytes()
        assert (
            objects[key][1] == etag == hashlib.md5(published, usedforsecurity=False).hexdigest()
        ), key
        checked += 1
    return checked


def retarget(root: Path, source: str, target: str) -> None:
    """Give a copied project's publish manifest for ``source`` to ``target`` (which holds a
    copy of the same objects), as if it had been published there."""
    from archive.publish import PublishManifest
    from archive.s3store import S3Store

    local = LocalStore(root / "public")
    old = PublishManifest(local, S3Store.from_url(source).url, PUBLIC)
    new = PublishManifest(local, S3Store.from_url(target).url, PUBLIC)
    assert old.entries
    new.entries, new.dirty = dict(old.entries), True
    new.save()
    local.delete(old.key)


def fill(target: str, objects: Objects) -> None:
    from archive.s3store import S3Store

    remote = S3Store.from_url(target)

    def put(key: str) -> None:
        data = objects[key][0]
        assert data is not None
        remote.client.put_object(
            Bucket=remote.bucket,
            Key=remote.full_key(key),
            Body=data,
            **remote.put_args(key, hashlib.sha256(data).hexdigest()),
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, objects))


def publish(root: Path, target: str) -> str:
    return kura(root, "publish", "--to", target, "--base-url", PUBLIC, "--no-progress")


def sample(kinds: list[str], uploads: int, others: int) -> list[int]:
    """Kill points: the first and last write, ``uploads`` spread evenly over the uploads and
    ``others`` over each other kind of write (the publish manifest's temp file, its rename …)."""
    points = {1, len(kinds)}
    for kind in set(kinds):
        where = [n for n, k in enumerate(kinds, start=1) if k == kind]
        count = min(len(where), uploads if kind == "s3" else others)
        step = (len(where) - 1) / max(count - 1, 1)
        points |= {where[round(i * step)] for i in range(count)}
    return sorted(points)


@pytest.mark.parametrize("previous", [True, False], ids=["over-a-bucket", "first-publish"])
def test_killed_after_n_writes_of_kura_publish(
    previous: bool, s3env: Seaweed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sample of kill points over a publish to an empty place in the bucket, and over a
    re-publish of a changed archive (a rescanned page, an edited row, a new item)."""
    import archive.publish_manifest

    monkeypatch.setattr(archive.publish_manifest, "SAVE_EVERY", 0.0)
    name = s3env.new_bucket()
    source = build_small(tmp_path / "source")
    assert not ingest_in_process(source).failed
    old: Objects = {}
    if previous:
        publish(source, f"s3://{name}/base")
        old = bucket(f"s3://{name}/base", everything=True)
        change_small(source)
        assert not ingest_in_process(source).failed

    def prepare(run: str) -> tuple[Path, str]:
        root = copy_project(source, tmp_path / run, with_store=True)
        target = f"s3://{name}/{run}"
        if previous:
            fill(target, old)
            retarget(root, f"s3://{name}/base", target)
        return root, target

    reference, target = prepare("reference")
    kinds = count_writes(lambda: publish(reference, target), monkeypatch)
    finished = bucket(target)
    expected = contents(finished)
    versions = [contents(old), expected]
    assert manifest_is_honest(reference, target, finished) > 20
    assert kinds.count("s3") > 20, kinds

    points = sample(kinds, uploads=8, others=3)
    for n in points:
        root, target = prepare(f"kill{n}")
        assert killed_before(n, lambda r=root, t=target: publish(r, t)), f"write {n}"
        where = f"killed before write {n}/{len(kinds)} ({kinds[n - 1]})"
        objects = bucket(target)
        # (a) every object published before is still there, whole: old bytes or new
        assert old.keys() <= objects.keys(), where
        # (b) nothing half-sent, nothing visible before what it points at, no false claims
        bucket_is_sound(objects, versions)
        visible_state_is_sound(LocalStore(root / "public"))
        manifest_is_honest(root, target, objects)
        # (c) a plain re-run ends where an uninterrupted run ends, and then sends nothing
        publish(root, target)
        objects = bucket(target)
        assert contents(objects) == expected, where
        assert manifest_is_honest(root, target, objects) > 20, where
        assert " 0 uploaded" in publish(root, target), where
        shutil.rmtree(root)
    hit = Counter(kinds[n - 1] for n in points)
    print(f"kura publish: {len(points)} kills survived of {len(kinds)} writes ({dict(hit)})")
