"""manifests.tiles: IIIF Image API 3.0 level-0 tile arithmetic, with no images.

The expected paths below are worked out by hand, and the property tests check the tree
against an independent model of what OpenSeadragon's ``IIIFTileSource`` requests (written
here from its ``getTileUrl``, not from ``manifests.tiles``): a level-0 server can only answer
the URLs it wrote in advance, so every URL a viewer builds from ``info.json`` must be there.
"""

from __future__ import annotations

import math
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifests.tiles import (
    TileFile,
    client_size_files,
    info_json,
    level_size,
    listed_sizes,
    max_scale,
    pyramid_files,
    scale_factors,
    size_files,
    tile_files,
)

Q = "0/default.jpg"


# --------------------------------------------------------------------------------------
# An independent model of OpenSeadragon's IIIFTileSource (IIIF 3, level 0, one tile size)


def js_round(value: float) -> int:
    """JavaScript's Math.round: halves go up (Python's round() goes to even)."""
    return math.floor(value + 0.5)


def osd_level_sizes(info: dict) -> list[tuple[int, int]] | None:
    """The ``sizes`` list when OSD uses it as the level sizes (its ``levelSizes``), else None.

    OSD sorts ``sizes`` by width (a stable sort), appends the full size when the last one is
    smaller in both directions, and uses the list only if it has one entry per level and,
    when there are as many scale factors, ``round(W / w) == round(H / h) == factor`` for each.
    """
    width, height = info["width"], info["height"]
    factors = info["tiles"][0]["scaleFactors"]
    max_level = js_round(math.log2(max(factors)))
    sizes = info.get("sizes")
    if not sizes:
        return None
    ordered = [(s["width"], s["height"]) for s in sorted(sizes, key=lambda s: s["width"])]
    if ordered[-1][0] < width and ordered[-1][1] < height:
        ordered.append((width, height))
    if len(ordered) != max_level + 1:
        return None
    if len(factors) == len(ordered):
        for i, (w, h) in enumerate(ordered):
            factor = factors[len(ordered) - i - 1]
            if js_round(width / w) != factor or js_round(height / h) != factor:
                return None
    return ordered


def osd_requests(info: dict) -> set[str]:
    """Every path (relative to the service id) OSD's getTileUrl builds, at every level."""
    width, height = info["width"], info["height"]
    (tiles,) = info["tiles"]
    tile_w = tiles["width"]
    tile_h = tiles.get("height", tile_w)
    max_level = js_round(math.log2(max(tiles["scaleFactors"])))
    level_sizes = osd_level_sizes(info)
    urls = set()
    for level in range(max_level + 1):
        scale = 0.5 ** (max_level - level)
        if level_sizes:
            level_w, level_h = level_sizes[level]
        else:
            level_w, level_h = math.ceil(width * scale), math.ceil(height * scale)
        if level_w < tile_w and level_h < tile_h:
            whole = (level_w, level_h) == (width, height)
            size = "max" if whole else f"{level_w},{level_h}"
            urls.add(f"full/{size}/{Q}")
            continue
        region_w, region_h = js_round(tile_w / scale), js_round(tile_h / scale)
        for y in range(math.ceil(level_h / tile_h)):
            for x in range(math.ceil(level_w / tile_w)):
                tx, ty = x * region_w, y * region_h
                tw, th = min(region_w, width - tx), min(region_h, height - ty)
                if x == 0 and y == 0 and tw == width and th == height:
                    region = "full"
                else:
                    region = f"{tx},{ty},{tw},{th}"
                size_w = min(tile_w, level_w - x * tile_w)
                size_h = min(tile_h, level_h - y * tile_h)
                whole = (size_w, size_h) == (width, height)
                size = "max" if whole else f"{size_w},{size_h}"
                urls.add(f"{region}/{size}/{Q}")
    return urls


# Thumbnail widths Universal Viewer 4.4 and Clover 3 ask any image service for, as
# ``full/{w},``, whatever its ``sizes`` say (seen in tests/test_iiif_clients.py)
UV_AND_CLOVER_WIDTHS = {90, 150, 200}


