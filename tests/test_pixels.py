"""Direct decoding into the tiler's array, and halving: the same pixels as the Pillow path."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from archive.errors import ImageError
from ingest import native
from ingest import pixels as pixels_module
from ingest.images import load_page
from ingest.pixels import JpegPage, TiffRows, load_for_tiling, load_pixels, pixels_of
from ingest.pyramid import _halve_rows, as_pixels
from tests.conftest import make_scan, needs

LIMIT = 10**9


def reference(path: Path, frame: int = 0) -> np.ndarray:
    return as_pixels(load_page(path, frame, LIMIT))


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize(
    "name,save",
    [
        ("a.jpg", {"quality": 90}),
        ("p.jpg", {"quality": 80, "progressive": True}),
        ("raw.tif", {"compression": "raw"}),
        ("deflate.tif", {"compression": "tiff_adobe_deflate"}),
        ("packbits.tif", {"compression": "packbits"}),
    ],
)
def test_fast_paths_give_the_pillow_pixels(tmp_path, mode, name, save) -> None:
    path = make_scan(tmp_path / name, (523, 301), seed=3, mode=mode, **save)
    if name.endswith(".jpg"):
        page = load_for_tiling(path, 0, LIMIT)
        assert isinstance(page, JpegPage), "the tiler should decode this file itself"
        fast = page.full()
    else:
        fast = pixels_module._tiff_fast(path, 0)
        if name == "raw.tif":  # read band by band while the tiler works
            assert isinstance(fast, TiffRows)
            fast = fast.all()
    assert fast is not None, "the fast path should take this file"
    assert fast.shape == (301, 523, 1 if mode == "L" else 3)
    assert np.array_equal(fast, reference(path))
    assert np.array_equal(load_pixels(path, 0, LIMIT), fast)


def test_fallbacks_give_the_normalised_pixels(tmp_path) -> None:
    rotated = make_scan(tmp_path / "r.jpg", (300, 200), seed=1, quality=95)
    with Image.open(rotated) as im:
        exif = im.getexif()
        exif[0x0112] = 6
        im.save(tmp_path / "rot.jpg", quality=95, exif=exif)
    cmyk = tmp_path / "cmyk.jpg"
    Image.open(rotated).convert("CMYK").save(cmyk, quality=95)
    lzw = make_scan(tmp_path / "lzw.tif", (257, 129), seed=2, compression="tiff_lzw")
    png = make_scan(tmp_path / "a.png", (257, 129), seed=4)
    for path in (tmp_path / "rot.jpg", cmyk, lzw, png):
        assert not isinstance(load_for_tiling(path, 0, LIMIT), JpegPage)
        assert np.array_equal(load_pixels(path, 0, LIMIT), reference(path)), path.name
    assert load_pixels(tmp_path / "rot.jpg", 0, LIMIT).shape == (300, 200, 3)  # upright


@pytest.mark.parametrize("size", [(523, 301), (512, 256), (17, 9)])
@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_jpeg_half_size_by_dct_scaling(tmp_path, size, mode) -> None:
    path = make_scan(tmp_path / "h.jpg", size, seed=5, mode=mode, quality=92)
    page = load_for_tiling(path, 0, LIMIT)
    half = page.half()
    w, h = size
    assert half.shape == ((h + 1) // 2, (w + 1) // 2, 1 if mode == "L" else 3)
    # a different filter from the 2×2 box, but the same picture
    box = as_pixels(Image.open(path).convert(mode).reduce(2)).astype(float)
    assert np.abs(half.astype(float) - box).mean() < 8


def test_corrupt_jpeg_fails_with_the_file_named(tmp_path) -> None:
    path = make_scan(tmp_path / "c.jpg", (300, 200), seed=6, quality=90)
    data = path.read_bytes()
    path.write_bytes(data[:600] + bytes(200) + data[800:1200])
    with pytest.raises(ImageError, match=r"c\.jpg"):
        page = load_for_tiling(path, 0, LIMIT)
        if isinstance(page, JpegPage):
            page.full()


def test_multipage_tiff_frames(tmp_path) -> None:
    frames = [Image.new("RGB", (100 + 10 * i, 80), (i * 60, 100, 200)) for i in range(3)]
    path = tmp_path / "multi.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_adobe_deflate")
    for i in range(3):
        array = load_pixels(path, i, LIMIT)
        assert array.shape == (80, 100 + 10 * i, 3)
        assert tuple(array[0, 0]) == (i * 60, 100, 200)


def test_bad_files_raise_image_errors(tmp_path) -> None:
    good = make_scan(tmp_path / "g.jpg", (400, 300), quality=90).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(good[: len(good) // 2])
    with pytest.raises(ImageError, match=r"cut\.jpg"):
        load_pixels(tmp_path / "cut.jpg", 0, LIMIT)
    with pytest.raises(ImageError, match="max_pixels"):
        load_pixels(tmp_path / "g.jpg", 0, 1000)


def test_pixels_of_copies_in_strips(monkeypatch) -> None:
    monkeypatch.setattr(pixels_module, "STRIP_ROWS", 7)
    image = Image.effect_noise((33, 50), 40).convert("RGB")
    assert np.array_equal(pixels_of(image), np.asarray(image))


@settings(max_examples=60, deadline=None)
@given(
    w=st.integers(1, 40),
    h=st.integers(1, 40),
    channels=st.sampled_from([1, 3]),
    seed=st.integers(0, 2**16),
)
def test_halving_matches_pillow_reduce(w, h, channels, seed) -> None:
    """The same numbers with the C halving (where built) and without it (Pillow)."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, 256, (h, w, channels), dtype=np.uint8)
    image = Image.fromarray(src[:, :, 0] if channels == 1 else src)
    for built in (True, False):
        dst = np.zeros(((h + 1) // 2, (w + 1) // 2, channels), np.uint8)
        with mock.patch.object(native, "extension", native.extension if built else lambda: None):
            for y in range(0, dst.shape[0], 3):  # strips, as the pool does
                _halve_rows(src, dst, y, min(dst.shape[0], y + 3))
        assert np.array_equal(as_pixels(image.reduce(2)), dst), built


@needs(native.extension() is not None, "ingest._jpegstream (gcc, libjpeg62-turbo-dev, cffi)")
def test_the_c_halving_is_used_where_built() -> None:
    src = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    dst = np.zeros((2, 3, 3), np.uint8)
    assert native.halve(src, dst)
    assert np.array_equal(dst, as_pixels(Image.fromarray(src).reduce(2)))
    assert not native.halve(src[:, ::2], np.zeros((2, 2, 3), np.uint8))  # not packed rows


def test_without_the_extension_halving_is_left_to_pillow() -> None:
    src = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    dst = np.zeros((2, 3, 3), np.uint8)
    with mock.patch.object(native, "extension", lambda: None):
        assert not native.halve(src, dst)
    assert not dst.any()  # nothing done
