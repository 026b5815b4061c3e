"""ingest.pyramid: real level-0 pyramids written into a LocalStore, walked like a viewer.

The walker reads only ``info.json`` (never ``manifests.tiles``): it builds every URL
OpenSeadragon's IIIFTileSource requests (an independent model of its ``getTileUrl``, the
twin of the one in test_tiles.py), every ``sizes`` entry and ``full/max``, and checks each
file is there, is a JPEG of exactly the size the URL asks for, and shows the right part of
the image.
"""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from archive.errors import ImageError
from archive.fixity import tree_hashes
from archive.store import TEMP_MARK, LocalStore
from ingest.pixels import JpegPage, TiffRows, load_for_tiling, source_jpeg
from ingest.pyramid import write_pyramid

PREFIX = "iiif/x/1"
SERVICE = "http://127.0.0.1:1/iiif/x/1"
TILE = 256
SIZES = [(1000, 1000), (1537, 1025), (600, 257), (256, 256), (255, 1), (3000, 20)]
MODES = ["RGB", "L"]

# JPEG (quality 85) and box-filter differences between successive halving and a one-step
# reduction stay well under these; a region one tile off moves the mean of the horizontal
# gradient by 255·256/3000 > 20 levels even on the widest test image.
MEAN_TOLERANCE = 3.0
THUMB_TOLERANCE = 10


# --------------------------------------------------------------------------------------
# Test images


def make_image(size: tuple[int, int], mode: str) -> Image.Image:
    """A strong left-to-right gradient (so a misplaced region shows in the mean), a
    top-to-bottom one, and some noise; greyscale: the horizontal gradient plus noise."""
    ramp = Image.linear_gradient("L")  # 256×256, black at the top to white at the bottom
    across = ramp.rotate(90).resize(size, Image.Resampling.BILINEAR)  # white at the left
    down = ramp.resize(size, Image.Resampling.BILINEAR)
    noise = Image.effect_noise(size, 40)
    if mode == "L":
        return Image.blend(across, noise, 0.15)
    return Image.merge("RGB", (across, down, Image.blend(across, noise, 0.5)))


def write(root: Path, image: Image.Image, workers: int) -> LocalStore:
    store = LocalStore(root)
    with store.tree(PREFIX) as tree:
        write_pyramid(image, tree, SERVICE, tile=TILE, sizes_max=1024, quality=85, workers=workers)
    return store


# --------------------------------------------------------------------------------------
# OpenSeadragon's IIIFTileSource.getTileUrl for IIIF 3 (level 0, one tile size)


def js_round(value: float) -> int:
    return math.floor(value + 0.5)


def osd_urls(info: dict) -> list[str]:
    """Every URL OSD requests for this info.json, over all levels."""
    width, height = info["width"], info["height"]
    (tiles,) = info["tiles"]
    tile_w = tiles["width"]
    tile_h = tiles.get("height", tile_w)
    factors = tiles["scaleFactors"]
    max_level = js_round(math.log2(max(factors)))

    level_sizes = None  # OSD's levelSizes: `sizes` when it is one entry per level
    ordered = [(s["width"], s["height"]) for s in sorted(info["sizes"], key=lambda s: s["width"])]
    if ordered and ordered[-1][0] < width and ordered[-1][1] < height:
        ordered.append((width, height))
    if ordered and len(ordered) == max_level + 1:
        level_sizes = ordered
        if len(factors) == len(ordered):
            for i, (w, h) in enumerate(ordered):
                factor = factors[len(ordered) - i - 1]
                if js_round(width / w) != factor or js_round(height / h) != factor:
                    level_sizes = None
                    break

    base = info["id"]
    urls = []
    for level in range(max_level + 1):
        scale = 0.5 ** (max_level - level)
        if level_sizes:
            level_w, level_h = level_sizes[level]
        else:
            level_w, level_h = math.ceil(width * scale), math.ceil(height * scale)
        if level_w < tile_w and level_h < tile_h:
            whole = (level_w, level_h) == (width, height)
            urls.append(f"{base}/full/{'max' if whole else f'{level_w},{level_h}'}/0/default.jpg")
            continue
        region_w, region_h = js_round(tile_w / scale), js_round(tile_h / scale)
        for y in range(math.ceil(level_h / tile_h)):
            for x in range(math.ceil(level_w / tile_w)):
                tx, ty = x * region_w, y * region_h
                tw, th = min(region_w, width - tx), min(region_h, height - ty)
                full = x == 0 and y == 0 and (tw, th) == (width, height)
                region = "full" if full else f"{tx},{ty},{tw},{th}"
                sw = min(tile_w, level_w - x * tile_w)
                sh = min(tile_h, level_h - y * tile_h)
                size = "max" if (sw, sh) == (width, height) else f"{sw},{sh}"
                urls.append(f"{base}/{region}/{size}/0/default.jpg")
    return urls