def wanted_by_clients(info: dict) -> set[str]:
    """OSD's tiles, every listed size (as ``full/w,h``), ``full/max``, and the thumbnail
    widths of Universal Viewer and Clover (narrower than the image)."""
    sizes = {f"full/{s['width']},{s['height']}/{Q}" for s in info["sizes"]}
    thumbs = {f"full/{w},/{Q}" for w in UV_AND_CLOVER_WIDTHS if w < info["width"]}
    return osd_requests(info) | sizes | {f"full/max/{Q}"} | thumbs


# --------------------------------------------------------------------------------------
# Helpers


def paths(files) -> list[str]:
    return [f.path for f in files]


def at_scale(files, scale: int) -> list[str]:
    return [f.path for f in files if f.scale == scale]


def parse_ints(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    for part in parts:
        # canonical numbers: digits only, no sign, no leading zero
        assert part.isdigit() and str(int(part)) == part, text
    return tuple(int(p) for p in parts)


def check_canonical(path: str, width: int, height: int, *, listed: bool = False) -> None:
    """``path`` is a canonical IIIF 3.0 level-0 request for a ``width``×``height`` image:
    region ``full`` exactly when the region is the whole image, otherwise x,y,w,h inside the
    image; size ``max`` exactly when it is the full size, otherwise w,h (except a ``full/w,h``
    built from a ``sizes`` entry, which may be the full size: ``listed``); rotation 0;
    quality ``default`` as JPEG."""
    region, size, rotation, quality = path.split("/")
    assert rotation == "0" and quality == "default.jpg", path
    if region != "full":
        x, y, w, h = parse_ints(region)
        assert w > 0 and h > 0 and x + w <= width and y + h <= height, path
        assert (x, y, w, h) != (0, 0, width, height), f"{path}: region should be 'full'"
    if size != "max":
        w, h = parse_ints(size)
        assert 0 < w <= width and 0 < h <= height, path
        if not listed:
            assert (w, h) != (width, height), f"{path}: size should be 'max'"


def exact_cover(boxes: list[tuple[int, int, int, int]], width: int, height: int) -> None:
    """The boxes cover ``width``×``height`` exactly once: the x-extents partition
    [0, width), the y-extents partition [0, height), and the boxes are exactly their product,
    each once (and, redundantly, the areas add up)."""
    assert sum((r - left) * (b - top) for left, top, r, b in boxes) == width * height
    assert len(set(boxes)) == len(boxes)
    xs = sorted({(b[0], b[2]) for b in boxes})
    ys = sorted({(b[1], b[3]) for b in boxes})
    for spans, extent in ((xs, width), (ys, height)):
        assert spans[0][0] == 0 and spans[-1][1] == extent
        for (_, end), (start, _) in pairwise(spans):
            assert end == start  # contiguous, no gap and no overlap
    assert {(x0, y0, x1, y1) for x0, x1 in xs for y0, y1 in ys} == set(boxes)


# --------------------------------------------------------------------------------------
# Hand-worked cases


def test_square_1000_tile_256() -> None:
    assert scale_factors(1000, 1000, 256) == [1, 2, 4]
    assert [level_size(1000, 1000, s) for s in (1, 2, 4)] == [(1000, 1000), (500, 500), (250, 250)]
    files = pyramid_files(1000, 1000, 256, 1024)
    # the smallest level, and the thumbnail widths of UV and Clover made from it
    assert at_scale(files, 4) == [f"full/{s}/{Q}" for s in ("150,", "200,", "250,250", "90,")]
    assert {f.path: f.size for f in files if f.path.endswith(f",/{Q}")} == {
        f"full/90,/{Q}": (90, 90),
        f"full/150,/{Q}": (150, 150),
        f"full/200,/{Q}": (200, 200),
    }
    tiles = list(tile_files(1000, 1000, 256))
    assert len([t for t in tiles if t.scale == 1]) == 16
    assert len([t for t in tiles if t.scale == 2]) == 4
    by_path = {f.path: f for f in files}
    assert by_path[f"0,0,256,256/256,256/{Q}"].box == (0, 0, 256, 256)
    assert by_path[f"768,768,232,232/232,232/{Q}"] == TileFile(
        1, (768, 768, 1000, 1000), f"768,768,232,232/232,232/{Q}"
    )
    assert by_path[f"768,0,232,256/232,256/{Q}"].box == (768, 0, 1000, 256)
    assert by_path[f"0,512,512,488/256,244/{Q}"].box == (0, 256, 256, 500)
    assert by_path[f"512,512,488,488/244,244/{Q}"] == TileFile(
        2, (256, 256, 500, 500), f"512,512,488,488/244,244/{Q}"
    )
    assert listed_sizes(1000, 1000, 256, 1024) == [(250, 250), (500, 500), (1000, 1000)]
    assert paths(size_files(1000, 1000, 256, 1024)) == [
        f"full/250,250/{Q}",
        f"full/500,500/{Q}",
        f"full/1000,1000/{Q}",
        f"full/max/{Q}",
    ]
    # full/250,250 is both a level and a size; three thumbnail widths
    assert len(files) == 16 + 4 + 1 + 3 + 3


def test_level_exactly_one_tile_wide_is_a_tile_not_a_whole_image_request() -> None:
    # 512×100: at scale 2 the level is 256×50, not smaller than a tile in width, so OSD
    # asks for it as a tile whose region is the whole image: full/256,50.
    assert scale_factors(512, 100, 256) == [1, 2]
    assert paths(tile_files(512, 100, 256)) == [
        f"0,0,256,100/256,100/{Q}",
        f"256,0,256,100/256,100/{Q}",
        f"full/256,50/{Q}",
    ]
    assert f"full/256,50/{Q}" in paths(pyramid_files(512, 100, 256, 0))
    assert listed_sizes(512, 100, 256, 0) == [(256, 50)]


def test_image_exactly_one_tile_wide_is_full_max() -> None:
    assert scale_factors(256, 100, 256) == [1]
    assert paths(tile_files(256, 100, 256)) == [f"full/max/{Q}"]
    assert paths(pyramid_files(256, 100, 256, 1024)) == [
        *(f"full/{w},/{Q}" for w in (150, 200)),
        f"full/256,100/{Q}",
        f"full/90,/{Q}",
        f"full/max/{Q}",
    ]
    assert paths(tile_files(256, 256, 256)) == [f"full/max/{Q}"]


def test_odd_large_image() -> None:
    w, h = 12001, 8999
    assert scale_factors(w, h, 256) == [1, 2, 4, 8, 16, 32, 64]
    assert [level_size(w, h, s) for s in (1, 2, 4, 8, 16, 32, 64)] == [
        (12001, 8999),
        (6001, 4500),
        (3001, 2250),
        (1501, 1125),
        (751, 563),
        (376, 282),
        (188, 141),
    ]
    tiles = list(tile_files(w, h, 256))
    assert len([t for t in tiles if t.scale == 1]) == 47 * 36
    by_path = {t.path: t for t in tiles}
    assert by_path[f"11776,8960,225,39/225,39/{Q}"].box == (11776, 8960, 12001, 8999)
    assert by_path[f"8192,8192,3809,807/120,26/{Q}"].box == (256, 256, 376, 282)
    assert by_path[f"0,0,8192,8192/256,256/{Q}"].scale == 32
    assert at_scale(tiles, 64) == [f"full/188,141/{Q}"]
    assert listed_sizes(w, h, 256, 1024) == [(188, 141), (376, 282), (751, 563)]
    assert listed_sizes(w, h, 256, 0) == [(188, 141)]
    assert listed_sizes(w, h, 256, 2000) == [(188, 141), (376, 282), (751, 563), (1501, 1125)]


def test_257_by_1() -> None:
    assert scale_factors(257, 1, 256) == [1, 2]
    assert paths(tile_files(257, 1, 256)) == [
        f"0,0,256,1/256,1/{Q}",
        f"256,0,1,1/1,1/{Q}",
        f"full/129,1/{Q}",
    ]
    assert listed_sizes(257, 1, 256, 1024) == [(129, 1), (257, 1)]
    assert paths(size_files(257, 1, 256, 1024)) == [
        f"full/129,1/{Q}",
        f"full/257,1/{Q}",
        f"full/max/{Q}",
    ]


def test_one_pixel() -> None:
    assert scale_factors(1, 1, 256) == [1]
    assert paths(tile_files(1, 1, 256)) == [f"full/max/{Q}"]
    assert paths(pyramid_files(1, 1, 256, 1024)) == [f"full/1,1/{Q}", f"full/max/{Q}"]
    assert info_json("http://x/i", 1, 1, 256, 1024)["sizes"] == [{"width": 1, "height": 1}]


def test_very_wide_and_very_tall() -> None:
    assert scale_factors(100000, 1, 256) == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
    tiles = list(tile_files(100000, 1, 256))
    assert len([t for t in tiles if t.scale == 1]) == 391
    assert tiles[390].path == f"99840,0,160,1/160,1/{Q}"
    assert at_scale(tiles, 512) == [f"full/196,1/{Q}"]
    assert at_scale(tiles, 256) == [f"0,0,65536,1/256,1/{Q}", f"65536,0,34464,1/135,1/{Q}"]
    assert listed_sizes(100000, 1, 256, 1024) == [(196, 1), (391, 1), (782, 1)]

    assert scale_factors(1, 300, 256) == [1, 2]
    assert paths(tile_files(1, 300, 256)) == [
        f"0,0,1,256/1,256/{Q}",
        f"0,256,1,44/1,44/{Q}",
        f"full/1,150/{Q}",
    ]


def test_non_square_600_by_257() -> None:
    assert scale_factors(600, 257, 256) == [1, 2, 4]
    tiles = list(tile_files(600, 257, 256))
    assert at_scale(tiles, 1) == [
        f"0,0,256,256/256,256/{Q}",
        f"256,0,256,256/256,256/{Q}",
        f"512,0,88,256/88,256/{Q}",
        f"0,256,256,1/256,1/{Q}",
        f"256,256,256,1/256,1/{Q}",
        f"512,256,88,1/88,1/{Q}",
    ]
    assert at_scale(tiles, 2) == [f"0,0,512,257/256,129/{Q}", f"512,0,88,257/44,129/{Q}"]
    assert at_scale(tiles, 4) == [f"full/150,65/{Q}"]


def test_tile_512() -> None:
    # 1025 / 2 = 512.5 → 513 rows at scale 2: one row more than a tile, so scale 4 is needed
    assert scale_factors(1537, 1025, 512) == [1, 2, 4]
    tiles = list(tile_files(1537, 1025, 512))
    assert at_scale(tiles, 2) == [
        f"0,0,1024,1024/512,512/{Q}",
        f"1024,0,513,1024/257,512/{Q}",
        f"0,1024,1024,1/512,1/{Q}",
        f"1024,1024,513,1/257,1/{Q}",
    ]
    assert at_scale(tiles, 4) == [f"full/385,257/{Q}"]
    assert len(at_scale(tiles, 1)) == 4 * 3


def test_tile_1024() -> None:
    assert scale_factors(2048, 1024, 1024) == [1, 2]
    assert paths(tile_files(2048, 1024, 1024)) == [
        f"0,0,1024,1024/1024,1024/{Q}",
        f"1024,0,1024,1024/1024,1024/{Q}",
        f"full/1024,512/{Q}",
    ]
    assert listed_sizes(2048, 1024, 1024, 0) == [(1024, 512)]
    assert listed_sizes(2048, 1024, 1024, 4096) == [(1024, 512), (2048, 1024)]


@pytest.mark.parametrize(
    ("width", "height", "tile", "sizes_max", "expected"),
    [
        # sizes_max below a tile still lists every level fetched whole (long side <= tile)
        (100000, 1, 256, 0, [(196, 1)]),
        (100000, 1, 256, 100, [(196, 1)]),
        (100000, 1, 256, 391, [(196, 1), (391, 1)]),
        (100000, 1, 256, 390, [(196, 1)]),
        (512, 100, 256, 0, [(256, 50)]),
        (512, 100, 256, 512, [(256, 50), (512, 100)]),
        (1000, 1000, 256, 499, [(250, 250)]),
        (1000, 1000, 256, 500, [(250, 250), (500, 500)]),
        (1537, 1025, 512, 0, [(385, 257)]),
        (1537, 1025, 512, 1024, [(385, 257), (769, 513)]),
    ],
)
def test_sizes_max(width, height, tile, sizes_max, expected) -> None:
    assert listed_sizes(width, height, tile, sizes_max) == expected
    info = info_json("http://x/i", width, height, tile, sizes_max)
    assert [(s["width"], s["height"]) for s in info["sizes"]] == expected


def test_info_json() -> None:
    assert info_json("http://127.0.0.1:1/iiif/x/1", 1000, 1000, 256, 1024) == {
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": "http://127.0.0.1:1/iiif/x/1",
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": 1000,
        "height": 1000,
        "sizes": [
            {"width": 250, "height": 250},
            {"width": 500, "height": 500},
            {"width": 1000, "height": 1000},
        ],
        "tiles": [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}],
    }


