"""A run killed with SIGKILL leaves every published document whole and valid, nothing
half-written visible, and a state from which a plain re-run ends exactly where an
uninterrupted run ends.

Two harnesses: subprocesses killed when the store reaches a state (tiling, records) or after
a delay, and forked runs killed just before their N-th write, for every rename and deletion
and every few tile writes of a first ingest and of a re-ingest over a published archive."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from archive.store import TEMP_MARK, LocalStore
from tests.conftest import make_scan, write_sheet
from tests.rendered import all_documents

ROWS = [
    {"ID": f"item{i}", "名称": f"資料{i}", "年代": "天保5年", "画像ファイル": f"item{i}/*.jpg"}
    for i in range(4)
] + [{"ID": "noimage", "名称": "画像なし"}]


def build(root: Path) -> Path:
    from archive.project import init_project

    init_project(root)
    write_sheet(root, ROWS)
    for i in range(4):
        for page in range(2):
            make_scan(
                root / "scans" / f"item{i}" / f"{page}.jpg",
                (2400, 1800),
                seed=i * 10 + page,
                quality=90,
            )
    return root


def ingest_cmd(root: Path) -> list[str]:
    return [sys.executable, "-m", "kura", "-C", str(root), "ingest", "--jobs", "1"]


def comparable(store: LocalStore) -> dict[str, object]:
    """The store's content and every IIIF document rendered from it (the store holds none:
    manifests, info.json, collections and the feed are rendered for kura.toml's address),
    with the fields that legitimately differ between runs removed."""
    out: dict[str, object] = {}
    for key in store.list():
        data = store.get(key)
        if key.startswith("records/"):
            record = json.loads(data)
            record.pop("ingest")
            for f in record["files"]:
                f.pop("mtime_ns")
            record.pop("fingerprint")
            out[key] = record
        elif key.startswith("fixity/"):  # the record's hash: its bytes hold the run's time
            fixity = json.loads(data)
            assert set(fixity["documents"]) == {f"records/{fixity['id']}.json"}, key
            fixity.pop("documents")
            fixity.pop("sha256")  # its seal covers the record's hash
            out[key] = fixity
        elif key == "state/activity.json":  # the fingerprints announced last
            state = json.loads(data)
            state.pop("sha256")  # its seal covers the fingerprints, which hold scan mtimes
            out[key] = {**state, "items": sorted(state["items"])}
        elif key.startswith("state/activity/page-"):  # the change log: times of the run
            page = json.loads(data)
            page.pop("sha256")  # its seal covers the times
            for event in page["events"]:
                event.pop("endTime")
            out[key] = page
        elif key == "state/addresses.json":  # where the viewer was, and when: the run's time
            history = json.loads(data)
            history.pop("sha256")  # its seal covers the times
            for addresses in history["outputs"].values():
                for address in addresses:
                    address.pop("since")
            out[key] = history
        elif key.endswith(".json"):
            out[key] = json.loads(data)
        else:
            out[key] = len(data)
    assert not [k for k in out if k.endswith("/manifest.json")], "a stored manifest"
    for key, document in all_documents(store.root.parent, info=True).items():
        if key.startswith("activity/page-"):  # the change feed: times of the run
            for activity in document["orderedItems"]:
                activity.pop("endTime")
        out[f"rendered:{key}"] = document
    return out


def visible_state_is_sound(store: LocalStore) -> None:
    for key in store.list():
        assert TEMP_MARK not in key
        if key.endswith(".json"):
            json.loads(store.get(key))  # never half-written
    # every document renders from what is stored (all_documents fails on one that does not)
    documents = all_documents(store.root.parent, info=True)
    for key in store.list("records"):
        record = json.loads(store.get(key))
        for page in record["pages"]:  # a record only points at complete trees
            assert store.exists(f"iiif/{record['id']}/{page['image']}/info.json")
            info = documents[f"iiif/{record['id']}/{page['image']}/info.json"]
            assert (info["width"], info["height"]) == (page["width"], page["height"])
        if record["pages"]:
            manifest = documents[f"iiif/{record['id']}/manifest.json"]
            assert len(manifest["items"]) == len(record["pages"])
        else:
            assert f"iiif/{record['id']}/manifest.json" not in documents


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = build(tmp_path_factory.mktemp("ref") / "proj")
    subprocess.run(ingest_cmd(root), check=True, capture_output=True)
    return root, comparable(LocalStore(root / "public"))


def any_staging(root: Path) -> bool:
    base = root / "public" / "iiif"
    return base.is_dir() and any(TEMP_MARK in p.name for p in base.glob("*/*"))


def records(n: int) -> Callable[[Path], bool]:
    return lambda root: len(list((root / "public" / "records").glob("*.json"))) >= n


KILL_POINTS: dict[str, Callable[[Path], bool]] = {
    "while-tiling": any_staging,
    "after-first-record": records(1),
    "after-third-record": records(3),
}


@dataclass
class Killed:
    """What became of a run killed at a point: its exit status and its structured log."""

    returncode: int
    events: list[str]


def run_log(root: Path, pid: int) -> list[str]:
    """The events of the structured log the run with process id ``pid`` wrote (none if it
    was killed before it opened one)."""
    logs = list((root / "logs").glob(f"ingest-*-{pid}.jsonl"))
    assert len(logs) <= 1, logs
    lines = logs[0].read_text("utf-8").splitlines() if logs else []
    return [json.loads(line)["event"] for line in lines if line.endswith("}")]


def run_and_kill(root: Path, when: Callable[[Path], bool], timeout: float = 60) -> Killed | None:
    """Start an ingest in its own process group and SIGKILL the group once ``when`` holds.
    Returns None if the run finished before the kill point was seen."""
    proc = subprocess.Popen(
        ingest_cmd(root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if when(root):
                os.killpg(proc.pid, signal.SIGKILL)
                return Killed(proc.wait(), run_log(root, proc.pid))
            time.sleep(0.002)
        return None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def assert_killed_at(killed: Killed | None, root: Path, point: str, when) -> None:
    """The run was killed by SIGKILL, midway (its log started and has no end), at ``point``
    (``when`` holds in the state it left)."""
    assert killed is not None, f"the run ended before {point}"
    assert killed.returncode == -signal.SIGKILL, f"{point}: exit status {killed.returncode}"
    assert killed.events[:1] == ["start"], f"{point}: killed before the run began"
    assert "end" not in killed.events, f"{point}: killed after the run ended"
    assert when(root), f"killed, but not {point}"


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_ingest_resumes_to_the_same_result(point: str, tmp_path: Path, reference) -> None:
    ref_root, expected = reference
    root = tmp_path / "proj"
    shutil.copytree(
        ref_root, root, ignore=shutil.ignore_patterns("public"), copy_function=shutil.copy2
    )
    killed = run_and_kill(root, KILL_POINTS[point])
    assert_killed_at(killed, root, point, KILL_POINTS[point])
    store = LocalStore(root / "public")
    visible_state_is_sound(store)

    rerun = subprocess.run(ingest_cmd(root), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert comparable(store) == expected
    assert not any(TEMP_MARK in str(p) for p in (root / "public").rglob("*"))


RESCANNED = (2000, 2400)


def sizes(root: Path) -> list[tuple[int, int]]:
    """The size of each item's first page as its published record says."""
    out = []
    for i in range(4):
        page = json.loads((root / "public" / "records" / f"item{i}.json").read_bytes())["pages"][0]
        out.append((page["width"], page["height"]))
    return out