# Thumbnail widths Universal Viewer 4.4 and Clover 3 ask for as full/{w}, (issue 14)
THUMB_WIDTHS = (90, 150, 200)


def client_urls(info: dict) -> set[str]:
    """OSD's tiles + every `sizes` entry + full/max + UV's and Clover's full/{w},."""
    base = info["id"]
    sizes = {f"{base}/full/{s['width']},{s['height']}/0/default.jpg" for s in info["sizes"]}
    thumbs = {f"{base}/full/{w},/0/default.jpg" for w in THUMB_WIDTHS if w < info["width"]}
    return {*osd_urls(info), *sizes, *thumbs, f"{base}/full/max/0/default.jpg"}


def parse(url: str, info: dict) -> tuple[str, tuple[int, int, int, int], tuple[int, int]]:
    """(path under the service, region box in full-size pixels, pixel size) of a URL."""
    base = info["id"] + "/"
    assert url.startswith(base)
    rel = url[len(base) :]
    region, size, rotation, quality = rel.split("/")
    assert (rotation, quality) == ("0", "default.jpg")
    width, height = info["width"], info["height"]
    if region == "full":
        box = (0, 0, width, height)
    else:
        x, y, w, h = map(int, region.split(","))
        box = (x, y, x + w, y + h)
    if size == "max":
        pixels = (width, height)
    elif size.endswith(","):  # w wide, the height in proportion (Image API 3.0 §4.2)
        pixels = (int(size[:-1]), max(1, round(height * int(size[:-1]) / width)))
    else:
        pixels = tuple(map(int, size.split(",")))
    return rel, box, pixels


def scale_of(box: tuple[int, int, int, int], pixels: tuple[int, int], info: dict) -> int:
    """The scale factor that turns this region into this many pixels (ceil, as levels are)."""
    width, height = box[2] - box[0], box[3] - box[1]
    for factor in info["tiles"][0]["scaleFactors"]:
        if (math.ceil(width / factor), math.ceil(height / factor)) == pixels:
            return factor
    raise AssertionError(f"{box} at {pixels} is no level of {info['tiles']}")


def walk(store: LocalStore, source: Image.Image) -> set[str]:
    """Check every file a client asks for; returns their keys (info.json included)."""
    info = json.loads(store.get(f"{PREFIX}/info.json"))
    keys = {f"{PREFIX}/info.json"}
    for url in sorted(client_urls(info)):
        rel, box, pixels = parse(url, info)
        key = f"{PREFIX}/{rel}"
        assert store.exists(key), f"missing: {url}"
        keys.add(key)
        with Image.open(io.BytesIO(store.get(key))) as tile:
            assert tile.format == "JPEG", url
            assert tile.size == pixels, url
            assert tile.mode == source.mode, url
            tile.load()
            # the region reduced by its level's scale factor, in one step (the pyramid
            # halves level by level): each tile pixel is the mean of a s×s block; a
            # thumbnail width is the smallest level at least that wide, resized
            if rel.split("/")[1].endswith(","):
                factors = info["tiles"][0]["scaleFactors"]
                scale = max(f for f in factors if math.ceil(info["width"] / f) >= pixels[0])
                expected = source.reduce(scale).resize(pixels, Image.Resampling.LANCZOS)
            else:
                expected = source.crop(box).reduce(scale_of(box, pixels, info))
            assert expected.size == pixels, url
            check_content(tile, expected, url)
    return keys


def check_content(tile: Image.Image, expected: Image.Image, url: str) -> None:
    got_mean = ImageStat.Stat(tile).mean
    want_mean = ImageStat.Stat(expected).mean
    for got, want in zip(got_mean, want_mean, strict=True):
        assert abs(got - want) <= MEAN_TOLERANCE, f"{url}: mean {got_mean} != {want_mean}"
    # a coarse thumbnail too: catches flipped, transposed or shuffled content. Compared in
    # luma: JPEG halves the chroma resolution, which on a 2-pixel-high level with a steep
    # vertical colour ramp moves single RGB pixels a lot (but not the means)
    thumb = (min(4, tile.width), min(4, tile.height))
    a = tile.convert("L").resize(thumb, Image.Resampling.BOX)
    b = expected.convert("L").resize(thumb, Image.Resampling.BOX)
    worst = ImageChops.difference(a, b).getextrema()[1]
    assert worst <= THUMB_TOLERANCE, f"{url}: thumbnail differs by {worst}"


