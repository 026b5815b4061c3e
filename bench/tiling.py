"""Benchmark Kura's level-0 tiler against libvips ``dzsave`` on one large scan.

    .venv/bin/python bench/tiling.py [--runs N] [--size 12000x9000] [--quality 90]
                                     [--keep] [--tmpfs | --trees DIR]
                                     [--vips-subsample on|auto]

A textured scan is generated once into bench/out/ (JPEG q90 and uncompressed TIFF; not
timed). For each source, Kura (a fresh ``bench/_kura_tile.py`` process) and ``vips dzsave``
are run in turn ``--runs`` times; each run is timed (wall clock around the process) and its
process tree's memory is sampled every 10 ms or more (sum of PSS over the tree). A table per
source and bench/out/tiling.json (tiling-tmpfs.json with ``--tmpfs``, tiling-<dir>.json
with ``--trees``) hold the results; see bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import PIL
from PIL import Image, ImageChops, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
KURA_HELPER = HERE / "_kura_tile.py"
TMPFS = Path("/dev/shm")
VIPS = shutil.which("vips") or "/usr/bin/vips"
TILE = 256
SIZES_MAX = 1024
SAMPLE_INTERVAL_S = 0.010  # the shortest interval between memory samples
SAMPLER_DUTY = 0.10  # …stretched so sampling takes at most this share of one CPU
TARGET_WALL_RATIO = 0.6  # Kura wall time ≤ 0.6 × libvips
TARGET_MEMORY_MULTIPLE = 1.5  # Kura peak memory ≤ 1.5 × the decoded image's bytes
SCAN_VERSION = 1  # bump when the generator changes, so cached scans are remade
MB = 1_000_000
SETTLED_RATIO = 4.0  # creating files on disk costs at most this × tmpfs when all is well
CPUS = os.cpu_count() or 1
NOISY_SHARE = 0.05  # warn when other processes took more than this share of all CPUs


# --------------------------------------------------------------------------------------
# The test scan (Pillow only: no numpy)


def _centred(image: Image.Image, gain: float) -> Image.Image:
    """``image`` (values around 128) with its deviation from 128 scaled by ``gain``."""
    return image.point(lambda v: round(128 + (v - 128) * gain))


def _sum(base: Image.Image, *layers: Image.Image) -> Image.Image:
    """``base`` plus the deviations of ``layers`` from 128 (clipped to 0..255)."""
    for layer in layers:
        base = ImageChops.add(base, layer, scale=1.0, offset=-128)
    return base


def _plasma(size: tuple[int, int], octaves: list[tuple[int, float]]) -> Image.Image:
    """Smooth multi-scale texture: Gaussian noise on coarse grids, upscaled (bicubic)
    and summed. ``octaves`` are (cells along the long side, sigma)."""
    width, height = size
    layers = []
    for cells, sigma in octaves:
        grid = (max(2, cells), max(2, round(cells * height / width)))
        layers.append(Image.effect_noise(grid, sigma).resize(size, Image.Resampling.BICUBIC))
    return _sum(Image.new("L", size, 128), *layers)


def _waves(size: tuple[int, int]) -> Image.Image:
    """Laid and chain lines of hand-made paper (vertical sinusoids) and a soft horizontal
    fold, as deviations around 128."""
    width, height = size
    row = Image.new("L", (width, 1))
    row.putdata(
        [
            round(128 + 3 * math.sin(2 * math.pi * x / 23) + 5 * math.cos(2 * math.pi * x / 311))
            for x in range(width)
        ]
    )
    column = Image.new("L", (1, height))
    column.putdata(
        [round(128 + 6 * math.sin(2 * math.pi * y / (height / 2.5))) for y in range(height)]
    )
    nearest = Image.Resampling.NEAREST
    return _sum(row.resize(size, nearest), column.resize(size, nearest))


def _lighting(size: tuple[int, int]) -> Image.Image:
    """Uneven lighting: a diagonal gradient of ±18 levels around 128."""
    ramp = Image.linear_gradient("L").point(lambda v: 110 + v * 36 // 255)
    down = ramp.resize(size, Image.Resampling.BILINEAR)
    across = ramp.rotate(90).resize(size, Image.Resampling.BILINEAR)
    return ImageChops.add(down, across, scale=2.0)


def _ink(size: tuple[int, int], rng: random.Random) -> tuple[Image.Image, Image.Image]:
    """Masks (255 = ink) for handwriting-like lines of text, ruled borders, and a red seal."""
    width, height = size
    text = Image.new("L", size, 0)
    draw = ImageDraw.Draw(text)
    unit = max(8, height // 160)  # character height; lines are 1.6 units apart
    left, right = width // 18, width - width // 18
    top, bottom = height // 14, height - height // 14
    border = max(2, unit // 10)
    draw.rectangle(
        (left - unit, top - unit, right + unit, bottom + unit), outline=200, width=border
    )
    y = top
    while y + unit < bottom:
        x = left + rng.randrange(0, 4 * unit)
        line_end = right - rng.randrange(0, 12 * unit) if rng.random() < 0.85 else left + width // 4
        while x < line_end:
            word = rng.randrange(2 * unit, 9 * unit)
            for _ in range(max(2, 3 * word // unit)):
                px = x + rng.randrange(0, max(1, word))
                py = y + rng.randrange(0, max(1, unit // 2))
                points = [(px, py)]
                for _ in range(rng.randrange(3, 8)):
                    px += rng.randrange(-unit // 4, unit // 4 + 1)
                    py += rng.randrange(-unit // 4, unit // 4 + 1)
                    points.append((px, py))
                draw.line(
                    points, fill=rng.randrange(150, 256), width=rng.randrange(2, 5), joint="curve"
                )
            x += word + rng.randrange(unit // 2, 2 * unit)
        y += unit * 8 // 5 + rng.randrange(0, unit // 4 + 1)
    text = text.filter(ImageFilter.GaussianBlur(1.0))

    seal = Image.new("L", size, 0)
    draw = ImageDraw.Draw(seal)
    radius = 3 * unit
    cx, cy = right - 6 * unit, bottom - 6 * unit
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=190, width=unit // 3)
    for _ in range(40):
        a, b = rng.randrange(-radius // 2, radius // 2), rng.randrange(-radius // 2, radius // 2)
        draw.line((cx + a, cy + b, cx + a + unit, cy + b), fill=170, width=max(2, unit // 6))
    return text, seal.filter(ImageFilter.GaussianBlur(1.5))


def make_scan(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """A textured RGB page: old paper (multi-scale plasma, foxing stains, laid lines,
    uneven lighting), handwriting-like ink strokes, a red seal, and sensor noise."""
    rng = random.Random(seed)
    paper = _sum(
        _plasma(size, [(5, 16), (20, 10), (90, 8), (400, 6), (1600, 4)]),
        _waves(size),
        _lighting(size),
    )
    stains = _plasma(size, [(4, 70), (14, 50), (60, 25)]).point(
        lambda v: 128 + max(0, v - 165)
    )  # only the darker patches of the field, as brownish foxing
    channels = []
    for gain, offset, stain in ((0.95, 222, 0.25), (0.95, 208, 0.6), (0.85, 182, 1.2)):
        channel = paper.point(lambda v, g=gain, o=offset: min(255, round(v * g + o - 128 * g)))
        channels.append(ImageChops.subtract(channel, _centred(stains, stain), offset=128))
    page = Image.merge("RGB", channels)

    text, seal = _ink(size, rng)
    page = Image.composite(Image.new("RGB", size, (48, 36, 30)), page, text)
    page = Image.composite(Image.new("RGB", size, (190, 40, 35)), page, seal)

    width, height = size
    luma_noise = Image.effect_noise(size, 5)
    chroma = [
        Image.effect_noise((width // 2, height // 2), 3).resize(size, Image.Resampling.BILINEAR)
        for _ in range(3)
    ]
    bands = [_sum(band, luma_noise, chroma[i]) for i, band in enumerate(page.split())]
    return Image.merge("RGB", bands)


def ensure_sources(size: tuple[int, int]) -> dict[str, Path]:
    """The cached JPEG (q90) and uncompressed TIFF of the test scan; made when missing."""
    width, height = size
    stem = f"scan-{width}x{height}-v{SCAN_VERSION}"
    sources = {"JPEG": OUT / f"{stem}.jpg", "TIFF": OUT / f"{stem}.tif"}
    if all(p.exists() for p in sources.values()):
        return sources
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"generating the {width}×{height} test scan (once; not timed)…", flush=True)
    started = time.perf_counter()
    page = make_scan(size)
    for fmt, path in sources.items():
        tmp = path.with_name(path.name + ".part")
        if fmt == "JPEG":
            page.save(tmp, "JPEG", quality=90)
        else:
            page.save(tmp, "TIFF")  # no compression
        os.replace(tmp, path)
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
    return sources


# --------------------------------------------------------------------------------------
# Measuring one process tree


def _children_files_work() -> bool:
    return Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()


def _descendants_from_children(root: int) -> list[int]:
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", "rb") as fh:
                    queue.extend(int(c) for c in fh.read().split())
            except OSError:
                pass
    return found


def _descendants_from_stat(root: int) -> list[int]:
    """The tree under ``root`` from every process's parent pid (kernels without
    CONFIG_PROC_CHILDREN have no /proc/<pid>/task/<tid>/children)."""
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split(maxsplit=2)[1])
        kids.setdefault(ppid, []).append(int(name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(kids.get(pid, ()))
    return found


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process and all its descendants every 10 ms, or less
    often when one sample is expensive: reading smaps_rollup walks the page tables (about
    9 ms for a 600 MB process here), so the pause after a sample is stretched to keep the
    sampler's share of one CPU at ``duty``."""

    def __init__(self, pid: int, duty: float) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.duty = duty
        self.peak_kb = 0
        self.max_processes = 0
        self.samples = 0
        self.busy_s = 0.0  # time spent sampling (its cost to the machine)
        self._halt = threading.Event()
        self._tree = (
            _descendants_from_children if _children_files_work() else _descendants_from_stat
        )

    def run(self) -> None:
        while not self._halt.is_set():
            started = time.perf_counter()
            pids = self._tree(self.pid)
            total = sum(_pss_kb(pid) for pid in pids)
            self.peak_kb = max(self.peak_kb, total)
            self.max_processes = max(self.max_processes, len(pids))
            self.samples += 1
            spent = time.perf_counter() - started
            self.busy_s += spent
            self._halt.wait(max(SAMPLE_INTERVAL_S - spent, spent * (1 / self.duty - 1)))

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (all CPUs, from /proc/stat)."""
    with open("/proc/stat", "rb") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    tool: str
    wall_s: float
    cpu_s: float  # user + system of the process and the children it waited for
    sys_s: float  # of which system (kernel) time
    peak_pss_mb: float
    maxrss_mb: float  # ru_maxrss from wait4: the largest single process of the tree
    tiles: int
    tile_mb: float  # every .jpg written
    full_max_mb: float  # of which full/max (Kura writes it; dzsave does not)
    sync_s: float  # os.sync() right after the run (not in wall_s): writeback left behind
    samples: int
    sampler_busy_s: float
    max_processes: int
    other_cpu_s: float  # CPU used during the run by processes outside the measured tree
    detail: dict = field(default_factory=dict)


def _count_jpegs(folder: Path) -> tuple[int, int, int]:
    """How many .jpg files a tree holds, their bytes, and the bytes of ``full/max`` ones."""
    count = size = full_max = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".jpg"):
                path = os.path.join(dirpath, name)
                count += 1
                size += os.stat(path).st_size
                if f"{os.sep}full{os.sep}max{os.sep}" in path:
                    full_max += os.stat(path).st_size
    return count, size, full_max


def wait_for_quiet(timeout: float) -> float:
    """Wait (up to ``timeout`` s) until other processes use under half the warning share of
    the machine over half a second; returns how long it waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        before = _busy_cpu_s()
        time.sleep(0.5)
        if _busy_cpu_s() - before < NOISY_SHARE / 2 * 0.5 * CPUS:
            break
    return time.perf_counter() - started