def rescanned(n: int) -> Callable[[Path], bool]:
    return lambda root: sizes(root).count(RESCANNED) >= n


# Points of a re-ingest's progress (its first write comes a second or two after the start,
# after loading and hashing: a delay from the start would kill it before anything changed)
REINGEST_POINTS: dict[str, Callable[[Path], bool]] = {
    "while-tiling-a-rescan": any_staging,
    "after-the-first-new-record": rescanned(1),
    "after-the-third-new-record": rescanned(3),
    "after-every-new-record": rescanned(4),  # the feed, the index and the sums still to come
}


@pytest.mark.parametrize("point", list(REINGEST_POINTS))
def test_killed_reingest_keeps_published_documents(point: str, tmp_path: Path, reference) -> None:
    """Kill a re-ingest of changed scans at several points of its progress: what was
    published before stays whole and consistent (old or new, never a mix), and a re-run
    completes."""
    ref_root, _ = reference
    root = tmp_path / "proj"
    shutil.copytree(ref_root, root, copy_function=shutil.copy2)
    store = LocalStore(root / "public")
    for i in range(4):
        make_scan(root / "scans" / f"item{i}" / "0.jpg", RESCANNED, seed=100 + i, quality=90)
    killed = run_and_kill(root, REINGEST_POINTS[point])
    assert_killed_at(killed, root, point, REINGEST_POINTS[point])
    visible_state_is_sound(store)
    assert set(sizes(root)) <= {(2400, 1800), RESCANNED}
    rerun = subprocess.run(ingest_cmd(root), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert sizes(root) == [RESCANNED] * 4
    visible_state_is_sound(store)


# --- kill after N writes ------------------------------------------------------------------
#
# A forked copy of the test process runs the ingest (jobs=1, so all in one process) with the
# store's writes counted: every tile written into a staging tree, every rename that makes a
# file or tree appear (os.replace), every deletion. Just before operation N the process
# SIGKILLs itself. Then the visible state is checked and a plain re-run must end exactly
# where an uninterrupted run ends. N runs over every commit point (renames and deletions)
# and every few tile writes.


class WriteCounter:
    """Counts the store's write operations; with ``kill_at``, SIGKILLs the process just
    before operation number ``kill_at`` (1-based)."""

    def __init__(self, kill_at: int | None = None) -> None:
        self.kinds: list[str] = []
        self.kill_at = kill_at
        self.lock = threading.Lock()

    def tick(self, kind: str) -> None:
        with self.lock:  # tiles are written from the tiler's threads
            self.kinds.append(kind)
            if self.kill_at is not None and len(self.kinds) >= self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    def install(self, setattr_: Callable[[object, str, object], None]) -> None:
        from archive import store as store_module

        counter = self
        put, replace = store_module._FolderWriter.put, os.replace
        delete, delete_tree = LocalStore.delete, LocalStore.delete_tree

        def counted(kind: str, original: Callable) -> Callable:
            def wrapper(*args, **kwargs):
                counter.tick(kind)
                return original(*args, **kwargs)

            return wrapper

        setattr_(store_module._FolderWriter, "put", counted("tile", put))
        setattr_(store_module.os, "replace", counted("rename", replace))
        setattr_(LocalStore, "delete", counted("delete", delete))
        setattr_(LocalStore, "delete_tree", counted("delete", delete_tree))


def ingest_in_process(root: Path) -> object:
    from archive.config import load_config
    from ingest.pipeline import Ingest, IngestOptions

    return Ingest(load_config(root), IngestOptions(jobs=1, progress=False)).run()


def ingest_killed_before(root: Path, n: int) -> bool:
    """Ingest in a forked child killed just before write operation ``n``; True if killed."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            WriteCounter(kill_at=n).install(setattr)
            ingest_in_process(root)
        except BaseException:
            code = 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, "the ingest failed instead of being killed"
    return False


def count_writes(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kinds of write operations of an uninterrupted run (which it performs)."""
    counter = WriteCounter()
    with monkeypatch.context() as patch:
        counter.install(patch.setattr)
        assert not ingest_in_process(root).failed
    return counter.kinds


def kill_points(kinds: list[str], tile_stride: int = 4) -> list[int]:
    """Every rename and deletion, every few tile writes, and the very first write."""
    points = {1}
    tiles = 0
    for n, kind in enumerate(kinds, start=1):
        if kind == "tile":
            tiles += 1
            if tiles % tile_stride:
                continue
        points.add(n)
    return sorted(points)


SMALL_ROWS = [
    {"ID": "diary", "名称": "日記", "画像ファイル": "diary/*.jpg", "表示方向": "右から左"},
    {"ID": "bell", "名称": "梵鐘", "年代": "寛永15年", "画像ファイル": "bell.png"},
    {"ID": "map", "名称": "絵図", "画像ファイル": "map.tif"},
    {"ID": "dance", "名称": "獅子舞"},
]


def build_small(root: Path) -> Path:
    from archive.project import init_project

    init_project(root)
    write_sheet(root, SMALL_ROWS)
    for page in range(2):
        make_scan(root / "scans" / "diary" / f"{page}.jpg", (700, 500), seed=page, quality=85)
    make_scan(root / "scans" / "bell.png", (500, 400), seed=5)
    make_scan(root / "scans" / "map.tif", (300, 200), seed=6)
    return root


def change_small(root: Path) -> None:
    """A second delivery: a rescanned page, an edited row, a new item."""
    make_scan(root / "scans" / "diary" / "1.jpg", (600, 800), seed=11, quality=85)
    rows = [dict(r) for r in SMALL_ROWS]
    rows[1]["名称"] = "真福寺梵鐘"
    rows.append({"ID": "seal", "名称": "印章", "画像ファイル": "seal.png"})
    make_scan(root / "scans" / "seal.png", (260, 300), seed=12)
    write_sheet(root, rows)


def copy_project(source: Path, target: Path, with_store: bool) -> Path:
    ignore = None if with_store else shutil.ignore_patterns("public")
    shutil.copytree(source, target, ignore=ignore, copy_function=shutil.copy2, symlinks=True)
    return target


TOP = "rendered:iiif/collection/top.json"


def assert_old_or_new(current: dict, old: dict, new: dict) -> None:
    """Every document is as it was before the run or as the run makes it, never a mix. The
    top collection is rendered from every record, so it may list some items as they were
    and others as they are: each of its entries is old or new."""
    for key, value in current.items():
        if not key.endswith(".json") or key.startswith("state/"):  # bookkeeping, never served
            continue
        allowed = [v for v in (old.get(key), new.get(key)) if v is not None]
        if key == TOP:
            entries = [*old[TOP]["items"], *new[TOP]["items"]]
            assert all(entry in entries for entry in value["items"]), key
            value, allowed = {**value, "items": []}, [{**v, "items": []} for v in allowed]
        assert value in allowed, key
    for key in old:  # nothing published before is lost, unless the finished run drops it
        if key.endswith(".json") and key in new:
            assert key in current, key


def test_killed_after_n_writes_of_a_first_ingest(tmp_path: Path, monkeypatch) -> None:
    from archive.fixity import verify

    source = build_small(tmp_path / "source")
    reference = copy_project(source, tmp_path / "reference", with_store=False)
    kinds = count_writes(reference, monkeypatch)
    expected = comparable(LocalStore(reference / "public"))
    points = kill_points(kinds)
    assert len(points) >= 20
    for n in points:
        root = copy_project(source, tmp_path / f"kill{n}", with_store=False)
        assert ingest_killed_before(root, n), f"not killed before write {n}/{len(kinds)}"
        store = LocalStore(root / "public")
        visible_state_is_sound(store)
        assert not ingest_in_process(root).failed
        assert comparable(store) == expected, f"killed before write {n}/{len(kinds)}"
        assert not any(TEMP_MARK in str(p) for p in (root / "public").rglob("*"))
        assert verify(store).ok
        shutil.rmtree(root)
    print(f"first ingest: {len(points)} kills survived of {len(kinds)} writes")


def test_killed_after_n_writes_of_a_reingest(tmp_path: Path, monkeypatch) -> None:
    """Over a published archive: old documents stay whole (old or new, never a mix)."""
    from archive.fixity import verify

    published = build_small(tmp_path / "published")
    assert not ingest_in_process(published).failed
    old = comparable(LocalStore(published / "public"))
    change_small(published)
    reference = copy_project(published, tmp_path / "reference", with_store=True)
    kinds = count_writes(reference, monkeypatch)
    new = comparable(LocalStore(reference / "public"))
    assert new != old
    points = kill_points(kinds)
    assert len(points) >= 15
    for n in points:
        root = copy_project(published, tmp_path / f"kill{n}", with_store=True)
        assert ingest_killed_before(root, n), f"not killed before write {n}/{len(kinds)}"
        store = LocalStore(root / "public")
        visible_state_is_sound(store)
        assert_old_or_new(comparable(store), old, new)
        assert not ingest_in_process(root).failed
        assert comparable(store) == new, f"killed before write {n}/{len(kinds)}"
        assert verify(store).ok
        shutil.rmtree(root)
    print(f"re-ingest: {len(points)} kills survived of {len(kinds)} writes")
