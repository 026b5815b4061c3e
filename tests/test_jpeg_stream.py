"""libjpeg's scanline decoder (``ingest._jpegstream``, built by ``make deps``): the same
pixels as the one-call decode, the same tree of tiles, and corrupt data handed to the careful
path, with the same outcome as without the decoder."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ingest.pyramid
from archive.errors import ImageError
from archive.store import LocalStore
from ingest.pixels import JpegPage, JpegRows, JpegStreamError, jpeg_streaming, load_for_tiling
from ingest.pyramid import write_pyramid
from tests.conftest import make_scan, needs

pytestmark = needs(jpeg_streaming(), "ingest._jpegstream (gcc, libjpeg62-turbo-dev, cffi)")


def jpeg(tmp_path: Path, size: tuple[int, int], mode: str = "RGB", **save) -> Path:
    return make_scan(tmp_path / f"scan-{size[0]}x{size[1]}-{mode}.jpg", size, 3, mode, **save)


@pytest.mark.parametrize(
    ("size", "mode", "save"),
    [
        ((1000, 700), "RGB", {"quality": 90}),  # 4:2:0
        ((777, 333), "RGB", {"quality": 95, "subsampling": 0}),  # 4:4:4, odd sizes
        ((513, 1025), "L", {"quality": 85}),
        ((640, 480), "RGB", {"quality": 90, "progressive": True}),
        ((1, 1), "RGB", {}),
    ],
)
def test_the_same_pixels_as_the_one_call_decode(tmp_path, size, mode, save) -> None:
    page = load_for_tiling(jpeg(tmp_path, size, mode, **save), 0, 10**9)
    assert isinstance(page, JpegPage)
    rows = JpegRows(page)
    rows.wait(min(10, page.height))  # the top is there before the rest
    assert np.array_equal(rows.all(), page.full())


def tree(root: Path, page: JpegPage) -> dict[str, bytes]:
    store = LocalStore(root)
    with store.tree("iiif/x/y") as writer:
        write_pyramid(page, writer, "http://h/iiif/x/y", tile=256, sizes_max=512, quality=85)
    return {k: store.get(k) for k in store.list("iiif")}


def full_size(key: str) -> bool:
    """A tile at scale 1: its size is its region's size."""
    region, size = key.split("/")[3:5]
    if region == "full":
        return size == "max"
    return region.split(",")[2:] == size.split(",")


def test_the_same_tree_with_and_without_it(tmp_path, monkeypatch) -> None:
    """The same files; at full size the same bytes. Below it the streamed tree halves the
    full-size pixels (as for every other source) where the one-call path decoded a second
    time at half size by DCT scaling: nearly the same pixels."""
    path = jpeg(tmp_path, (1900, 1300), quality=92)
    streamed = tree(tmp_path / "a", load_for_tiling(path, 0, 10**9))
    monkeypatch.setattr(ingest.pyramid, "jpeg_streaming", lambda: False)
    whole = tree(tmp_path / "b", load_for_tiling(path, 0, 10**9))
    assert len(streamed) > 40 and set(streamed) == set(whole)
    tiles = [k for k in streamed if k.endswith(".jpg")]
    assert sum(full_size(k) for k in tiles) > 30
    for key in tiles:
        if full_size(key):
            assert streamed[key] == whole[key], key
        else:
            a = np.asarray(Image.open(io.BytesIO(streamed[key])), dtype=np.int16)
            b = np.asarray(Image.open(io.BytesIO(whole[key])), dtype=np.int16)
            assert a.shape == b.shape and np.abs(a - b).mean() < 2.0, key
    assert streamed["iiif/x/y/info.json"] == whole["iiif/x/y/info.json"]


def corrupt(tmp_path: Path) -> Path:
    """A JPEG whose entropy-coded data is damaged half way: libjpeg warns (strict: an error)
    while Pillow still decodes it."""
    path = jpeg(tmp_path, (800, 600), quality=90)
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 40):
        data[i] = 0xFF if i % 2 else 0xD5  # stray markers in the scan
    path.write_bytes(bytes(data))
    return path


def test_corrupt_data_goes_the_careful_way_with_the_same_outcome(tmp_path, monkeypatch) -> None:
    path = corrupt(tmp_path)
    page = load_for_tiling(path, 0, 10**9)
    assert isinstance(page, JpegPage)
    with pytest.raises(JpegStreamError):
        JpegRows(page).all()

    def outcome(root: Path) -> dict[str, bytes] | str:
        try:
            return tree(root, load_for_tiling(path, 0, 10**9))
        except ImageError as exc:
            return str(exc)

    streamed = outcome(tmp_path / "a")
    monkeypatch.setattr(ingest.pyramid, "jpeg_streaming", lambda: False)
    assert streamed == outcome(tmp_path / "b")


def test_a_truncated_file_is_an_error_not_a_hang(tmp_path) -> None:
    path = jpeg(tmp_path, (900, 700), quality=90)
    page = load_for_tiling(path, 0, 10**9)
    assert isinstance(page, JpegPage)
    cut = JpegPage(page.path, page.data[: len(page.data) // 3], False, 900, 700, 10**9)
    with pytest.raises(JpegStreamError, match=r"[Pp]remature end"):
        JpegRows(cut).all()
    with pytest.raises(JpegStreamError):
        JpegRows(JpegPage(page.path, b"not a jpeg", False, 900, 700, 10**9)).all()
    assert Image.open(io.BytesIO(page.data)).size == (900, 700)  # the file itself is sound