def measure(tool: str, cmd: list[str], output: Path, duty: float, quiet_wait: float) -> Run:
    """Run ``cmd`` once, writing into the new folder ``output``: flush the disk and wait for
    other processes to calm down first (not timed), then time the process and sample its
    tree's memory. Nothing is deleted between runs (see ``settle``)."""
    output.mkdir(parents=True)
    os.sync()
    waited = wait_for_quiet(quiet_wait) if quiet_wait > 0 else 0.0
    if waited > 1:
        print(f"  (waited {waited:.0f} s for other processes to calm down)", flush=True)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy_before = _busy_cpu_s()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid, duty)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = _busy_cpu_s() - busy_before
        sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)
        flushing = time.perf_counter()
        os.sync()
        sync_s = time.perf_counter() - flushing
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.exit(f"{tool} failed (exit {proc.returncode}): {' '.join(cmd)}\n{stderr}")
    tiles, tile_bytes, full_max_bytes = _count_jpegs(output)
    detail = json.loads(stdout.strip().splitlines()[-1]) if tool == "kura" else {}
    if detail and detail["jpegs"] != tiles:
        sys.exit(f"kura: the pyramid writer reports {detail['jpegs']} JPEGs, found {tiles}")
    return Run(
        tool=tool,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        sys_s=usage.ru_stime,
        peak_pss_mb=sampler.peak_kb * 1024 / MB,
        maxrss_mb=usage.ru_maxrss * 1024 / MB,
        tiles=tiles,
        tile_mb=tile_bytes / MB,
        full_max_mb=full_max_bytes / MB,
        sync_s=sync_s,
        samples=sampler.samples,
        sampler_busy_s=sampler.busy_s,
        other_cpu_s=max(0.0, busy - usage.ru_utime - usage.ru_stime - sampler.busy_s),
        max_processes=sampler.max_processes,
        detail=detail,
    )


