"""Write a IIIF level-0 tile pyramid for one page image into the store.

The pyramid is built by successive halving: each level is the previous one reduced by 2
(a 2×2 box average), and every file of a level is a crop of that level — the source is
decoded once and never re-scaled per tile. With ``workers > 1`` the full-resolution level is
shared with forked children (copy-on-write, no copy of the pixels) that encode part of its
tiles and ``full/max`` while the parent carries on down the pyramid.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image

from archive.store import TreeWriter
from ingest.tiles import TileFile, info_json, pyramid_files, scale_factors


@dataclass(frozen=True)
class PyramidResult:
    width: int
    height: int
    sizes: list[tuple[int, int]]
    paths: list[str]  # every file written (relative to the tree), info.json last


def _write_files(
    level: Image.Image, files: Sequence[TileFile], tree: TreeWriter, quality: int
) -> None:
    """Encode ``files`` from ``level`` here; store writes (mkdir, write, rename: system calls
    that release the GIL) overlap with encoding in a small thread pool."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kura-put") as pool:
        pending = []
        for f in files:
            whole = f.box == (0, 0, level.width, level.height)
            buf = io.BytesIO()
            (level if whole else level.crop(f.box)).save(buf, "JPEG", quality=quality)
            pending.append(pool.submit(tree.put, f.path, buf.getbuffer()))
            if len(pending) >= 256:
                for done in pending:
                    done.result()
                pending.clear()
        for done in pending:
            done.result()


def _fork_writer(
    level: Image.Image, files: Sequence[TileFile], tree: TreeWriter, quality: int
) -> int:
    """Encode ``files`` in a forked child sharing ``level``; returns the child's pid."""
    pid = os.fork()
    if pid == 0:  # child: never returns into the caller's code
        code = 1
        try:
            _write_files(level, files, tree, quality)
            code = 0
        except BaseException as exc:
            sys.stderr.write(f"tile writer failed: {exc}\n")
        finally:
            os._exit(code)
    return pid


def _wait(pids: list[int]) -> None:
    failed = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            failed += 1
    if failed:
        raise OSError(f"{failed} tile writer process(es) failed")


def _split_for_workers(
    files: list[TileFile], workers: int
) -> tuple[list[TileFile], list[list[TileFile]]]:
    """Share out the full-resolution files: ``full/max`` (one long encode) goes to the first
    child with less than an even share of tiles; the parent keeps the first share, since it
    must also build the rest of the pyramid."""
    if workers <= 1:
        return files, []
    big = [f for f in files if f.path.startswith("full/max/")]
    tiles = [f for f in files if not f.path.startswith("full/max/")]
    shares: list[list[TileFile]] = [[] for _ in range(workers)]
    # Costs in "pixels of tile encoding" (measured with libjpeg-turbo): one full-size JPEG
    # encode costs ~0.55 of tiling the same area; reducing and tiling the smaller levels,
    # which the parent does afterwards, ~0.95 of tiling the full level.
    load = [0.0] * workers
    load[0] = 0.95 * sum(f.size[0] * f.size[1] for f in tiles)
    for f in big:
        i = min(range(1, workers), key=lambda k: load[k])
        shares[i].append(f)
        load[i] += 0.55 * f.size[0] * f.size[1]
    for f in tiles:  # tiles come row by row; hand out contiguous runs to keep locality
        i = min(range(workers), key=lambda k: load[k])
        shares[i].append(f)
        load[i] += f.size[0] * f.size[1]
    return shares[0], shares[1:]


def write_pyramid(
    image: Image.Image,
    tree: TreeWriter,
    service_id: str,
    *,
    tile: int = 256,
    sizes_max: int = 1024,
    quality: int = 85,
    workers: int = 1,
) -> PyramidResult:
    """Write every file of the level-0 tree of ``image`` into ``tree`` (see ``Store.tree``),
    ``info.json`` last."""
    width, height = image.size
    by_scale: dict[int, list[TileFile]] = defaultdict(list)
    for f in pyramid_files(width, height, tile, sizes_max):
        by_scale[f.scale].append(f)

    children: list[int] = []
    level = image
    try:
        for scale in scale_factors(width, height, tile):
            if scale > 1:
                level = level.reduce(2)
            files = by_scale.get(scale, [])
            if scale == 1 and workers > 1:
                mine, shares = _split_for_workers(files, workers)
                children = [_fork_writer(level, share, tree, quality) for share in shares if share]
                files = mine
            _write_files(level, files, tree, quality)
    finally:
        _wait(children)

    info = info_json(service_id, width, height, tile, sizes_max)
    tree.put("info.json", json.dumps(info, indent=2).encode())
    paths = [f.path for fs in by_scale.values() for f in fs]
    paths.append("info.json")
    sizes = [(s["width"], s["height"]) for s in info["sizes"]]
    return PyramidResult(width, height, sizes, paths)
