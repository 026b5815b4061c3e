"""A master JPEG published as it is at full/max: metadata out, image data untouched."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import simplejpeg
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageCms

from archive.store import LocalStore
from ingest.jpeg import publishable_jpeg
from ingest.pixels import load_pixels, source_jpeg
from ingest.pyramid import write_pyramid


def _jpeg(mode: str = "RGB", size=(300, 200), **options) -> bytes:
    image = Image.effect_noise(size, 50).convert(mode)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85, **options)
    return buf.getvalue()


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Scanner Maker KK"  # Make
    exif[0x0112] = orientation
    return exif


def _same_pixels(a: bytes, b: bytes) -> bool:
    return np.array_equal(simplejpeg.decode_jpeg(a), simplejpeg.decode_jpeg(b))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"progressive": True},
        {"restart_marker_blocks": 2},
        {"subsampling": 0},
        {"optimize": True},
    ],
    ids=["baseline", "progressive", "restart-markers", "444", "optimized"],
)
def test_metadata_out_pixels_untouched(options) -> None:
    data = _jpeg(exif=_exif(), comment=b"scanned 2026 by staff", **options)
    out = publishable_jpeg(data)
    assert out is not None and len(out) < len(data)
    assert b"Scanner Maker" not in out and b"scanned 2026" not in out
    assert _same_pixels(data, out)
    with Image.open(io.BytesIO(out)) as im:
        assert im.size == (300, 200) and not im.getexif()


def test_grey_and_icc_kept() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _jpeg(icc_profile=srgb)
    out = publishable_jpeg(data)
    with Image.open(io.BytesIO(out)) as im:
        assert im.info["icc_profile"] == srgb
    grey = _jpeg("L")
    assert publishable_jpeg(grey) == grey


def test_fill_bytes_and_trailing_data() -> None:
    data = _jpeg()
    padded = data[:2] + b"\xff\xff" + data[2:] + b"trailing bytes after EOI"
    assert _same_pixels(data, publishable_jpeg(padded))
    assert publishable_jpeg(padded).endswith(b"\xff\xd9")


def _patch_sof(data: bytes, marker: int | None = None, precision: int | None = None) -> bytes:
    i = data.index(b"\xff\xc0")
    patched = bytearray(data)
    if marker is not None:
        patched[i + 1] = marker
    if precision is not None:
        patched[i + 4] = precision
    return bytes(patched)


@pytest.mark.parametrize(
    "make",
    [
        lambda d: d[: len(d) // 2],  # truncated in the scan
        lambda d: d[:300],  # truncated in the headers
        lambda d: b"%PDF-1.7\n" + d,
        lambda d: b"",
        lambda d: _patch_sof(d, marker=0xC9),  # arithmetic coding: browsers do not decode it
        lambda d: _patch_sof(d, marker=0xC3),  # lossless
        lambda d: _patch_sof(d, precision=12),
        lambda d: d.replace(b"\xff\xc0", b"\xff\xee", 1),  # no frame header at all
    ],
    ids=[
        "truncated",
        "truncated-header",
        "pdf",
        "empty",
        "arithmetic",
        "lossless",
        "12-bit",
        "no-sof",
    ],
)
def test_refused(make) -> None:
    assert publishable_jpeg(make(_jpeg())) is None


def test_source_jpeg_only_where_decoding_changes_nothing(tmp_path: Path) -> None:
    def write(name: str, data: bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    plain = write("plain.jpg", _jpeg(exif=_exif(1)))
    assert source_jpeg(plain, 0) == publishable_jpeg(plain.read_bytes())
    assert source_jpeg(write("rotated.jpg", _jpeg(exif=_exif(6))), 0) is None
    assert source_jpeg(write("cmyk.jpg", _jpeg("CMYK")), 0) is None
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    assert source_jpeg(write("lab-icc.jpg", _jpeg(icc_profile=lab)), 0) is None
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    assert source_jpeg(write("png.jpg", png.getvalue()), 0) is None


@pytest.mark.parametrize("size", [(200, 150), (1100, 700)], ids=["one-tile", "tiled"])
def test_full_max_is_the_source(tmp_path: Path, size) -> None:
    path = tmp_path / "scan.jpg"
    path.write_bytes(_jpeg(size=size, exif=_exif()))
    store = LocalStore(tmp_path / "store")
    with store.tree("iiif/x/1") as tree:
        write_pyramid(
            load_pixels(path, 0, 10**9),
            tree,
            "https://example.org/iiif/x/1",
            tile=256,
            sizes_max=512,
            quality=80,
            source_jpeg=source_jpeg(path, 0),
        )
    full = store.get("iiif/x/1/full/max/0/default.jpg")
    assert full == publishable_jpeg(path.read_bytes())
    # the other files are still encoded from the pixels, each at its own size
    info = json.loads(store.get("iiif/x/1/info.json"))
    assert (info["width"], info["height"]) == size
    for s in info["sizes"]:
        data = store.get(f"iiif/x/1/full/{s['width']},{s['height']}/0/default.jpg")
        assert Image.open(io.BytesIO(data)).size == (s["width"], s["height"])
        if (s["width"], s["height"]) != size:
            assert data != full


def _scan_end_by_steps(data: bytes, i: int) -> int | None:
    """T.81 B.1.1.5 read byte by byte: the first 0xFF after ``i`` that is not a stuffed
    byte (FF 00), a restart marker (FF D0-D7) or a fill byte before a marker (FF FF)."""
    while True:
        i = data.find(b"\xff", i)
        if i < 0 or i + 1 >= len(data):
            return None
        nxt = data[i + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            i += 1 if nxt == 0xFF else 2
            continue
        return i


@given(
    st.lists(st.sampled_from([0xFF, 0x00, 0xD0, 0xD7, 0xD8, 0xD9, 0xC4, 0x12]), max_size=24),
    st.integers(0, 24),
)
def test_the_end_of_entropy_coded_data_is_found_as_byte_by_byte(values, start) -> None:
    from ingest.jpeg import _scan_end, _Truncated

    data = bytes(values)
    start = min(start, len(data))
    try:
        found = _scan_end(data, start)
    except _Truncated:
        found = None
    assert found == _scan_end_by_steps(data, start)