# --------------------------------------------------------------------------------------
# The benchmark


def _command(
    tool: str, source: Path, output: Path, quality: int, workers: int, vips_subsample: str
) -> list[str]:
    """The command line of one run writing into the (new, empty) folder ``output``."""
    if tool == "kura":
        return [
            sys.executable,
            str(KURA_HELPER),
            str(source),
            str(output),  # the LocalStore root; the tree goes to iiif/bench/1 in it
            f"--quality={quality}",
            f"--workers={workers}",
            f"--tile={TILE}",
            f"--sizes-max={SIZES_MAX}",
        ]
    suffix = f".jpg[Q={quality}" + (",subsample-mode=on]" if vips_subsample == "on" else "]")
    return [
        VIPS,
        "dzsave",
        str(source),
        str(output / "1"),
        "--layout",
        "iiif3",
        "--tile-size",
        str(TILE),
        "--suffix",
        suffix,
    ]


def _probe(folder: Path) -> float:
    """Seconds to create 600 small files in 1,800 new folders under ``folder`` (like a tree)."""
    blob = os.urandom(16_000)
    started = time.perf_counter()
    for i in range(600):
        leaf = folder / f"{i},0,256,256" / "256,256" / "0"
        leaf.mkdir(parents=True)
        (leaf / "default.jpg").write_bytes(blob)
    return time.perf_counter() - started


