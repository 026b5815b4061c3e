"""Benchmark ``kura build`` (the static site) over 1,000 items: the first build, and the
no-change rebuild (target ≤ 5 s).

    .venv/bin/python bench/build.py [--items 1000] [--runs 3] [--jobs 2] [--keep]

Makes a project in bench/out/build-project as ``bench/rerun.py`` does (``kura init``, small
distinct JPEGs, one sheet row per scan, one ``kura ingest``; with ``--keep`` it is kept and
reused by the next run), then times ``kura -C DIR build -o bench/out/build-site`` once from
an empty folder (reported apart) and ``--runs`` times with nothing changed. Each rebuild must
render no page and leave the folder untouched (checked independently: every file's mtime
and size before and after). Also reported: the site's size and file counts (pages, tiles,
documents). Results are printed and written to bench/out/build.json; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rerun import KURA, OUT, compare, make_scans, snapshot, write_sheet

TARGET_S = 5.0  # a no-change rebuild of 1,000 items takes at most 5 s


def run(cmd: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed (exit {done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return wall, lines[-1] if lines else ""


def project_for(items: int, jobs: int) -> Path:
    """The benchmark's project with ``items`` items ingested (kept from an earlier --keep
    run when it has as many)."""
    project = OUT / "build-project"
    records = project / "public" / "records"
    if records.is_dir() and len(list(records.glob("*.json"))) == items:
        print(f"reusing {project} ({items} items)")
        return project
    shutil.rmtree(project, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(KURA), "init", str(project)], check=True, capture_output=True)
    names = make_scans(project / "scans", items)
    write_sheet(project / "items.csv", names)
    wall, line = run(
        [str(KURA), "--lang", "en", "-C", str(project), "ingest", "-j", str(jobs), "--no-progress"]
    )
    print(f"ingest (--jobs {jobs}, not the figure): {wall:.1f} s  {line}")
    return project


def site_figures(site: Path) -> dict:
    files = pages = tiles = documents = size = 0
    for dirpath, _, names in os.walk(site):
        for name in names:
            files += 1
            size += os.stat(os.path.join(dirpath, name)).st_size
            pages += name.endswith(".html")
            tiles += name.endswith(".jpg")
            documents += name.endswith(".json")
    return {
        "files": files,
        "bytes": size,
        "html_pages": pages,
        "tiles": tiles,
        "json_documents": documents,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="kura build: first build and no-change rebuild.")
    parser.add_argument("--items", type=int, default=1000, help="items in the sheet (1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed no-change rebuilds (3)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the ingest (2)")
    parser.add_argument("--keep", action="store_true", help="keep the project and the site")
    args = parser.parse_args()
    if args.items < 1 or args.runs < 1:
        parser.error("--items and --runs must be at least 1")
    if not KURA.exists():
        sys.exit(f"{KURA} not found: install the project in the venv first (make deps)")

    project = project_for(args.items, args.jobs)
    site = OUT / "build-site"
    shutil.rmtree(site, ignore_errors=True)
    for state in (project / "public" / "state").glob("build-*.json"):
        state.unlink()  # a first build: nothing remembered
    build = [str(KURA), "--lang", "en", "-C", str(project), "build", "-o", str(site)]
    try:
        first_s, first_line = run(build)
        print(f"first build (empty folder): {first_s:.1f} s  {first_line}")
        figures = site_figures(site)
        print(
            f"  site: {figures['bytes'] / 1e6:.1f} MB in {figures['files']} files "
            f"({figures['html_pages']} pages, {figures['tiles']} tiles, "
            f"{figures['json_documents']} JSON documents)"
        )
        before = snapshot(site)
        runs = []
        for i in range(args.runs):
            wall, line = run(build)
            touched = compare(before, snapshot(site))
            rendered = re.search(r"\((\d+) rendered\)", line)
            untouched = not any(touched.values()) and rendered is not None and rendered[1] == "0"
            runs.append({"wall_s": wall, "files": touched, "untouched": untouched, "line": line})
            print(f"rebuild {i + 1}/{args.runs}: {wall:.2f} s  {line}")
            if not untouched:
                print(f"  did work: {touched}")
    finally:
        if not args.keep:
            shutil.rmtree(site, ignore_errors=True)
            shutil.rmtree(project, ignore_errors=True)

    median = statistics.median(r["wall_s"] for r in runs)
    met = median <= TARGET_S
    print(
        f"\nno-change rebuild of {args.items} items: median {median:.2f} s "
        f"(min {min(r['wall_s'] for r in runs):.2f}, max {max(r['wall_s'] for r in runs):.2f}); "
        f"target ≤ {TARGET_S:.0f} s: {'met' if met else 'NOT MET'}"
    )
    print(
        "no file touched by any rebuild: " + ("yes" if all(r["untouched"] for r in runs) else "NO")
    )
    result = {
        "items": args.items,
        "first_build": {"wall_s": first_s, "line": first_line, "site": figures},
        "rebuilds": runs,
        "median_s": median,
        "target_s": TARGET_S,
        "target_met": met,
        "cpu_count": os.cpu_count(),
    }
    out = OUT / "build.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results in {out}")


if __name__ == "__main__":
    main()
