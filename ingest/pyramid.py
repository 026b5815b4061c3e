"""Write a IIIF level-0 tile pyramid for one page into a tree of the store.

Pixels are a ``(height, width, channels)`` uint8 array (3 channels RGB or 1 grey) — 3 bytes a
pixel, where Pillow keeps 4 — so a 600-megapixel map needs 1.8 GB, not 2.4. The pyramid is
built by successive halving: each level is the previous one reduced by a 2×2 box average
(the same numbers as Pillow's ``reduce(2)``), and every file of a level is a view of that
level, encoded by libjpeg-turbo (simplejpeg) straight from the array. The source is decoded
once and never re-scaled per tile.

Encoding, halving and store writes all release the GIL, so ``workers`` threads share one
copy of the pixels: each level's files and the strips of the next level are tasks of one
thread pool, and a level is dropped as soon as its tasks are done.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import simplejpeg
from PIL import Image

from archive.store import TreeWriter
from ingest import native
from ingest.memory import new_pixels, release_rows
from ingest.pixels import JpegPage, JpegRows, JpegStreamError, TiffRows, jpeg_streaming
from manifests.tiles import TileFile, info_json, pyramid_files, scale_factors

HALVING_STRIP = 128  # output rows per halving task (one band of 256 rows in)
TILES_PER_TASK = 8  # tiles of a band encoded by one task: fewer tasks, less overhead
# a file that is a whole level this big or bigger is encoded band by band (see _encode_streamed)
STREAM_MIN_BYTES = 16 * 2**20


@dataclass(frozen=True)
class PyramidResult:
    width: int
    height: int
    sizes: list[tuple[int, int]]
    paths: list[str]  # every file written (relative to the tree), info.json last
    # {path: [sha256, size]} of every file as written: the tree's fixity, hashed by the
    # threads that encode the files instead of reading the whole tree back afterwards
    files: dict[str, list] = field(default_factory=dict)


class _Hashing:
    """The tree writer, recording the sha256 and size of every file written through it."""

    def __init__(self, tree: TreeWriter) -> None:
        self.tree = tree
        self.files: dict[str, list] = {}

    def put(self, path: str, data: bytes | memoryview) -> None:
        digest = hashlib.sha256(data).hexdigest()  # releases the GIL, like the encoding
        self.tree.put(path, data)
        self.files[path] = [digest, memoryview(data).nbytes]


def as_pixels(image: Image.Image | np.ndarray) -> np.ndarray:
    """A Pillow image (RGB or L) or an array as the ``(h, w, c)`` uint8 array the tiler uses."""
    if isinstance(image, Image.Image):
        if image.mode not in ("RGB", "L"):
            raise ValueError(f"expected an RGB or L image, got {image.mode}")
        image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError(f"expected uint8 pixels, got {image.dtype} {image.shape}")
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.shape[2] not in (1, 3):
        raise ValueError(f"expected 1 or 3 channels, got {image.shape[2]}")
    return image


def encode_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of a (possibly strided) view; 4:2:0 chroma like Pillow's default."""
    grey = pixels.shape[2] == 1
    return simplejpeg.encode_jpeg(
        pixels,
        quality=quality,
        colorspace="GRAY" if grey else "RGB",
        colorsubsampling="Gray" if grey else "420",
    )


def _halve_rows(src: np.ndarray, dst: np.ndarray, y0: int, y1: int) -> None:
    """Rows ``y0:y1`` of ``dst`` = 2×2 box averages of ``src``, the numbers of Pillow's
    ``reduce(2)`` (an odd last row or column averages the pixels it has): in one pass by
    ``ingest.native.halve`` where it is built, else by Pillow on the strip of ``src`` they
    come from (which costs only the strip's rows of memory in Pillow's 4-bytes-a-pixel
    layout, and two copies)."""
    strip = src[2 * y0 : 2 * y1]
    if native.halve(strip, dst[y0:y1]):
        return
    grey = src.shape[2] == 1
    reduced = Image.fromarray(strip[:, :, 0] if grey else strip).reduce(2)
    dst[y0:y1] = np.asarray(reduced).reshape(y1 - y0, dst.shape[1], dst.shape[2])


def _put(level: np.ndarray, f: TileFile, tree: TreeWriter, quality: int) -> None:
    left, upper, right, lower = f.box
    pixels = level[upper:lower, left:right]
    if f.resize is not None:  # a client's thumbnail width (small: from a small level)
        grey = pixels.shape[2] == 1
        image = Image.fromarray(np.ascontiguousarray(pixels[:, :, 0] if grey else pixels))
        resized = np.asarray(image.resize(f.resize, Image.Resampling.LANCZOS))
        pixels = resized.reshape(f.resize[1], f.resize[0], pixels.shape[2])
    tree.put(f.path, encode_jpeg(pixels, quality))


def _put_all(level: np.ndarray, files: list[TileFile], tree: TreeWriter, quality: int) -> None:
    for f in files:
        _put(level, f, tree, quality)


def _is_full_image(f: TileFile, width: int, height: int) -> bool:
    return f.scale == 1 and f.box == (0, 0, width, height) and f.size == (width, height)


