"""The tiler's C helpers (``ingest.native``): the band-by-band JPEG encoder, and the
``full/max`` of a scan that is not a JPEG written by it while the level's memory is given
back behind it. (The C halving is checked against Pillow in test_pixels.py.)"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pytest
import simplejpeg
from PIL import Image

import ingest.pyramid
from archive.errors import ImageError
from archive.store import LocalStore
from ingest import native
from ingest.native import JpegEncoder, JpegEncoderError
from ingest.pixels import TiffRows, load_for_tiling
from ingest.pyramid import encode_jpeg, write_pyramid
from tests.conftest import needs

pytestmark = needs(
    native.extension() is not None, "ingest._jpegstream (gcc, libjpeg62-turbo-dev, cffi)"
)

SERVICE = "http://h/iiif/x/y"


def picture(size: tuple[int, int], mode: str = "RGB") -> np.ndarray:
    """Smooth gradients with a little noise: what a scan looks like to a JPEG encoder."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(7)
    planes = [(x * 255 // max(1, w - 1)), (y * 255 // max(1, h - 1)), ((x + y) % 256)]
    rgb = np.stack(planes, axis=2) + rng.integers(-6, 7, (h, w, 3))
    pixels = np.clip(rgb, 0, 255).astype(np.uint8)
    if mode == "L":
        return np.ascontiguousarray(pixels[:, :, :1])
    return pixels


def encode(pixels: np.ndarray, band: int, quality: int = 85) -> bytes:
    h, w, c = pixels.shape
    with JpegEncoder(w, h, c, quality) as encoder:
        for y in range(0, h, band):
            encoder.write(pixels[y : y + band])
        return bytes(encoder.finish())


@pytest.mark.parametrize(
    ("size", "mode"), [((700, 513), "RGB"), ((301, 999), "L"), ((1, 1), "RGB")]
)
def test_band_by_band_is_one_jpeg_of_the_whole(size, mode) -> None:
    pixels = picture(size, mode)
    whole = encode(pixels, pixels.shape[0])
    assert encode(pixels, 7) == whole == encode(pixels, 256)
    image = Image.open(io.BytesIO(whole))
    assert image.format == "JPEG" and image.size == size and image.mode == mode
    # as close to the pixels as the tiles' encoder (simplejpeg) at the same quality
    ours = np.abs(np.asarray(image, dtype=np.int16).reshape(pixels.shape) - pixels).mean()
    theirs = simplejpeg.decode_jpeg(
        encode_jpeg(pixels, 85), colorspace="GRAY" if mode == "L" else "RGB"
    )
    assert ours <= 1.1 * np.abs(theirs.astype(np.int16) - pixels).mean() + 0.05
    if mode == "RGB":  # 4:2:0 like every other file of the tree
        assert image.layer == [(1, 2, 2, 0), (2, 1, 1, 1), (3, 1, 1, 1)]


def test_quality_is_honoured() -> None:
    pixels = picture((400, 300))
    assert len(encode(pixels, 64, quality=95)) > 1.5 * len(encode(pixels, 64, quality=60))


def test_misuse_is_an_error_not_a_crash() -> None:
    pixels = picture((64, 40))
    with JpegEncoder(64, 40, 3, 85) as encoder:
        with pytest.raises(ValueError, match="64"):
            encoder.write(pixels[:, :32])  # the wrong width
        encoder.write(pixels[:20])
        with pytest.raises(JpegEncoderError):
            encoder.finish()  # rows missing
    with pytest.raises(JpegEncoderError, match="closed"):
        encoder.write(pixels)
    with pytest.raises(JpegEncoderError, match=r"[Ii]mage too big|[Ee]mpty|width|JPEG"):
        JpegEncoder(0, 10, 3, 85).write(pixels[:1, :0])
    # closed half way through a large image (its buffer grown several times): no crash
    big = picture((2000, 1500))
    encoder = JpegEncoder(2000, 1500, 3, 95)
    encoder.write(big[:1000])
    encoder.close()


@pytest.fixture
def small_levels_streamed(monkeypatch) -> None:
    """Levels of 4 MiB or more streamed: the full size of these test scans, not below."""
    monkeypatch.setattr(ingest.pyramid, "STREAM_MIN_BYTES", 4 * 2**20)


def tiff(tmp_path: Path, size: tuple[int, int], mode: str = "RGB") -> Path:
    path = tmp_path / f"scan-{mode}.tif"
    pixels = picture(size, mode)
    Image.fromarray(pixels[:, :, 0] if mode == "L" else pixels).save(path, compression="raw")
    return path


def tree(root: Path, path: Path) -> dict[str, bytes]:
    store = LocalStore(root)
    with store.tree("iiif/x/y") as writer:
        page = load_for_tiling(path, 0, 10**9)
        assert isinstance(page, TiffRows)
        write_pyramid(page, writer, SERVICE, tile=256, sizes_max=512, quality=85, workers=2)
    return {k: store.get(k) for k in store.list("iiif")}


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_full_max_of_a_tiff_streamed_and_not(
    tmp_path, monkeypatch, mode, small_levels_streamed
) -> None:
    """The same tree with and without the encoder: every tile the same bytes; full/max the
    same picture (two builds of libjpeg-turbo, not the same bytes)."""
    path = tiff(tmp_path, (1500, 1100), mode)
    streamed = tree(tmp_path / "a", path)
    monkeypatch.setattr(native.JpegEncoder, "available", staticmethod(lambda: False))
    whole = tree(tmp_path / "b", path)
    assert set(streamed) == set(whole) and len(streamed) > 40
    full = "iiif/x/y/full/max/0/default.jpg"
    for key in streamed:
        if key != full:
            assert streamed[key] == whole[key], key
    a = np.asarray(Image.open(io.BytesIO(streamed[full])), dtype=np.int16)
    b = np.asarray(Image.open(io.BytesIO(whole[full])), dtype=np.int16)
    source = picture((1500, 1100), mode).reshape(a.shape)
    assert a.shape == b.shape
    assert np.abs(a - source).mean() <= 1.1 * np.abs(b - source).mean() + 0.05


def test_the_top_level_is_given_back_while_full_max_is_encoded(
    tmp_path, monkeypatch, small_levels_streamed
) -> None:
    """Every band of the full-size level can be given back before full/max is written: the
    whole level is never held for one call to encode (as it was: a TIFF's peak memory was
    1.5× the image). Here full/max is written only once all 11 bands are released; were
    they held for it, the wait would time out."""
    released: list[int] = []
    all_released = threading.Event()
    release = ingest.pyramid.release_rows

    def record_release(pixels: np.ndarray, y0: int, y1: int) -> int:
        if pixels.shape[1] == 1500:  # the full-size level
            released.append(y0)
            if len(released) == 11:
                all_released.set()
        return release(pixels, y0, y1)

    class Recorder:
        def __init__(self, writer) -> None:
            self.writer = writer

        def put(self, key: str, data) -> None:
            if key == "full/max/0/default.jpg":
                assert all_released.wait(timeout=60), f"bands released first: {released}"
            self.writer.put(key, data)

    monkeypatch.setattr(ingest.pyramid, "release_rows", record_release)
    path = tiff(tmp_path, (1500, 2600))
    store = LocalStore(tmp_path / "s")
    with store.tree("iiif/x/y") as writer:
        page = load_for_tiling(path, 0, 10**9)
        write_pyramid(page, Recorder(writer), SERVICE, tile=256, quality=85, workers=2)
    assert sorted(released) == list(range(0, 2600, 256))
    with Image.open(store.path("iiif/x/y/full/max/0/default.jpg")) as image:
        assert image.size == (1500, 2600)


def test_a_tiff_cut_short_stops_the_encoder_and_keeps_the_old_tree(
    tmp_path, small_levels_streamed
) -> None:
    path = tiff(tmp_path, (1200, 1500))
    store = LocalStore(tmp_path / "s")
    good = tree(tmp_path / "s", path)
    path.write_bytes(path.read_bytes()[: 1200 * 3 * 900])
    with pytest.raises(ImageError, match=r"scan-RGB\.tif"):
        tree(tmp_path / "s", path)
    assert {k: store.get(k) for k in store.list("iiif")} == good