def settle(trees: Path, timeout: float) -> list[float]:
    """Wait until creating files in ``trees`` costs at most SETTLED_RATIO × what it costs
    in tmpfs, or ``timeout`` seconds have passed; returns the measured ratios.

    On the development VM, creating folders near where thousands of files were deleted
    (the trees of the last benchmark) costs ext4 up to ten times its usual kernel time,
    for minutes (the root file system is mounted with ``discard``; freed blocks are
    discarded slowly), which would slow whichever tool runs first. The probes are kept
    and deleted with the trees."""
    if not TMPFS.is_dir() or trees.stat().st_dev == TMPFS.stat().st_dev:
        return []
    ratios: list[float] = []
    started = time.perf_counter()
    while True:
        with tempfile.TemporaryDirectory(dir=TMPFS) as scratch:
            baseline = _probe(Path(scratch))
        ratios.append(_probe(trees / f".probe-{len(ratios)}") / baseline)
        if ratios[-1] <= SETTLED_RATIO or time.perf_counter() - started > timeout:
            return ratios
        if len(ratios) == 1:
            print(
                f"waiting for the file system to settle: creating files costs "
                f"{ratios[0]:.0f}× tmpfs (≤ {SETTLED_RATIO:.0f}× is normal)…",
                flush=True,
            )
        time.sleep(10)


def _warm(path: Path) -> None:
    """Read the source once so every run finds it in the page cache."""
    with path.open("rb") as fh:
        while fh.read(1 << 24):
            pass


