"""IIIF Image API 3.0 level-0 tile arithmetic: pure functions, no images, no files.

A level-0 server answers only the URLs it wrote in advance, so the tiler must write exactly
the URLs that clients build from ``info.json``. Clients follow OpenSeadragon's IIIF tile
source; for every scale factor ``s`` (level size ``ceil(W/s) × ceil(H/s)``):

- a level smaller than one tile in both directions is fetched whole: ``full/{w},{h}/0/default.jpg``
  (``full/max/…`` when it is the full image);
- otherwise tile ``(x, y)`` covers region ``x·t·s, y·t·s`` of at most ``t·s`` full-size pixels
  and is delivered at ``min(t, levelW − x·t) × min(t, levelH − y·t)`` pixels; a region that is
  the whole image is written ``full`` and a size that is the whole image ``max`` (the canonical
  forms) — so a level exactly one tile wide is ``full/{t},{h}/0/default.jpg``.

``sizes`` lists the whole-image sizes we also write, and ``full/max`` is always written.
``full/{w},`` is also written for the thumbnail widths some clients ask for whatever ``sizes``
lists (``CLIENT_WIDTHS``). A JPEG
cannot be wider or taller than 65,500 pixels, so for a longer image ``max`` is the largest
level within that limit and info.json says so with ``maxWidth``/``maxHeight``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

QUALITY_PATH = "0/default.jpg"
JPEG_MAX_SIDE = 65500  # libjpeg's JPEG_MAX_DIMENSION
# Thumbnail widths that IIIF clients request from any image service as ``full/{w},`` without
# reading ``sizes``: Universal Viewer 4.4 (90 in its two-column thumbnails, 200 in one column
# and in its gallery; manifesto's getCanonicalImageUri), Clover 3 (150 and 200 when a canvas
# has no thumbnail of its own). Each is a few KB; a level-0 tree answers nothing it lacks.
CLIENT_WIDTHS = (90, 150, 200)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def scale_factors(width: int, height: int, tile: int) -> list[int]:
    """Powers of two from 1 up to the first at which the whole level fits in one tile."""
    factors = [1]
    while ceil_div(width, factors[-1]) > tile or ceil_div(height, factors[-1]) > tile:
        factors.append(factors[-1] * 2)
    return factors


def level_size(width: int, height: int, scale: int) -> tuple[int, int]:
    """Pixel size of the image reduced by ``scale`` (what successive halving produces)."""
    return ceil_div(width, scale), ceil_div(height, scale)


def max_scale(width: int, height: int) -> int:
    """The scale of the image ``full/max`` delivers: 1 unless a side exceeds JPEG's limit."""
    scale = 1
    while ceil_div(width, scale) > JPEG_MAX_SIDE or ceil_div(height, scale) > JPEG_MAX_SIDE:
        scale *= 2
    return scale


def listed_sizes(width: int, height: int, tile: int, sizes_max: int) -> list[tuple[int, int]]:
    """The ``sizes`` of info.json, smallest first: every level whose long side is at most
    ``max(sizes_max, tile)`` (so every level a client fetches whole is always listed)."""
    limit = max(sizes_max, tile)
    sizes = []
    for scale in scale_factors(width, height, tile):
        w, h = level_size(width, height, scale)
        if max(w, h) <= limit:
            sizes.append((w, h))
    return sorted(set(sizes))


@dataclass(frozen=True)
class TileFile:
    """One file of the level-0 tree: ``path`` under the image service, made by cropping
    ``box`` (left, upper, right, lower) out of the image reduced by ``scale``."""

    scale: int
    box: tuple[int, int, int, int]
    path: str
    resize: tuple[int, int] | None = None  # the crop then resized to this (CLIENT_WIDTHS)

    @property
    def size(self) -> tuple[int, int]:
        if self.resize is not None:
            return self.resize
        return self.box[2] - self.box[0], self.box[3] - self.box[1]


def _size_segment(w: int, h: int, width: int, height: int) -> str:
    return "max" if (w, h) == (width, height) else f"{w},{h}"