def files_on_disk(root: Path) -> set[str]:
    return {
        Path(d, name).relative_to(root).as_posix()
        for d, dirs, names in os.walk(root)
        for name in [*names, *dirs]
    }


# --------------------------------------------------------------------------------------
# Fixtures: each pyramid is written once


@pytest.fixture(scope="module")
def pyramids(tmp_path_factory):
    images: dict[tuple, Image.Image] = {}  # the noise is random: one image for both runs
    cache: dict[tuple, tuple[LocalStore, Image.Image]] = {}

    def get(size, mode, workers):
        key = (size, mode, workers)
        if key not in cache:
            image = images.setdefault((size, mode), make_image(size, mode))
            root = tmp_path_factory.mktemp(f"store-{size[0]}x{size[1]}-{mode}-{workers}")
            cache[key] = (write(root, image, workers), image)
        return cache[key]

    return get


# --------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_client_url_is_a_correct_jpeg(pyramids, size, mode, workers) -> None:
    store, image = pyramids(size, mode, workers)
    keys = walk(store, image)
    # nothing else was written: no stray files, nothing a client never asks for
    assert set(store.list(PREFIX)) == keys
    # and nothing temporary is left anywhere on disk
    on_disk = files_on_disk(store.root)
    assert not [p for p in on_disk if TEMP_MARK in p]
    assert {p for p in on_disk if store.path(p).is_file()} == keys


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_info_json(pyramids, size, mode) -> None:
    store, _ = pyramids(size, mode, 1)
    info = json.loads(store.get(f"{PREFIX}/info.json"))
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == SERVICE
    assert info["type"] == "ImageService3"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level0"
    assert (info["width"], info["height"]) == size
    (tiles,) = info["tiles"]
    assert tiles["width"] == tiles["height"] == TILE
    factors = tiles["scaleFactors"]
    assert factors == [2**i for i in range(len(factors))]
    # the smallest level fits in one tile
    assert math.ceil(size[0] / factors[-1]) <= TILE and math.ceil(size[1] / factors[-1]) <= TILE
    sizes = [(s["width"], s["height"]) for s in info["sizes"]]
    assert sizes == sorted(sizes) and sizes
    assert all(max(w, h) <= 1024 for w, h in sizes)
    assert (math.ceil(size[0] / factors[-1]), math.ceil(size[1] / factors[-1])) in sizes


def test_hand_checked_tree_1000(pyramids) -> None:
    store, _ = pyramids((1000, 1000), "RGB", 1)
    keys = set(store.list(PREFIX))
    base = PREFIX + "/"
    for rel in [
        "info.json",
        "full/max/0/default.jpg",
        "full/1000,1000/0/default.jpg",
        "full/500,500/0/default.jpg",
        "full/250,250/0/default.jpg",
        "768,768,232,232/232,232/0/default.jpg",
        "512,512,488,488/244,244/0/default.jpg",
        "0,0,512,512/256,256/0/default.jpg",
        "full/90,/0/default.jpg",
        "full/150,/0/default.jpg",
        "full/200,/0/default.jpg",
    ]:
        assert base + rel in keys
    assert len(keys) == 1 + 16 + 4 + 1 + 3 + 3


def test_a_misplaced_tile_would_be_caught(pyramids) -> None:
    """The content check is sharp enough to see a tile one step to the side."""
    store, image = pyramids((1000, 1000), "RGB", 1)
    data = store.get(f"{PREFIX}/256,0,256,256/256,256/0/default.jpg")
    with Image.open(io.BytesIO(data)) as tile:
        tile.load()
        right_place = image.crop((256, 0, 512, 256))
        check_content(tile, right_place, "ok")
        with pytest.raises(AssertionError):
            check_content(tile, image.crop((0, 0, 256, 256)), "one tile left")
        with pytest.raises(AssertionError):
            check_content(tile, image.crop((256, 256, 512, 512)), "one tile down")
        with pytest.raises(AssertionError):
            check_content(tile, image.crop((256, 0, 768, 512)).resize((256, 256)), "scale 2")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_workers_write_the_same_files(pyramids, size, mode) -> None:
    one, _ = pyramids(size, mode, 1)
    two, _ = pyramids(size, mode, 2)
    keys = sorted(one.list(PREFIX))
    assert keys == sorted(two.list(PREFIX))
    for key in keys:
        assert one.get(key) == two.get(key), key  # same levels, same encoder: same bytes