# --------------------------------------------------------------------------------------
# The OSD model itself, on hand-written info.json documents


def hand_info(width, height, factors, sizes, tile=256) -> dict:
    return {
        "width": width,
        "height": height,
        "sizes": [{"width": w, "height": h} for w, h in sizes],
        "tiles": [{"width": tile, "height": tile, "scaleFactors": factors}],
    }


def test_osd_model_one_tile_wide_level() -> None:
    assert osd_requests(hand_info(512, 100, [1, 2], [(256, 50)])) == {
        f"full/256,50/{Q}",
        f"0,0,256,100/256,100/{Q}",
        f"256,0,256,100/256,100/{Q}",
    }
    assert osd_requests(hand_info(256, 100, [1], [(256, 100)])) == {f"full/max/{Q}"}
    assert osd_requests(hand_info(255, 1, [1], [])) == {f"full/max/{Q}"}


def test_osd_model_uses_sizes_when_they_are_the_levels() -> None:
    # A server listing floored sizes: OSD takes them as the level sizes (250 not 251)
    info = hand_info(1001, 1001, [1, 2, 4], [(250, 250), (500, 500)])
    assert osd_level_sizes(info) == [(250, 250), (500, 500), (1001, 1001)]
    urls = osd_requests(info)
    assert f"full/250,250/{Q}" in urls
    assert f"512,512,489,489/244,244/{Q}" in urls
    # ... and computes ceil sizes when the list does not match the scale factors
    info = hand_info(1001, 1001, [1, 2, 4], [(100, 100), (500, 500)])
    assert osd_level_sizes(info) is None
    assert f"full/251,251/{Q}" in osd_requests(info)
    # ... or has the wrong length
    info = hand_info(1001, 1001, [1, 2, 4], [(251, 251)])
    assert osd_level_sizes(info) is None
    # JavaScript rounding: 1001 / 400.4 = 2.5 rounds up to 3 (Python's round() gives 2)
    assert js_round(2.5) == 3 and js_round(3.5) == 4


