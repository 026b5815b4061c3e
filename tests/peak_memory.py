"""How far a function raises a process's resident memory, Pillow's and mmap's included.

``tracemalloc`` sees only what Python's own allocator hands out: a decoder's buffer in
Pillow or numpy, or an anonymous ``mmap``, does not go through it (a 384 MB mapping, written
to, reads as a few hundred bytes there). The kernel sees every page: :func:`peak_growth` runs
the function in a fresh Python process and reads the high-water mark of its resident set
(``VmHWM`` in ``/proc/self/status``), reset just before the call through
``/proc/self/clear_refs`` so that the imports and the warm-up before it do not count.

Run as ``python -m tests.peak_memory MODULE:FUNCTION ARGS.json OUT.json [MODULE:WARMUP]``.
"""

from __future__ import annotations

import importlib
import json
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Peak:
    growth: int
    """Bytes: the resident high-water mark during the call, less the resident set just
    before it."""
    result: object
    """What the function returned (JSON)."""


def peak_growth(function: str, *args: object, warmup: str | None = None) -> Peak:
    """Call ``function`` ("module:name", a JSON-able return value) with ``args`` in a fresh
    Python process, after ``warmup`` (same arguments) if given; its peak resident growth."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        command = [sys.executable, "-m", "tests.peak_memory", function, json.dumps(args), str(out)]
        if warmup:
            command.append(warmup)
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(out.read_text(encoding="utf-8"))
    assert not report["children"], f"{function} started processes: their memory is not seen"
    return Peak(report["peak"] - report["start"], report["result"])


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024  # kB
    raise AssertionError(f"no {key} in /proc/self/status")


def _load(name: str):
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def main(argv: list[str]) -> None:
    function, args, out = _load(argv[0]), json.loads(argv[1]), Path(argv[2])
    if len(argv) > 3:
        _load(argv[3])(*args)
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")  # the resident high-water mark starts again from the current set
    start = _status("VmRSS")
    if _status("VmHWM") > start + (1 << 20):
        raise AssertionError("VmHWM was not reset: cannot measure the call's peak alone")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    result = function(*args)
    peak = _status("VmHWM")
    # every process faults in pages: a child that ran during the call adds to the count
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt != before
    report = {"start": start, "peak": peak, "children": children, "result": result}
    out.write_text(json.dumps(report), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