def _summary(runs: list[Run]) -> dict:
    walls = [r.wall_s for r in runs]
    summary = {
        "wall_s": {"median": statistics.median(walls), "min": min(walls), "max": max(walls)},
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "sys_s": statistics.median(r.sys_s for r in runs),
        "peak_pss_mb": statistics.median(r.peak_pss_mb for r in runs),
        "maxrss_mb": statistics.median(r.maxrss_mb for r in runs),
        "tiles": statistics.median(r.tiles for r in runs),
        "tile_mb": statistics.median(r.tile_mb for r in runs),
        "full_max_mb": statistics.median(r.full_max_mb for r in runs),
        "sync_s": statistics.median(r.sync_s for r in runs),
        "other_cpu_s": statistics.median(r.other_cpu_s for r in runs),
    }
    if runs[0].detail:
        for key in ("import_s", "decode_s", "pyramid_s"):
            summary[key] = statistics.median(r.detail[key] for r in runs)
        summary["rest_s"] = statistics.median(
            r.wall_s - r.detail["import_s"] - r.detail["decode_s"] - r.detail["pyramid_s"]
            for r in runs
        )
        summary["decoder"] = runs[0].detail["decoder"]
    return summary


def bench_source(
    label: str, source: Path, args: argparse.Namespace, trees: Path, decoded_bytes: int
) -> dict:
    _warm(source)
    runs: dict[str, list[Run]] = {"kura": [], "vips": []}
    commands: dict[str, list[str]] = {}
    for i in range(args.runs):
        order = ("kura", "vips") if i % 2 == 0 else ("vips", "kura")  # alternate who goes first
        for tool in order:
            output = trees / f"{label.lower()}-{i + 1}-{tool}"
            cmd = _command(tool, source, output, args.quality, args.workers, args.vips_subsample)
            commands.setdefault(tool, cmd)
            run = measure(tool, cmd, output, args.sampler_duty, args.quiet_wait)
            runs[tool].append(run)
            print(
                f"  {label} run {i + 1}/{args.runs} {tool:4}: {run.wall_s:6.2f} s wall, "
                f"{run.cpu_s:6.2f} s CPU, peak PSS {run.peak_pss_mb:7.1f} MB, "
                f"{run.tiles} tiles; others used {run.other_cpu_s:.2f} s CPU",
                flush=True,
            )
    kura, vips = _summary(runs["kura"]), _summary(runs["vips"])
    wall_ratio = kura["wall_s"]["median"] / vips["wall_s"]["median"]
    memory_multiple = kura["peak_pss_mb"] * MB / decoded_bytes
    return {
        "source": str(source),
        "source_mb": source.stat().st_size / MB,
        "decoded_mb": decoded_bytes / MB,
        "commands": commands,  # those of the first run; later ones differ in the folder
        "kura": kura,
        "vips": vips,
        "wall_ratio": wall_ratio,
        "cpu_ratio": kura["cpu_s"] / vips["cpu_s"],
        "kura_memory_multiple": memory_multiple,
        "vips_memory_multiple": vips["peak_pss_mb"] * MB / decoded_bytes,
        "targets": {
            "wall_ratio_max": TARGET_WALL_RATIO,
            "wall_ratio_met": wall_ratio <= TARGET_WALL_RATIO,
            "memory_multiple_max": TARGET_MEMORY_MULTIPLE,
            "memory_multiple_met": memory_multiple <= TARGET_MEMORY_MULTIPLE,
        },
        "runs": {tool: [asdict(r) for r in rs] for tool, rs in runs.items()},
    }


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def print_table(label: str, result: dict, runs: int, where: str) -> None:
    k, v = result["kura"], result["vips"]
    decoded = result["decoded_mb"]
    t = result["targets"]
    print()
    print(
        f"{label}: {Path(result['source']).name} ({result['source_mb']:.1f} MB); "
        f"decoded image {decoded:.1f} MB; {runs} runs; trees written to {where}"
    )
    rows = [
        ("", "Kura", "libvips", "Kura/libvips", "target"),
        (
            "wall median (s)",
            f"{k['wall_s']['median']:.2f}",
            f"{v['wall_s']['median']:.2f}",
            f"{result['wall_ratio']:.2f}",
            f"≤ {TARGET_WALL_RATIO:.2f}  {_verdict(t['wall_ratio_met'])}",
        ),
        (
            "wall min–max (s)",
            f"{k['wall_s']['min']:.2f}–{k['wall_s']['max']:.2f}",
            f"{v['wall_s']['min']:.2f}–{v['wall_s']['max']:.2f}",
            "",
            "",
        ),
        (
            "CPU user+sys (s)",
            f"{k['cpu_s']:.2f}",
            f"{v['cpu_s']:.2f}",
            f"{result['cpu_ratio']:.2f}",
            "",
        ),
        ("  of which kernel (s)", f"{k['sys_s']:.2f}", f"{v['sys_s']:.2f}", "", ""),
        (
            "peak PSS, tree (MB)",
            f"{k['peak_pss_mb']:.1f}",
            f"{v['peak_pss_mb']:.1f}",
            "",
            f"≤ {TARGET_MEMORY_MULTIPLE * decoded:.1f}",
        ),
        (
            "  × decoded bytes",
            f"{result['kura_memory_multiple']:.2f}",
            f"{result['vips_memory_multiple']:.2f}",
            "",
            f"≤ {TARGET_MEMORY_MULTIPLE:.2f}  {_verdict(t['memory_multiple_met'])}",
        ),
        ("ru_maxrss (MB)", f"{k['maxrss_mb']:.1f}", f"{v['maxrss_mb']:.1f}", "", ""),
        ("tiles (.jpg files)", f"{k['tiles']:.0f}", f"{v['tiles']:.0f}", "", ""),
        ("JPEG bytes (MB)", f"{k['tile_mb']:.1f}", f"{v['tile_mb']:.1f}", "", ""),
        ("  of which full/max", f"{k['full_max_mb']:.1f}", f"{v['full_max_mb']:.1f}", "", ""),
        ("sync after (s, untimed)", f"{k['sync_s']:.2f}", f"{v['sync_s']:.2f}", "", ""),
        (
            "other processes' CPU (s)",
            f"{k['other_cpu_s']:.2f}",
            f"{v['other_cpu_s']:.2f}",
            "",
            "~0",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    print(
        f"  Kura inside its process (medians): decode {k['decode_s']:.2f} s "
        f"[{k['decoder']}], pyramid {k['pyramid_s']:.2f} s, imports {k['import_s']:.2f} s; "
        f"start-up/exit/rest {k['rest_s']:.2f} s"
    )


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def _fs_type(folder: Path) -> str:
    """The type of the file system ``folder`` is on (from /proc/self/mounts)."""
    folder.mkdir(parents=True, exist_ok=True)
    best, kind = "", "?"
    with open("/proc/self/mounts", encoding="utf-8") as fh:
        for line in fh:
            _, mount, fstype = line.split()[:3]
            inside = f"{folder.resolve()}/".startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > len(best):
                best, kind = mount, fstype
    return kind


def _kura_code() -> dict[str, str]:
    """A short digest of each Kura source file the run depends on (the code changes often)."""
    root = HERE.parent
    names = ["ingest/pyramid.py", "ingest/pixels.py", "ingest/images.py", "manifests/tiles.py"]
    names.append("archive/store.py")
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest()[:12]
        for name in names
        if (root / name).exists()
    }


def _vips_version() -> str:
    done = subprocess.run([VIPS, "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Kura's level-0 tiler against libvips dzsave (see bench/README.md)."
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per tool and source (5)")
    parser.add_argument("--size", type=_size, default=(12000, 9000), help="scan size (12000x9000)")
    parser.add_argument("--quality", type=int, default=90, help="tile JPEG quality (90)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="Kura workers (os.cpu_count())"
    )
    parser.add_argument("--keep", action="store_true", help="keep the last output trees")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--tmpfs", action="store_true", help="write the trees to /dev/shm instead of bench/out"
    )
    where.add_argument(
        "--trees",
        type=Path,
        metavar="DIR",
        help="write the trees in DIR/kura-bench-trees instead of bench/out/trees",
    )
    parser.add_argument(
        "--vips-subsample",
        choices=("on", "auto"),
        default="on",
        help="libvips chroma subsampling: 'on' = 4:2:0 like Pillow (default); 'auto' = "
        "libvips's default, which turns it off (4:4:4) at Q ≥ 90",
    )
    parser.add_argument(
        "--sampler-duty",
        type=float,
        default=SAMPLER_DUTY,
        help="largest share of one CPU the memory sampler may use (0.10)",
    )
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for other processes to go quiet (60; 0: no)",
    )
    parser.add_argument(
        "--settle-wait",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="wait at most this long for file creation in the trees' folder to cost its "
        "usual (300)",
    )
    parser.add_argument(
        "--sources", default="JPEG,TIFF", help="which sources, comma-separated (JPEG,TIFF)"
    )
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not 0 < args.sampler_duty <= 1:
        parser.error("--sampler-duty must be in (0, 1]")

    width, height = args.size
    decoded_bytes = width * height * 3
    sources = ensure_sources(args.size)
    chosen = [s.strip().upper() for s in args.sources.split(",") if s.strip()]
    if not chosen or set(chosen) - set(sources):
        parser.error("--sources takes JPEG and/or TIFF")
    if args.tmpfs:
        args.trees = TMPFS
    if args.trees:  # our own folder inside DIR: DIR itself is never deleted
        trees = args.trees.resolve() / "kura-bench-trees"
        tag = "tmpfs" if args.tmpfs else "-".join(trees.parent.parts[1:]) or "root"
        report = OUT / f"tiling-{tag}.json"
    else:
        trees, report = OUT / "trees", OUT / "tiling.json"
    if args.vips_subsample != "on":  # not comparable with the default results: keep apart
        report = report.with_name(f"{report.stem}-vips-{args.vips_subsample}.json")
    where = f"{trees} ({_fs_type(trees.parent)})"
    results = {
        "config": {
            "size": [width, height],
            "quality": args.quality,
            "tile": TILE,
            "sizes_max": SIZES_MAX,
            "kura_workers": args.workers,
            "runs": args.runs,
            "trees": where,
            "vips_subsample": args.vips_subsample,
            "sample_interval_s": SAMPLE_INTERVAL_S,
            "sampler_duty": args.sampler_duty,
            "quiet_wait_s": args.quiet_wait,
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "kernel": platform.release(),
            "python": platform.python_version(),
            "pillow": PIL.__version__,
            "vips": _vips_version(),
        },
        "kura_code": _kura_code(),
        "targets": {
            "kura_wall_over_vips_max": TARGET_WALL_RATIO,
            "kura_peak_memory_over_decoded_bytes_max": TARGET_MEMORY_MULTIPLE,
        },
        "sources": {},
    }
    if trees.exists():  # left by --keep or an interrupted run
        print(f"deleting the old trees in {trees} (not timed)…", flush=True)
        shutil.rmtree(trees)
    trees.mkdir(parents=True)
    try:
        begun = time.perf_counter()
        ratios = settle(trees, args.settle_wait)
        results["config"]["settle"] = {
            "waited_s": time.perf_counter() - begun,
            "cost_over_tmpfs": ratios,
        }
        if ratios and ratios[-1] > SETTLED_RATIO:
            print(
                f"WARNING: creating files in {trees} still costs {ratios[-1]:.0f}× tmpfs "
                f"after {args.settle_wait:.0f} s; the disk figures will be slow and noisy",
                flush=True,
            )
        elif len(ratios) > 1:
            print(f"  settled after {time.perf_counter() - begun:.0f} s", flush=True)
        for label in chosen:
            print(f"{label}: {sources[label]}", flush=True)
            results["sources"][label] = bench_source(
                label, sources[label], args, trees, decoded_bytes
            )
    finally:
        if not args.keep:
            print(f"deleting the trees in {trees} (not timed)…", flush=True)
            shutil.rmtree(trees, ignore_errors=True)
    for label, result in results["sources"].items():
        print_table(label, result, args.runs, where)
    report.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    every_run = [
        r for res in results["sources"].values() for runs in res["runs"].values() for r in runs
    ]
    busy = max(r["sampler_busy_s"] / r["wall_s"] for r in every_run)
    period = {
        tool: statistics.median(r["wall_s"] / r["samples"] for r in every_run if r["tool"] == tool)
        for tool in ("kura", "vips")
    }
    print(
        f"\nmemory sampler: one sample every {period['kura'] * 1000:.0f} ms (Kura) / "
        f"{period['vips'] * 1000:.0f} ms (libvips) on median, busy ≤ {busy * 100:.0f}% of one CPU"
        f"\nresults in {report}"
    )
    noisy = [r for r in every_run if r["other_cpu_s"] > NOISY_SHARE * r["wall_s"] * CPUS]
    if noisy:
        print(
            f"WARNING: in {len(noisy)} of {len(every_run)} runs other processes used more than "
            f"{NOISY_SHARE:.0%} of the machine's CPU; the wall times are not trustworthy: "
            "re-run on a quiet machine"
        )
    if args.keep:
        print(f"output trees kept in {trees}")


if __name__ == "__main__":
    main()