def write_pyramid(
    image: Image.Image | np.ndarray | JpegPage | TiffRows,
    tree: TreeWriter,
    service_id: str,
    *,
    tile: int = 256,
    sizes_max: int = 1024,
    quality: int = 85,
    workers: int = 1,
    source_jpeg: bytes | None = None,
) -> PyramidResult:
    """Write every file of the level-0 tree of ``image`` into ``tree`` (see ``Store.tree``),
    ``info.json`` last. Pass the pixels without keeping a reference, and each level's memory
    is given back as soon as the next one is made.

    A ``JpegPage`` is decoded here: band by band by libjpeg's scanline decoder where it was
    built (``JpegRows``: the tiles of the top are encoded while the rest decodes), else at
    full and at half size at once (see its doc), the half-size level and those below tiled
    while the full size is still decoding.

    ``source_jpeg``: the JPEG these pixels were decoded from, fit to publish as it is (see
    ``ingest.pixels.source_jpeg``). When ``full/max`` is the whole image at full size it is
    that JPEG, not a re-encoding: no second generation of JPEG loss, and the largest encode
    of the tree saved.

    The result's ``files`` is the tree's fixity, ``{path: [sha256, size]}`` of every file as
    it was written (hashed in the threads that encode them), so nobody reads the tree back."""
    tree = _Hashing(tree)
    if isinstance(image, (JpegPage, TiffRows)):
        width, height = image.width, image.height
    else:
        image = as_pixels(image)
        height, width = image.shape[:2]
    by_scale: dict[int, list[TileFile]] = defaultdict(list)
    for f in pyramid_files(width, height, tile, sizes_max):
        by_scale[f.scale].append(f)
    # biggest first: the long full/max encode starts while the tiles are shared out
    for files in by_scale.values():
        files.sort(key=lambda f: -(f.size[0] * f.size[1]))
    factors = scale_factors(width, height, tile)
    whole = [f.path for f in by_scale[1] if _is_full_image(f, width, height)]
    written = set(whole) if source_jpeg is not None else set()
    levels = _Levels(by_scale, tree, quality, tile, written)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="kura-tile") as pool:
        # the pool's first tasks, while the pixels start decoding; the bytes are let go as
        # soon as they are written, not held while tiling
        first = [pool.submit(tree.put, path, source_jpeg) for path in written]
        del source_jpeg
        streamed = False
        if isinstance(image, JpegPage) and jpeg_streaming():
            rows = JpegRows(image)
            rows.start()
            try:  # tiled band by band as the rows are decoded
                levels.write(pool, rows.pixels, factors, ready=rows.wait)
                streamed = True
            except JpegStreamError:  # corrupt data: again, the careful way (every file anew)
                pass
            del rows
        if streamed:
            pass
        elif isinstance(image, JpegPage) and len(factors) > 1:
            full = pool.submit(image.full)
            half = pool.submit(image.half).result()
            del image
            if half is not None:  # below full size first, while the full size decodes
                levels.write(pool, half, factors[1:])
                del half
                levels.write(pool, full.result(), factors[:1], halve=False)
            else:
                levels.write(pool, full.result(), factors)
            del full
        elif isinstance(image, TiffRows):  # tiled band by band as the rows are read
            image.start()
            pixels, ready = image.pixels, image.wait
            del image
            levels.write(pool, pixels, factors, ready=ready)
        else:
            pixels = image.full() if isinstance(image, JpegPage) else image
            del image
            levels.write(pool, pixels, factors)

    for done in first:
        done.result()  # its error, if it failed (the pool has finished by now)
    info = info_json(service_id, width, height, tile, sizes_max)
    tree.put("info.json", json.dumps(info, indent=2).encode())
    paths = [f.path for fs in by_scale.values() for f in fs]
    paths.append("info.json")
    sizes = [(s["width"], s["height"]) for s in info["sizes"]]
    return PyramidResult(width, height, sizes, paths, tree.files)


def _when_ready(ready: Callable[[int], None], rows: int, fn: Callable, args: tuple) -> None:
    ready(rows)
    fn(*args)


