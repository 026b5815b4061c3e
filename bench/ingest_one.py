"""Benchmark the whole ``kura ingest`` of one 108-megapixel scan against libvips ``dzsave``.

    .venv/bin/python bench/ingest_one.py [--runs N] [--size 12000x9000] [--keep]
                                         [--quiet-wait SECONDS] [--no-breakdown]
                                         [--baseline DIR]

The scan is bench/tiling.py's textured page (JPEG q90, cached in bench/out/). Each round
(``--runs``, 5 by default) runs, each tool first in turn and in alternating order:

- **kura**: a fresh project (``kura init``, a one-row items.csv naming the scan, the scan
  copied into scans/; none of that timed), then the real command ``kura -C DIR ingest`` as a
  subprocess: start-up, sheet, hashing, masters, tiling, record and fixity, change feed,
  search index update, curation, exit. Timed wall clock around the process.
- **vips**: ``vips dzsave SCAN OUT --layout iiif3 --tile-size 256`` (libvips's defaults:
  JPEG Q75 tiles, chroma subsampled).
- **vips-q**: the same with ``--suffix .jpg[Q=<kura.toml's jpeg_quality>,subsample-mode=on]``,
  i.e. tiles of the quality Kura writes (85 by default; both 4:2:0).
- **kura-base** (with ``--baseline DIR``): ``kura ingest`` of another checkout of Kura (its
  folder first on PYTHONPATH), for before/after figures taken in the same rounds.

Per run: wall time, CPU (user+sys from wait4), ru_maxrss (largest single process), the peak
of the summed RSS and PSS of the process tree (sampled), and the CPU other processes used
meanwhile. The table gives medians, the ratios of medians, and the medians of the per-round
ratios. Then (not timed against anything) three more ingests give the breakdown of where
Kura's time goes: ``python -X importtime``; ``bench/_ingest_timed.py``, a timer around each
phase (little distortion); and cProfile. The ingest's own log (logs/*.jsonl) gives the run's
seconds as Kura counts them. Results: bench/out/ingest_one.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from tiling import (  # noqa: E402  (the scan generator and the quiet-machine wait)
    _busy_cpu_s,
    _children_files_work,
    _descendants_from_children,
    _descendants_from_stat,
    _size,
    _vips_version,
    _warm,
    ensure_sources,
    wait_for_quiet,
)

OUT = HERE / "out"
WORK = OUT / "ingest-one"
KURA = Path(sys.executable).with_name("kura")
VIPS = shutil.which("vips") or "/usr/bin/vips"
TARGET_RATIO = 0.8  # the whole kura ingest ≤ 0.8 × libvips dzsave
MB = 1_000_000
CPUS = os.cpu_count() or 1
TOOLS = ("kura", "vips", "vips-q")  # and "kura-base" with --baseline

# where the time goes: functions whose cumulative time the cProfile run reports, in order
PHASES = [
    ("sheet", "archive/sheet.py", "read_sheet"),
    ("plan (records, file states)", "ingest/pipeline.py", "_file_states"),
    ("hash scan (sha256)", "ingest/images.py", "sha256_file"),
    ("probe headers", "ingest/images.py", "probe"),
    ("source JPEG for full/max", "ingest/pixels.py", "source_jpeg"),
    ("decode setup", "ingest/pixels.py", "load_for_tiling"),
    ("tiler (decode+pyramid)", "ingest/pyramid.py", "write_pyramid"),
    ("tile tree fixity hashes", "archive/fixity.py", "tree_hashes"),
    ("master copy", "archive/store.py", "put_file"),
    ("record + fixity", "ingest/pipeline.py", "_finish_item"),
    ("change feed events", "archive/events.py", "record_changes"),
    ("search index update", "archive/search/indexer.py", "update"),
    ("curation compile", "ingest/curation.py", "compile_curation"),
    ("ingest total (Ingest.run)", "ingest/pipeline.py", "run"),
    ("command total (cli main)", "kura/cli.py", "main"),
]


# --------------------------------------------------------------------------------------
# Measuring one process tree


def _rollup(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of a process in kB, from /proc/<pid>/smaps_rollup."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith(b"Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class Sampler(threading.Thread):
    """The peak summed RSS and PSS of a process tree, sampled every ~20 ms (or less often,
    so the sampler takes at most 10 % of one CPU)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.rss_kb = self.pss_kb = self.samples = 0
        self.busy_s = 0.0
        self._halt = threading.Event()
        self._tree = (
            _descendants_from_children if _children_files_work() else _descendants_from_stat
        )

    def run(self) -> None:
        while not self._halt.is_set():
            started = time.perf_counter()
            rss = pss = 0
            for pid in self._tree(self.pid):
                r, p = _rollup(pid)
                rss, pss = rss + r, pss + p
            self.rss_kb, self.pss_kb = max(self.rss_kb, rss), max(self.pss_kb, pss)
            self.samples += 1
            spent = time.perf_counter() - started
            self.busy_s += spent
            self._halt.wait(max(0.02 - spent, spent * 9))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def timed(cmd: list[str], quiet_wait: float) -> dict:
    """Run ``cmd`` once (after a sync and a wait for a quiet machine, neither timed)."""
    os.sync()
    if quiet_wait > 0 and wait_for_quiet(quiet_wait) > 1:
        print("  (waited for other processes to calm down)", flush=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy_before = _busy_cpu_s()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = _busy_cpu_s() - busy_before
        sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"failed (exit {code}): {' '.join(cmd)}\n{stdout}\n{stderr}")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "sys_s": usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss * 1024 / MB,
        "peak_rss_tree_mb": sampler.rss_kb * 1024 / MB,
        "peak_pss_tree_mb": sampler.pss_kb * 1024 / MB,
        "other_cpu_s": max(0.0, busy - cpu - sampler.busy_s),
        "stdout": stdout.strip().splitlines()[-3:],
    }