@pytest.mark.parametrize(
    ("width", "height", "tile"),
    [
        (1000, 1000, 256),
        (512, 100, 256),
        (256, 100, 256),
        (12001, 8999, 256),
        (257, 1, 256),
        (1, 1, 256),
        (100000, 1, 256),
        (1, 300, 256),
        (1, 300, 64),
        (129, 1, 64),  # 128,0,1,1/1,1 is a tile at scales 1 and 2
        (600, 257, 256),
        (1537, 1025, 512),
        (2048, 1024, 1024),
        (4097, 3073, 1024),
    ],
)
@pytest.mark.parametrize("sizes_max", [0, 1024])
def test_osd_requests_are_written(width, height, tile, sizes_max) -> None:
    info = info_json("http://x/i", width, height, tile, sizes_max)
    written = set(paths(pyramid_files(width, height, tile, sizes_max)))
    assert osd_requests(info) <= written
    assert wanted_by_clients(info) == written  # and nothing that no client asks for


# --------------------------------------------------------------------------------------
# Properties

TILES = st.sampled_from([64, 128, 256, 512, 1024])
MAX_TILES = 4000  # keeps one example's tree small enough to check quickly


@st.composite
def images(draw) -> tuple[int, int, int]:
    """(width, height, tile), each side 1..100000, with at most ~MAX_TILES full-size tiles."""
    tile = draw(TILES)
    long = draw(st.integers(1, 100_000))
    cap = max(1, min(100_000, MAX_TILES * tile * tile // long))
    short = draw(st.integers(1, cap))
    return (long, short, tile) if draw(st.booleans()) else (short, long, tile)


def check_tree(width: int, height: int, tile: int, sizes_max: int) -> None:
    factors = scale_factors(width, height, tile)
    # powers of two from 1; the last level fits in one tile and the one before does not
    assert factors == [2**i for i in range(len(factors))]
    last = factors[-1]
    assert math.ceil(width / last) <= tile and math.ceil(height / last) <= tile
    if len(factors) > 1:
        prev = factors[-2]
        assert math.ceil(width / prev) > tile or math.ceil(height / prev) > tile

    tiles = list(tile_files(width, height, tile))
    sizes = list(size_files(width, height, tile, sizes_max))
    thumbs = list(client_size_files(width, height, tile))
    files = pyramid_files(width, height, tile, sizes_max)
    listed = set(listed_sizes(width, height, tile, sizes_max))

    # paths unique; within a level every tile has its own path (the same path can come at
    # two scales, e.g. a 1-pixel edge column: the same region at the same size, so either
    # file is right, and each one is checked below)
    assert len({f.path for f in files}) == len(files)
    for s in factors:
        level_paths = [t.path for t in tiles if t.scale == s]
        assert len(set(level_paths)) == len(level_paths)
    assert {f.path for f in files} == {f.path for f in (*tiles, *sizes, *thumbs)}
    assert set(files) <= {*tiles, *sizes, *thumbs}
    for f in thumbs:  # full/w, made from the smallest level at least w wide, w wide
        w = int(f.path.split("/")[1].rstrip(","))
        assert f.path == f"full/{w},/{Q}" and w < width
        lw, lh = math.ceil(width / f.scale), math.ceil(height / f.scale)
        assert f.box == (0, 0, lw, lh) and lw >= w
        assert f.scale == factors[-1] or math.ceil(width / (2 * f.scale)) < w
        assert f.size == (w, max(1, round(height * w / width)))

    for f in (*tiles, *sizes):
        assert f.scale in factors
        lw, lh = math.ceil(width / f.scale), math.ceil(height / f.scale)
        left, top, right, bottom = f.box
        assert 0 <= left < right <= lw and 0 <= top < bottom <= lh, f
        region, size, _, _ = f.path.split("/")
        # the size in the path is the box's size
        max_size = level_size(width, height, max_scale(width, height))
        expected_size = max_size if size == "max" else parse_ints(size)
        assert f.size == expected_size, f
        # the region is the box scaled up, clipped at the image edge
        s = f.scale
        x0, y0 = left * s, top * s
        x1, y1 = min(right * s, width), min(bottom * s, height)
        expected_region = (0, 0, width, height) if region == "full" else parse_ints(region)
        assert expected_region == (x0, y0, x1 - x0, y1 - y0), f

    for f in tiles:
        check_canonical(f.path, width, height)
    for f in sizes:  # built by clients from `sizes`: full/w,h even at the full size
        check_canonical(f.path, width, height, listed=True)

    # each level's tiles cover it exactly once; a level smaller than a tile is one file
    for s in factors:
        lw, lh = math.ceil(width / s), math.ceil(height / s)
        level_tiles = [t.box for t in tiles if t.scale == s]
        exact_cover(level_tiles, lw, lh)
        if lw <= tile and lh <= tile:
            assert len(level_tiles) == 1
            # fetched whole, so listed in sizes (whatever sizes_max says)
            assert (lw, lh) in listed
        if max(lw, lh) <= max(tile, sizes_max):
            assert (lw, lh) in listed
    assert f"full/max/{Q}" in {f.path for f in files}

    # what OSD asks for is exactly what we wrote, plus the sizes and full/max
    info = info_json("http://127.0.0.1:1/iiif/x/1", width, height, tile, sizes_max)
    written = {f.path for f in files}
    assert osd_requests(info) <= written
    for entry in info["sizes"]:
        assert f"full/{entry['width']},{entry['height']}/{Q}" in written
    assert wanted_by_clients(info) == written


@settings(max_examples=150, deadline=None, database=None)
@given(images(), st.sampled_from([0, 100, 1024, 3000]))
def test_tree_properties(image, sizes_max) -> None:
    width, height, tile = image
    check_tree(width, height, tile, sizes_max)


@settings(max_examples=150, deadline=None, database=None)
@given(st.integers(1, 100_000), st.integers(1, 100_000), TILES, st.integers(0, 5000))
def test_scale_factors_and_sizes_any_size(width, height, tile, sizes_max) -> None:
    """Cheap properties for any size (the full tree is not built here)."""
    factors = scale_factors(width, height, tile)
    last = factors[-1]
    assert math.ceil(width / last) <= tile and math.ceil(height / last) <= tile
    assert last == 1 or max(math.ceil(width / (last // 2)), math.ceil(height / (last // 2))) > tile
    sizes = listed_sizes(width, height, tile, sizes_max)
    assert sizes == sorted(set(sizes))
    assert (math.ceil(width / last), math.ceil(height / last)) in sizes
    for w, h in sizes:
        assert max(w, h) <= max(tile, sizes_max)
    info = info_json("http://x/i", width, height, tile, sizes_max)
    assert info["tiles"] == [{"width": tile, "height": tile, "scaleFactors": factors}]


@pytest.mark.parametrize(
    ("width", "height", "tile"),
    [(600, 257, 256), (257, 1, 256), (1, 300, 64), (1000, 1000, 256), (777, 333, 128)],
)
def test_tiles_cover_every_pixel_once(width, height, tile) -> None:
    """Brute force on small images: count how often each level pixel is covered."""
    for s in scale_factors(width, height, tile):
        lw, lh = math.ceil(width / s), math.ceil(height / s)
        counts = bytearray(lw * lh)
        for t in tile_files(width, height, tile):
            if t.scale == s:
                left, top, right, bottom = t.box
                for y in range(top, bottom):
                    for x in range(left, right):
                        counts[y * lw + x] += 1
        assert set(counts) == {1}


def test_max_is_limited_to_what_a_jpeg_can_hold() -> None:
    """JPEG sides stop at 65,500 px: a longer image's ``max`` is the largest level within
    that, and info.json says so with maxWidth/maxHeight (IIIF Image 3.0 §5.3)."""
    assert max_scale(65500, 10) == 1
    assert max_scale(65501, 10) == 2
    assert max_scale(100000, 1) == 2
    assert max_scale(10, 140000) == 4
    info = info_json("http://x/i", 100000, 1, 256, 1024)
    assert (info["maxWidth"], info["maxHeight"]) == (50000, 1)
    assert "maxWidth" not in info_json("http://x/i", 65500, 1, 256, 1024)
    (full_max,) = [f for f in pyramid_files(100000, 1, 256, 1024) if f.path.startswith("full/max")]
    assert (full_max.scale, full_max.size) == (2, (50000, 1))


def test_a_100000_pixel_strip_is_tiled(tmp_path) -> None:
    import numpy as np
    from PIL import Image

    from archive.store import LocalStore
    from ingest.pyramid import write_pyramid

    pixels = np.tile(np.arange(256, dtype=np.uint8), 100000 // 256 + 1)[:100000].reshape(
        1, 100000, 1
    )
    store = LocalStore(tmp_path)
    with store.tree("iiif/strip/1") as tree:
        write_pyramid(pixels, tree, "http://x/iiif/strip/1", tile=256)
    with Image.open(store.path("iiif/strip/1/full/max/0/default.jpg")) as im:
        assert im.size == (50000, 1)
    assert store.exists("iiif/strip/1/0,0,256,1/256,1/0/default.jpg")