class _Levels:
    """Writes the files of successive levels. A level's files and the halving into the next
    level are tasks of one pool, handed out band by band (a band: one row of tiles), and a
    band's rows are given back to the system as soon as every task reading them is done
    (see ``ingest.memory``), so a level shrinks while the next one grows."""

    def __init__(
        self,
        by_scale: dict[int, list[TileFile]],
        tree: TreeWriter,
        quality: int,
        tile: int,
        written: set[str],
    ) -> None:
        self.by_scale, self.tree, self.quality = by_scale, tree, quality
        self.tile, self.written = tile, written

    def write(
        self,
        pool: ThreadPoolExecutor,
        level: np.ndarray,
        scales: list[int],
        halve: bool = True,
        ready: Callable[[int], None] | None = None,
    ) -> None:
        """The files of ``scales`` (successive factors, ``level`` being the first one's).
        ``ready(rows)``, if given, blocks until the first level's top ``rows`` are filled."""
        for i, scale in enumerate(scales):
            next_level = None
            if halve and i + 1 < len(scales):
                h, w, c = level.shape
                next_level = new_pixels((h + 1) // 2, (w + 1) // 2, c)
            self._level(pool, level, scale, next_level, ready if i == 0 else None)
            level = next_level

    def _level(
        self,
        pool: ThreadPoolExecutor,
        level: np.ndarray,
        scale: int,
        next_level: np.ndarray | None,
        ready: Callable[[int], None] | None,
    ) -> None:
        rows, tile = level.shape[0], self.tile
        n_bands = -(-rows // tile)
        whole: list[tuple] = []  # (function, args) of tasks reading more than one band
        bands: list[list[tuple]] = [[] for _ in range(n_bands)]  # tasks reading one band
        streamed: list[TileFile] = []  # the whole level, encoded band by band as it comes
        band_files: list[list[TileFile]] = [[] for _ in range(n_bands)]
        for f in self.by_scale[scale]:
            if f.path in self.written:
                continue
            first, last = f.box[1] // tile, (f.box[3] - 1) // tile
            if first == last:
                band_files[first].append(f)
            elif self._streamable(f, level):
                streamed.append(f)
            else:
                whole.append((_put, (level, f, self.tree, self.quality), f.box[3]))
        for b, files in enumerate(band_files):  # a few tiles a task
            for i in range(0, len(files), TILES_PER_TASK):
                chunk = files[i : i + TILES_PER_TASK]
                needs = max(f.box[3] for f in chunk)
                bands[b].append((_put_all, (level, chunk, self.tree, self.quality), needs))
        if next_level is not None:
            for y in range(0, next_level.shape[0], HALVING_STRIP):
                y1 = min(next_level.shape[0], y + HALVING_STRIP)
                first, last = 2 * y // tile, (min(2 * y1, rows) - 1) // tile
                task = (_halve_rows, (level, next_level, y, y1), min(2 * y1, rows))
                (bands[first] if first == last else whole).append(task)

        # how many tasks still read each band; a band with none left is given back
        pending = [len(tasks) + len(whole) + len(streamed) for tasks in bands]
        lock = threading.Lock()

        def band_done(b: int) -> None:
            with lock:
                pending[b] -= 1
                free = pending[b] == 0
            if free:
                release_rows(level, b * tile, min(rows, (b + 1) * tile))

        def done(touched: range) -> Callable[[Future], None]:
            def callback(_: Future) -> None:
                for b in touched:
                    band_done(b)

            return callback

        def submit(fn: Callable, args: tuple, needs: int, touched: range) -> None:
            if ready is None:
                futures.append(pool.submit(fn, *args))
            else:  # rows still being read: the task waits for the ones it reads
                futures.append(pool.submit(_when_ready, ready, needs, fn, args))
            futures[-1].add_done_callback(done(touched))

        futures: list[Future] = []
        # a whole-level file in a thread of its own, band by band as the rows come
        stop = threading.Event()
        own = ThreadPoolExecutor(max_workers=max(1, len(streamed)), thread_name_prefix="kura-full")
        shared = (self.tree, self.quality, tile, ready, band_done, stop)
        encoders = [own.submit(_encode_streamed, level, f, *shared) for f in streamed]
        every = range(n_bands)
        # the big whole-level encodes first: they take longest, and no band is given back
        # before they are done (with rows still being read, one worker waits for them)
        for fn, args, needs in whole:
            submit(fn, args, needs, every)
        for b, tasks in enumerate(bands):
            for fn, args, needs in tasks:
                submit(fn, args, needs, range(b, b + 1))
        try:
            for future in (*futures, *encoders):
                future.result()
        except BaseException:
            stop.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            own.shutdown(wait=True)  # nothing written behind the caller's back

    def _streamable(self, f: TileFile, level: np.ndarray) -> bool:
        """Whether ``f`` (more than one band) is the whole of a big level at its own size,
        which ``native.JpegEncoder`` writes band by band (where it is built). Small levels
        are encoded in one call, like their tiles."""
        h, w = level.shape[:2]
        whole = f.box == (0, 0, w, h) and f.size == (w, h)
        return whole and level.nbytes >= STREAM_MIN_BYTES and native.JpegEncoder.available()


def _encode_streamed(
    level: np.ndarray,
    f: TileFile,
    tree: TreeWriter,
    quality: int,
    tile: int,
    ready: Callable[[int], None] | None,
    band_done: Callable[[int], None],
    stop: threading.Event,
) -> None:
    """Write ``f``, the whole of ``level`` (``full/max`` of a scan that is not a JPEG), band
    by band, top to bottom, as the rows come: each band is given back (``band_done``) as
    soon as it is encoded instead of the whole level being held for one call to encode it."""
    h, w, c = level.shape
    with native.JpegEncoder(w, h, c, quality) as encoder:
        for b, y0 in enumerate(range(0, h, tile)):
            if stop.is_set():
                return
            y1 = min(h, y0 + tile)
            if ready is not None:
                ready(y1)
            encoder.write(level[y0:y1])
            band_done(b)
        tree.put(f.path, encoder.finish())
