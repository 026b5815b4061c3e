"""A run killed with SIGKILL leaves every published document whole and valid, nothing
half-written visible, and a state from which a plain re-run ends exactly where an
uninterrupted run ends."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.store import TEMP_MARK, LocalStore
from tests.conftest import make_scan, write_sheet

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
    return [sys.executable, "-m", "archive", "-C", str(root), "ingest", "--jobs", "1"]


def comparable(store: LocalStore) -> dict[str, object]:
    """The store's content, with the fields that legitimately differ between runs removed."""
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
        elif key.endswith(".json"):
            out[key] = json.loads(data)
        else:
            out[key] = len(data)
    return out


def visible_state_is_sound(store: LocalStore) -> None:
    for key in store.list():
        assert TEMP_MARK not in key
        if key.endswith(".json"):
            json.loads(store.get(key))  # never half-written
    for key in store.list("records"):
        record = json.loads(store.get(key))
        for page in record["pages"]:  # a record only points at complete trees
            assert store.exists(f"iiif/{record['id']}/{page['image']}/info.json")
        if record["pages"]:
            manifest = json.loads(store.get(f"iiif/{record['id']}/manifest.json"))
            assert len(manifest["items"]) == len(record["pages"])


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


def run_and_kill(root: Path, when: Callable[[Path], bool], timeout: float = 60) -> bool:
    """Start an ingest in its own process group and SIGKILL the group once ``when`` holds.
    Returns False if the run finished before the kill point was seen."""
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
                proc.wait()
                return True
            time.sleep(0.002)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_ingest_resumes_to_the_same_result(point: str, tmp_path: Path, reference) -> None:
    ref_root, expected = reference
    root = tmp_path / "proj"
    shutil.copytree(
        ref_root, root, ignore=shutil.ignore_patterns("public"), copy_function=shutil.copy2
    )
    assert run_and_kill(root, KILL_POINTS[point]), f"run ended before {point}"
    store = LocalStore(root / "public")
    visible_state_is_sound(store)

    rerun = subprocess.run(ingest_cmd(root), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert comparable(store) == expected
    assert not any(TEMP_MARK in str(p) for p in (root / "public").rglob("*"))


@pytest.mark.parametrize("delay", [0.2, 0.5, 0.9, 1.4])
def test_killed_reingest_keeps_published_documents(delay: float, tmp_path: Path, reference) -> None:
    """Kill a re-ingest of changed scans at several moments: what was published before stays
    whole and consistent (old or new, never a mix), and a re-run completes."""
    ref_root, _ = reference
    root = tmp_path / "proj"
    shutil.copytree(ref_root, root, copy_function=shutil.copy2)
    store = LocalStore(root / "public")
    for i in range(4):
        make_scan(root / "scans" / f"item{i}" / "0.jpg", (2000, 2400), seed=100 + i, quality=90)
    started = time.monotonic()
    run_and_kill(root, lambda _root: time.monotonic() - started > delay)
    visible_state_is_sound(store)
    for i in range(4):
        record = json.loads(store.get(f"records/item{i}.json"))
        assert (record["pages"][0]["width"], record["pages"][0]["height"]) in {
            (2400, 1800),
            (2000, 2400),
        }
    rerun = subprocess.run(ingest_cmd(root), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    for i in range(4):
        record = json.loads(store.get(f"records/item{i}.json"))
        assert (record["pages"][0]["width"], record["pages"][0]["height"]) == (2000, 2400)
    visible_state_is_sound(store)