def test_failure_inside_the_block_leaves_the_old_tree(tmp_path) -> None:
    old_image = make_image((600, 257), "RGB")
    store = write(tmp_path, old_image, 1)
    before = {key: store.get(key) for key in store.list()}
    assert f"{PREFIX}/info.json" in before

    with pytest.raises(RuntimeError, match="boom"), store.tree(PREFIX) as tree:
        write_pyramid(make_image((1537, 1025), "L"), tree, SERVICE, tile=TILE, workers=2)
        # the new tree is complete in staging, but nobody sees it: not via list(),
        # and the old tree still answers
        assert {key: store.get(key) for key in store.list()} == before
        assert [p for p in files_on_disk(tmp_path) if TEMP_MARK in p]  # staging is there
        raise RuntimeError("boom")

    assert {key: store.get(key) for key in store.list()} == before
    assert not [p for p in files_on_disk(tmp_path) if TEMP_MARK in p]
    walk(store, old_image)


class FailingTree:
    """A tree writer that refuses ``full/max`` (which goes to a forked child)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def put(self, path: str, data) -> None:
        if path.startswith("full/max/"):
            raise OSError("disk full")
        self.inner.put(path, data)


@pytest.mark.parametrize("workers", [1, 2])
def test_failing_writer_fails_the_pyramid_and_keeps_the_old_tree(tmp_path, workers) -> None:
    old_image = make_image((256, 256), "RGB")
    store = write(tmp_path, old_image, 1)
    before = {key: store.get(key) for key in store.list()}

    with pytest.raises(OSError), store.tree(PREFIX) as tree:
        write_pyramid(make_image((1000, 1000), "RGB"), FailingTree(tree), SERVICE, workers=workers)

    assert {key: store.get(key) for key in store.list()} == before
    assert not [p for p in files_on_disk(tmp_path) if TEMP_MARK in p]


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_jpeg_page_decoded_by_the_tiler(tmp_path, size, mode, workers) -> None:
    """A JPEG master: decoded here at full and half size at once, full/max the master."""
    path = tmp_path / "scan.jpg"
    make_image(size, mode).save(path, quality=95)
    page = load_for_tiling(path, 0, 10**9)
    assert isinstance(page, JpegPage)
    store = LocalStore(tmp_path / "store")
    with store.tree(PREFIX) as tree:
        result = write_pyramid(
            page,
            tree,
            SERVICE,
            tile=TILE,
            sizes_max=1024,
            quality=85,
            workers=workers,
            source_jpeg=source_jpeg(path, 0),
        )
    with Image.open(path) as decoded:
        keys = walk(store, decoded.convert(mode))
    assert set(store.list(PREFIX)) == keys
    assert store.get(f"{PREFIX}/full/max/0/default.jpg") == source_jpeg(path, 0)
    assert result.files == tree_hashes(store, PREFIX)  # the fixity, hashed as written


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_an_uncompressed_tiff_read_while_tiling(tmp_path, size, mode, workers, monkeypatch) -> None:
    """Rows read band by band in a thread of their own; tiles wait for the rows they need."""
    monkeypatch.setattr(TiffRows, "CHUNK_ROWS", 7)  # many small reads, out of step with bands
    image = make_image(size, mode)
    path = tmp_path / "scan.tif"
    image.save(path, compression="raw")
    page = load_for_tiling(path, 0, 10**9)
    assert isinstance(page, TiffRows)
    store = LocalStore(tmp_path / "store")
    with store.tree(PREFIX) as tree:
        result = write_pyramid(
            page, tree, SERVICE, tile=TILE, sizes_max=1024, quality=85, workers=workers
        )
    keys = walk(store, image)
    assert set(store.list(PREFIX)) == keys
    assert result.files == tree_hashes(store, PREFIX)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_tiff_cut_short_fails_and_keeps_the_old_tree(tmp_path, workers) -> None:
    image = make_image((1537, 1025), "RGB")
    path = tmp_path / "scan.tif"
    image.save(path, compression="raw")
    store = write(tmp_path / "store", image, workers)
    before = {k: store.get(k) for k in store.list(PREFIX)}
    path.write_bytes(path.read_bytes()[: 1537 * 3 * 700])  # the header is at the start
    page = load_for_tiling(path, 0, 10**9)
    assert isinstance(page, TiffRows)
    with pytest.raises(ImageError, match=r"scan\.tif"), store.tree(PREFIX) as tree:
        write_pyramid(page, tree, SERVICE, tile=TILE, sizes_max=1024, quality=85, workers=workers)
    assert {k: store.get(k) for k in store.list(PREFIX)} == before