# --------------------------------------------------------------------------------------
# The runs


def make_project(folder: Path, scan: Path) -> Path:
    """A fresh project naming ``scan`` in a one-row items.csv (not timed)."""
    subprocess.run(
        [str(KURA), "--lang", "en", "init", str(folder)], check=True, capture_output=True
    )
    shutil.copyfile(scan, folder / "scans" / scan.name)
    with (folder / "items.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["ID", "名称", "画像ファイル"])
        writer.writerow(["scan-0001", "ベンチマーク資料", scan.name])
    return folder


def jpeg_quality(project: Path) -> int:
    import tomllib

    return int(tomllib.loads((project / "kura.toml").read_text("utf-8")).get("jpeg_quality", 85))


def kura_command(project: Path, *python_flags: str) -> list[str]:
    if python_flags:
        return [sys.executable, *python_flags, "-m", "kura", "-C", str(project), "ingest"]
    return [str(KURA), "-C", str(project), "ingest", "--no-progress"]


def with_path(cmd: list[str], tree: Path) -> list[str]:
    """``cmd`` run with the packages of another checkout of Kura (``--baseline``): its folder
    first on PYTHONPATH, before the venv's editable install of this one."""
    return ["env", f"PYTHONPATH={tree}", *cmd]


def log_seconds(project: Path) -> float | None:
    """The run's seconds as the ingest's own log (logs/*.jsonl) records them."""
    for log in sorted((project / "logs").glob("*.jsonl")):
        for line in log.read_text("utf-8").splitlines():
            event = json.loads(line)
            if event.get("event") == "end":
                return float(event["seconds"])
    return None


def vips_command(scan: Path, output: Path, quality: int | None) -> list[str]:
    cmd = [VIPS, "dzsave", str(scan), str(output), "--layout", "iiif3", "--tile-size", "256"]
    if quality is not None:
        cmd += ["--suffix", f".jpg[Q={quality},subsample-mode=on]"]
    return cmd


def one_round(i: int, scan: Path, args: argparse.Namespace, results: dict) -> None:
    tools = list(results)
    order = tools[i % len(tools) :] + tools[: i % len(tools)]  # each tool goes first in turn
    for tool in order if i % 2 == 0 else order[::-1]:
        if tool in ("kura", "kura-base"):
            project = make_project(WORK / f"{tool}-{i + 1}", scan)
            cmd = kura_command(project)
            if tool == "kura-base":
                cmd = with_path(cmd, args.baseline)
            run = timed(cmd, args.quiet_wait)
            run["log_seconds"] = log_seconds(project)
            args.quality = jpeg_quality(project)
        else:
            quality = None if tool == "vips" else args.quality
            output = WORK / f"{tool}-{i + 1}"
            run = timed(vips_command(scan, output, quality), args.quiet_wait)
        results[tool].append(run)
        print(
            f"  round {i + 1}/{args.runs} {tool:6}: {run['wall_s']:6.2f} s wall, "
            f"{run['cpu_s']:6.2f} s CPU, peak RSS (tree) {run['peak_rss_tree_mb']:6.0f} MB, "
            f"ru_maxrss {run['maxrss_mb']:5.0f} MB; others used {run['other_cpu_s']:.2f} s CPU",
            flush=True,
        )


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


# --------------------------------------------------------------------------------------
# Where Kura's time goes (not timed against anything)


def import_breakdown(scan: Path) -> dict:
    """``python -X importtime`` of one ingest: total import time and the heaviest
    top-level packages (cumulative microseconds of each first-level import)."""
    project = make_project(WORK / "importtime", scan)
    done = subprocess.run(
        kura_command(project, "-X", "importtime"), capture_output=True, text=True, check=True
    )
    top: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|", 2)
        name = name.rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2  # " " + two spaces a level
        if depth == 0:
            root = name.strip().split(".")[0]
            top[root] = top.get(root, 0.0) + int(cumulative) / 1e6
    heaviest = dict(sorted(top.items(), key=lambda kv: -kv[1])[:12])
    return {"total_s": sum(top.values()), "heaviest_s": heaviest}


def timed_breakdown(scan: Path) -> dict:
    """One ingest with a wall-clock timer around each phase (``bench/_ingest_timed.py``)."""
    project = make_project(WORK / "timed", scan)
    out = WORK / "timed.json"
    os.sync()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(HERE / "_ingest_timed.py"), str(project), str(out)],
        capture_output=True,
        check=True,
    )
    wall = time.perf_counter() - started
    return {**json.loads(out.read_text()), "wall_s": wall}


