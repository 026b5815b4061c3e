"""One ``kura ingest`` in this process with a wall-clock timer around each phase (started by
``bench/ingest_one.py`` for its breakdown; far less distortion than cProfile).

Usage: ``python bench/_ingest_timed.py PROJECT OUT.json``

The modules of the ingest path are imported first (timed one by one: what ``kura ingest``
imports, eagerly or when it gets there), then functions are wrapped by name where they are
looked up at call time, and ``kura -C PROJECT ingest`` runs as from the command line.
Nested phases overlap (the tiler's time is inside the ingest's). Phases a version of Kura
does not have are left out.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (label, module, attribute path): wrapped where the callers look them up
PHASES = [
    ("sheet", "archive.sheet", "read_sheet"),
    ("hash scan (sha256)", "ingest.images", "sha256_file"),
    ("probe headers", "ingest.images", "probe"),
    ("source JPEG for full/max", "ingest.pixels", "source_jpeg"),
    ("decode setup", "ingest.pixels", "load_for_tiling"),
    ("tiler (decode + pyramid + rename)", "ingest.pyramid", "write_pyramid"),
    ("tile tree fixity (read back)", "ingest.pipeline", "tree_hashes"),
    ("master copy", "archive.store", "LocalStore.put_file"),
    ("image work (build_pages)", "ingest.pipeline", "build_pages"),
    ("record + fixity", "ingest.pipeline", "Ingest._finish_item"),
    ("change feed events", "ingest.pipeline", "record_changes"),
    ("ingest (Ingest.run)", "ingest.pipeline", "Ingest.run"),
    ("search index update", "archive.search", "update"),
    ("curation compile", "ingest.curation", "compile_curation"),
]
IMPORTS = [
    "kura.cli",
    "ingest.pipeline",
    "archive.sheet",
    "ingest.images",
    "ingest.pixels",
    "ingest.pyramid",
    "tqdm",
    "archive.search",
    "archive.search.indexer",
    "ingest.curation",
]

times: dict[str, float] = {}
lock = threading.Lock()


def _wrap(label: str, fn):
    @functools.wraps(fn)
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            with lock:
                times[label] = times.get(label, 0.0) + time.perf_counter() - t0

    return timed


def main() -> None:
    project, out = sys.argv[1], Path(sys.argv[2])
    imports: dict[str, float] = {}
    for name in IMPORTS:
        t0 = time.perf_counter()
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        imports[name] = time.perf_counter() - t0
    for label, module_name, attr in PHASES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner, _, name = attr.rpartition(".")
        holder = getattr(module, owner) if owner else module
        if hasattr(holder, name):
            setattr(holder, name, _wrap(label, getattr(holder, name)))
    # functions imported inside functions are looked up in their modules at call time, so
    # wrapping them there is enough; names bound at import (``from x import f``) are wrapped
    # in the importing module above
    from kura.cli import cli

    t0 = time.perf_counter()
    try:
        cli.main(["-C", project, "--lang", "en", "ingest", "--no-progress"], prog_name="kura")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    command = time.perf_counter() - t0
    out.write_text(
        json.dumps(
            {
                "start_to_main_s": t0 - STARTED,
                "imports_s": imports,
                "command_s": command,
                "phases_s": times,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
