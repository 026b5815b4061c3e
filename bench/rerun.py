"""Benchmark the no-change re-run of ``kura ingest`` over 1,000 items (target ≤ 5 s).

    .venv/bin/python bench/rerun.py [--items 1000] [--runs 3] [--jobs 2] [--keep]

Makes a fresh project in bench/out/rerun-project with ``kura init``, fills scans/ with
small distinct JPEGs and items.csv with one row per scan, ingests it once (timed, reported
apart), then times ``kura -C DIR ingest`` ``--runs`` times with nothing changed. Each re-run
must report every item unchanged and no page tiled, and must leave the store untouched
(checked independently by comparing every file's mtime and size before and after).
Results are printed and written to bench/out/rerun.json; see bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
KURA = Path(sys.executable).with_name("kura")
TARGET_S = 5.0  # a no-change re-run of 1,000 items takes at most 5 s


def make_scans(scans: Path, count: int) -> list[str]:
    """``count`` 64×48 JPEGs with distinct content (colour, gradient, number); their names."""
    names = []
    ramp = Image.linear_gradient("L").resize((64, 48))
    for i in range(1, count + 1):
        colour = ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)
        image = Image.composite(
            Image.new("RGB", (64, 48), colour), Image.new("RGB", (64, 48)), ramp
        )
        draw = ImageDraw.Draw(image)
        draw.text((4, 16), f"{i:04d}", fill=(255 - colour[0], 255 - colour[1], 255 - colour[2]))
        for bit in range(12):  # the number in binary as well, so no two images are alike
            if i >> bit & 1:
                draw.point((2 + 5 * bit, 44), fill=(0, 0, 0))
        name = f"item{i:04d}.jpg"
        image.save(scans / name, "JPEG", quality=90)
        names.append(name)
    return names


def write_sheet(path: Path, names: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ID", "名称", "画像ファイル"])
        for i, name in enumerate(names, start=1):
            writer.writerow([f"item{i:04d}", f"ベンチマーク資料 {i}", name])


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its (mtime_ns, size)."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            stat = os.stat(path)
            files[os.path.relpath(path, root)] = (stat.st_mtime_ns, stat.st_size)
    return files


def compare(before: dict, after: dict) -> dict[str, int]:
    return {
        "added": len(after.keys() - before.keys()),
        "removed": len(before.keys() - after.keys()),
        "changed": sum(1 for k in before.keys() & after.keys() if before[k] != after[k]),
    }


def kura(project: Path, *args: str) -> tuple[float, dict, str]:
    """Run ``kura -C project ingest ARGS --report …``; its wall time, report and summary."""
    report = OUT / "rerun-report.json"
    report.unlink(missing_ok=True)
    cmd = [str(KURA), "--lang", "en", "-C", str(project), "ingest", *args]
    cmd += ["--no-progress", "--report", str(report)]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed (exit {done.returncode}): {' '.join(cmd)}\n{done.stdout}{done.stderr}")
    lines = done.stdout.strip().splitlines()
    return wall, json.loads(report.read_text(encoding="utf-8")), lines[-1] if lines else ""


def main() -> None:
    parser = argparse.ArgumentParser(description="No-change re-run of kura ingest.")
    parser.add_argument("--items", type=int, default=1000, help="items in the sheet (1000)")
    parser.add_argument("--runs", type=int, default=3, help="timed re-runs (3)")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the first ingest (2)")
    parser.add_argument("--keep", action="store_true", help="keep the project afterwards")
    args = parser.parse_args()
    if args.items < 1 or args.runs < 1:
        parser.error("--items and --runs must be at least 1")
    if not KURA.exists():
        sys.exit(f"{KURA} not found: install the project in the venv first (make deps)")

    project = OUT / "rerun-project"
    shutil.rmtree(project, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(KURA), "init", str(project)], check=True, capture_output=True)
    names = make_scans(project / "scans", args.items)
    write_sheet(project / "items.csv", names)
    try:
        first_s, first, first_line = kura(project, "--jobs", str(args.jobs))
        print(f"first ingest (--jobs {args.jobs}, not the figure): {first_s:.2f} s")
        print(f"  {first_line}")
        if first["counts"]["new"] != args.items or first["counts"]["failed"]:
            sys.exit(f"the first ingest did not add every item: {first['counts']}")

        store = project / "public"
        before = snapshot(store)
        runs = []
        for i in range(args.runs):
            wall, report, line = kura(project)
            touched = compare(before, snapshot(store))
            no_work = (
                report["counts"]["unchanged"] == args.items
                and report["pages_tiled"] == 0
                and not any(touched.values())
            )
            runs.append(
                {
                    "wall_s": wall,
                    "ingest_seconds": report["seconds"],
                    "counts": report["counts"],
                    "pages_tiled": report["pages_tiled"],
                    "store_files": touched,
                    "no_image_work": no_work,
                    "summary": line,
                }
            )
            print(f"re-run {i + 1}/{args.runs}: {wall:.2f} s  {line}")
            if not no_work:
                print(f"  did work: counts {report['counts']}, store files {touched}")
    finally:
        if not args.keep:
            shutil.rmtree(project, ignore_errors=True)
        (OUT / "rerun-report.json").unlink(missing_ok=True)

    median = statistics.median(r["wall_s"] for r in runs)
    met = median <= TARGET_S
    print(
        f"\nno-change re-run of {args.items} items: median {median:.2f} s "
        f"(min {min(r['wall_s'] for r in runs):.2f}, max {max(r['wall_s'] for r in runs):.2f}); "
        f"target ≤ {TARGET_S:.0f} s: {'met' if met else 'NOT MET'}"
    )
    print(
        "no image work in any re-run: "
        + ("yes" if all(r["no_image_work"] for r in runs) else "NO (see above)")
    )
    result = {
        "items": args.items,
        "first_ingest": {"jobs": args.jobs, "wall_s": first_s, "counts": first["counts"]},
        "reruns": runs,
        "median_s": median,
        "target_s": TARGET_S,
        "target_met": met,
        "cpu_count": os.cpu_count(),
    }
    report = OUT / "rerun.json"
    report.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"results in {report}")


if __name__ == "__main__":
    main()