def profile_breakdown(scan: Path) -> dict:
    """Cumulative seconds of the ingest's phases under cProfile (one run; the profiler adds
    overhead to Python-heavy parts, little to decoding, hashing and encoding)."""
    project = make_project(WORK / "profile", scan)
    prof = WORK / "ingest.prof"
    started = time.perf_counter()
    subprocess.run(
        kura_command(project, "-m", "cProfile", "-o", str(prof)), capture_output=True, check=True
    )
    wall = time.perf_counter() - started
    stats = pstats.Stats(str(prof)).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    phases = {}
    for label, path, name in PHASES:
        total = sum(
            ct
            for (file, _, fn), (_, _, _, ct, _) in stats.items()
            if fn == name and file.endswith(path)
        )
        phases[label] = total
    phases["wall of the profiled process"] = wall
    return phases


# --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds (5)")
    parser.add_argument("--size", type=_size, default=(12000, 9000), help="scan size (12000x9000)")
    parser.add_argument("--keep", action="store_true", help="keep the projects and trees")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other processes to go quiet (30)",
    )
    parser.add_argument(
        "--no-breakdown", action="store_true", help="skip the importtime and cProfile runs"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="another checkout of Kura (e.g. a git worktree of an older commit) to run as "
        "'kura-base' in the same rounds, for a before/after comparison on a noisy machine",
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.quality = 85

    # the scan is made in a child process: ru_maxrss of a forked child starts from its
    # parent's high-water mark, so drawing the page here would show in every run's figure
    width, height = args.size
    subprocess.run(
        [sys.executable, "-c", f"import tiling; tiling.ensure_sources(({width}, {height}))"],
        cwd=HERE,
        check=True,
    )
    scan = ensure_sources(args.size)["JPEG"]
    if WORK.exists():
        print(f"deleting the old runs in {WORK} (not timed)…", flush=True)
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    _warm(scan)
    tools = [*TOOLS, "kura-base"] if args.baseline else list(TOOLS)
    results: dict[str, list[dict]] = {tool: [] for tool in tools}
    report: dict = {
        "scan": str(scan),
        "scan_mb": scan.stat().st_size / MB,
        "size": list(args.size),
        "runs": args.runs,
        "cpus": CPUS,
        "vips": _vips_version(),
    }
    try:
        for i in range(args.runs):
            one_round(i, scan, args, results)
        if not args.no_breakdown:
            print("breakdown (not timed): -X importtime, timers, cProfile…", flush=True)
            report["imports"] = import_breakdown(scan)
            report["timed"] = timed_breakdown(scan)
            report["profile"] = profile_breakdown(scan)
    finally:
        if not args.keep:
            shutil.rmtree(WORK, ignore_errors=True)

    kura = results["kura"]
    summary = {
        tool: {
            key: median(runs, key)
            for key in (
                "wall_s",
                "cpu_s",
                "sys_s",
                "maxrss_mb",
                "peak_rss_tree_mb",
                "peak_pss_tree_mb",
            )
        }
        for tool, runs in results.items()
    }
    for tool, runs in results.items():
        summary[tool]["wall_min_max"] = [
            min(r["wall_s"] for r in runs),
            max(r["wall_s"] for r in runs),
        ]
    logged = [r["log_seconds"] for r in kura if r.get("log_seconds") is not None]
    summary["kura"]["log_seconds"] = statistics.median(logged) if logged else None
    tools = list(results)
    ratios = {
        f"{k}/{v}": summary[k]["wall_s"] / summary[v]["wall_s"]
        for k in ("kura", "kura-base")
        if k in results
        for v in ("vips", "vips-q")
    }
    # the same ratio round by round (runs next to each other in time), then its median:
    # steadier than the ratio of medians when the machine's load comes and goes
    per_round = {
        f"{k}/{v}": statistics.median(
            a["wall_s"] / b["wall_s"] for a, b in zip(results[k], results[v], strict=True)
        )
        for k in ("kura", "kura-base")
        if k in results
        for v in ("vips", "vips-q")
    }
    if "kura-base" in results:
        ratios["kura/kura-base"] = summary["kura"]["wall_s"] / summary["kura-base"]["wall_s"]
        per_round["kura/kura-base"] = statistics.median(
            a["wall_s"] / b["wall_s"]
            for a, b in zip(results["kura"], results["kura-base"], strict=True)
        )
    report.update(summary=summary, ratios=ratios, ratios_per_round=per_round, runs_raw=results)

    names = {
        "kura": "kura ingest",
        "kura-base": "kura baseline",
        "vips": "vips dzsave",
        "vips-q": f"vips Q{args.quality}",
    }
    print(f"\n{scan.name} ({report['scan_mb']:.1f} MB), {args.runs} rounds, medians:")
    print(f"  {'':24}" + "".join(f"{names[t]:>15}" for t in tools))
    for key, label in (
        ("wall_s", "wall (s)"),
        ("cpu_s", "CPU user+sys (s)"),
        ("sys_s", "  of which kernel (s)"),
        ("peak_rss_tree_mb", "peak RSS, tree (MB)"),
        ("peak_pss_tree_mb", "peak PSS, tree (MB)"),
        ("maxrss_mb", "ru_maxrss (MB)"),
        ("other_cpu_s", "others' CPU (s)"),
    ):
        if key == "other_cpu_s":
            values = [median(results[t], key) for t in tools]
        else:
            values = [summary[t][key] for t in tools]
        print(f"  {label:24}" + "".join(f"{v:15.2f}" for v in values))
    print(
        f"  {'wall min–max (s)':24}"
        + "".join(f"{'{:.2f}–{:.2f}'.format(*summary[t]['wall_min_max']):>15}" for t in tools)
    )
    print("  ratios of medians (median of the per-round ratios):")
    for name, value in ratios.items():
        target = ""
        if name == "kura/vips":
            target = f"   target ≤ {TARGET_RATIO}: {'met' if value <= TARGET_RATIO else 'NOT MET'}"
        print(f"    {name:16}{value:6.2f}  ({per_round[name]:.2f}){target}")
    print(
        f"  (vips = dzsave's defaults, Q75 tiles; vips-q = Q{args.quality} 4:2:0, the tiles "
        "Kura writes)"
    )
    if summary["kura"]["log_seconds"] is not None:
        print(f"  the ingest's own log: {summary['kura']['log_seconds']:.2f} s (Ingest.run)")
    if "imports" in report:
        imports = report["imports"]
        heavy = ", ".join(f"{k} {v:.2f}" for k, v in list(imports["heaviest_s"].items())[:8])
        print(f"\nimports (-X importtime): {imports['total_s']:.2f} s; heaviest: {heavy}")
    if "timed" in report:
        timed_run = report["timed"]
        print(
            "where the time goes (one run with a timer around each phase, s; nested phases "
            "overlap):"
        )
        print(f"  {'start-up and imports':36}{timed_run['start_to_main_s']:7.2f}")
        for name, seconds in timed_run["imports_s"].items():
            print(f"    import {name:29}{seconds:7.2f}")
        print(f"  {'the command (cli main)':36}{timed_run['command_s']:7.2f}")
        for label, seconds in timed_run["phases_s"].items():
            print(f"    {label:34}{seconds:7.2f}")
        print(f"  {'wall of the process':36}{timed_run['wall_s']:7.2f}")
    if "profile" in report:
        print("cProfile (cumulative s; the profiler inflates Python-heavy parts):")
        for label, seconds in report["profile"].items():
            print(f"  {label:34}{seconds:7.2f}")
    noisy = [
        r for rs in results.values() for r in rs if r["other_cpu_s"] > 0.05 * r["wall_s"] * CPUS
    ]
    if noisy:
        print(f"WARNING: other processes used > 5 % of the CPUs during {len(noisy)} runs")
    (OUT / "ingest_one.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"results in {OUT / 'ingest_one.json'}")


if __name__ == "__main__":
    main()
