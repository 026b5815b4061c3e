"""Issue 17 item 1: one writer at a time, and nothing left running or lost when only the main
process of an ingest is killed. Real processes (``python -m kura``), real signals."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import tifffile

from archive.lock import LOCK_NAME, is_locked, project_lock
from archive.store import LocalStore
from tests.conftest import make_scan
from tests.test_crash import comparable

ROOT = Path(__file__).resolve().parent.parent
RUNS = 20


def _project(project, root_name: str = "proj") -> Path:
    """Four items: a multi-page TIFF, two JPEGs and a PNG, enough for two workers."""
    root = project(
        [
            {"ID": "register", "名称": "宗門人別改帳", "画像ファイル": "register.tif"},
            {"ID": "bell", "名称": "梵鐘", "画像ファイル": "bell.jpg"},
            {"ID": "map", "名称": "村絵図", "画像ファイル": "map.jpg"},
            {"ID": "seal", "名称": "印章", "画像ファイル": "seal.png"},
        ],
        name=root_name,
    )
    rng = np.random.default_rng(3)
    with tifffile.TiffWriter(root / "scans" / "register.tif") as tif:
        for _ in range(6):
            tif.write(rng.integers(0, 255, (900, 700, 3), dtype=np.uint8))
    make_scan(root / "scans" / "bell.jpg", (1500, 1100), seed=1, quality=90)
    make_scan(root / "scans" / "map.jpg", (1800, 1300), seed=2, quality=90)
    make_scan(root / "scans" / "seal.png", (800, 800), seed=4)
    return root


def _kura(root: Path, *args: str, **kw) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "kura", "-C", str(root), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: every child of it is found
        **kw,
    )


def _done(run: subprocess.Popen, timeout: float = 300) -> int:
    """Wait for ``run``; its exit code (stderr printed on failure)."""
    _out, err = run.communicate(timeout=timeout)
    if run.returncode:
        print(err)
    return run.returncode


def _tree(root: Path) -> dict[str, object]:
    """What an uninterrupted run leaves: every stored file (tiles and masters by sha256),
    records and rendered documents without the run's times."""
    store = LocalStore(root / "public")
    out = comparable(store)
    for key in store.list(""):
        if key.startswith(("iiif/", "masters/")) and not key.endswith(".json"):
            out[key] = hashlib.sha256(store.get(key)).hexdigest()
    return out


def _running_in_group(pgid: int) -> list[str]:
    """The processes of group ``pgid`` still running (not zombies, which are only waiting
    to be reaped by an init that may never reap them in a container)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            found.append(f"{stat.parent.name} {state}")
    return found


def _group_gone(pgid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _running_in_group(pgid):
            return True
        time.sleep(0.05)
    return False


def test_the_lock_names_its_holder_and_dies_with_it(tmp_path: Path) -> None:
    with project_lock(tmp_path, "ingest"):
        assert is_locked(tmp_path)
        holder = json.loads((tmp_path / LOCK_NAME).read_text())
        assert holder["command"] == "ingest" and holder["pid"] == os.getpid()
    assert not is_locked(tmp_path)
    # a holder killed outright: the kernel releases the lock, nothing stale remains
    code = f"from archive.lock import project_lock\nwith project_lock({str(tmp_path)!r}, 'x'):\n    import time; time.sleep(60)\n"
    holder_proc = subprocess.Popen(
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    try:
        deadline = time.monotonic() + 20
        while not is_locked(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert is_locked(tmp_path)
    finally:
        holder_proc.kill()
        holder_proc.wait()
    assert not is_locked(tmp_path)


def test_overlapping_runs_wait_their_turn(project) -> None:
    """A second ingest (or index, or publish) started while one runs exits at once, naming
    the running one, and touches nothing: the first ends exactly as it would alone."""
    reference = _project(project, "reference")
    assert _done(_kura(reference, "ingest", "--jobs", "2")) == 0
    root = _project(project)
    first = _kura(root, "ingest", "--jobs", "2")
    try:
        deadline = time.monotonic() + 60
        while not is_locked(root) and time.monotonic() < deadline:
            time.sleep(0.02)
        overlapped = 0
        for n in range(RUNS):
            if first.poll() is not None:
                break
            command = ("ingest", "index", "ingest")[n % 3]
            second = (
                _kura(root, command, "--jobs", "2") if command == "ingest" else _kura(root, command)
            )
            _out, err = second.communicate(timeout=120)
            if first.poll() is not None and "実行中" not in err:
                break  # the first had just ended: not an overlap
            assert second.returncode == 1, (command, err)
            assert f"PID {first.pid}" in err and "kura ingest" in err, err
            assert len(err.strip().splitlines()) == 1, err
            overlapped += 1
        assert _done(first) == 0
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate()
    assert overlapped >= 3, overlapped  # runs were refused while the first was at work
    assert _tree(root) == _tree(reference)


def test_killing_only_the_main_process_leaves_nothing_running(project, tmp_path: Path) -> None:
    """SIGKILL to the main process of a two-worker ingest, at points through its run: its
    workers and helpers end too, and a plain run after each kill ends exactly where an
    uninterrupted run ends (every tile and master by sha256)."""
    pristine = _project(project, "pristine")
    reference = tmp_path / "reference"
    shutil.copytree(pristine, reference)
    started = time.monotonic()
    assert _done(_kura(reference, "ingest", "--jobs", "2")) == 0
    whole = time.monotonic() - started
    expected = _tree(reference)
    killed = 0
    for n in range(RUNS):
        root = tmp_path / f"kill{n}"
        shutil.copytree(pristine, root)
        run = _kura(root, "ingest", "--jobs", "2")
        time.sleep(whole * (n + 1) / (RUNS + 1))  # through start-up, tiling and writing
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)  # the main process only, not its group
            killed += 1
        run.wait(timeout=60)
        gone = _group_gone(run.pid)
        run.stderr.close()  # held open by any process of the group still running
        assert gone, f"kill {n}: {_running_in_group(run.pid)} of the killed ingest still run"
        assert not is_locked(root)
        assert _done(_kura(root, "ingest")) == 0
        assert _tree(root) == expected, f"after kill {n}"
        shutil.rmtree(root)
    assert killed >= RUNS * 3 // 4, killed