def tile_files(width: int, height: int, tile: int) -> Iterator[TileFile]:
    """Every URL an OpenSeadragon-style client requests, for every scale factor."""
    for scale in scale_factors(width, height, tile):
        yield from level_tiles(width, height, tile, scale)


def level_tiles(width: int, height: int, tile: int, scale: int) -> Iterator[TileFile]:
    """The tiles a client requests at one scale factor, row by row."""
    lw, lh = level_size(width, height, scale)
    if lw < tile and lh < tile:
        size = _size_segment(lw, lh, width, height)
        yield TileFile(scale, (0, 0, lw, lh), f"full/{size}/{QUALITY_PATH}")
        return
    span = tile * scale
    for ty in range(ceil_div(lh, tile)):
        for tx in range(ceil_div(lw, tile)):
            rx, ry = tx * span, ty * span
            rw, rh = min(span, width - rx), min(span, height - ry)
            sw, sh = min(tile, lw - tx * tile), min(tile, lh - ty * tile)
            full = (rx, ry, rw, rh) == (0, 0, width, height)
            region = "full" if full else f"{rx},{ry},{rw},{rh}"
            size = _size_segment(sw, sh, width, height)
            box = (tx * tile, ty * tile, tx * tile + sw, ty * tile + sh)
            yield TileFile(scale, box, f"{region}/{size}/{QUALITY_PATH}")


def size_files(width: int, height: int, tile: int, sizes_max: int) -> Iterator[TileFile]:
    """``full/w,h`` for every listed size, and ``full/max``."""
    for w, h in listed_sizes(width, height, tile, sizes_max):
        scale = next(
            s for s in scale_factors(width, height, tile) if level_size(width, height, s) == (w, h)
        )
        yield TileFile(scale, (0, 0, w, h), f"full/{w},{h}/{QUALITY_PATH}")
    scale = max_scale(width, height)
    yield TileFile(scale, (0, 0, *level_size(width, height, scale)), f"full/max/{QUALITY_PATH}")


def client_width_height(width: int, height: int, w: int) -> tuple[int, int]:
    """The size of ``full/{w},``: ``w`` wide, the height in proportion (Image API 3.0 §4.2)."""
    return w, max(1, round(height * w / width))


def client_size_files(width: int, height: int, tile: int) -> Iterator[TileFile]:
    """``full/{w},`` for each of ``CLIENT_WIDTHS`` narrower than the image: the smallest
    level at least ``w`` wide, resized to ``w`` wide (no upscaling; never ``full/max``)."""
    factors = scale_factors(width, height, tile)
    for w in CLIENT_WIDTHS:
        if w >= width:
            continue
        scale = max(s for s in factors if ceil_div(width, s) >= w)
        lw, lh = level_size(width, height, scale)
        size = client_width_height(width, height, w)
        resize = None if size == (lw, lh) else size
        yield TileFile(scale, (0, 0, lw, lh), f"full/{w},/{QUALITY_PATH}", resize)


def pyramid_files(width: int, height: int, tile: int, sizes_max: int) -> list[TileFile]:
    """The complete level-0 tree (without info.json), each path once, by scale then path."""
    files: dict[str, TileFile] = {}
    for f in (
        *tile_files(width, height, tile),
        *size_files(width, height, tile, sizes_max),
        *client_size_files(width, height, tile),
    ):
        files.setdefault(f.path, f)
    return sorted(files.values(), key=lambda f: (f.scale, f.box[1], f.box[0], f.path))


def info_json(service_id: str, width: int, height: int, tile: int, sizes_max: int) -> dict:
    """The Image API 3.0 ``info.json`` of a level-0 service."""
    info = {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": service_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": width,
        "height": height,
        "sizes": [
            {"width": w, "height": h} for w, h in listed_sizes(width, height, tile, sizes_max)
        ],
        "tiles": [
            {"width": tile, "height": tile, "scaleFactors": scale_factors(width, height, tile)}
        ],
    }
    if (scale := max_scale(width, height)) > 1:
        info["maxWidth"], info["maxHeight"] = level_size(width, height, scale)
    return info
