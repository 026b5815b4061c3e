"""Issue 17 item 8: a multi-page TIFF is read in linear time. Ingest probes a file, then
loads each page on its own; reaching page n used to read the n directories before it (in
Pillow and in tifffile), and counting pages read all of them: n² directory reads in all.
The work is counted here (directory reads and seeks), not timed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image, TiffImagePlugin

from archive.errors import ImageError
from ingest import pages as tiff_pages
from ingest.images import load_page, probe
from ingest.pages import tiff_page_offsets
from ingest.pixels import load_for_tiling, load_pixels, source_jpeg

MAX_PIXELS = 10**9


def write_pages(path: Path, pages: int, compression: str | None = None, rgb: bool = False) -> Path:
    """``pages`` small pages, page n filled with n % 251 (so each page can be told apart)."""
    shape = (12, 16, 3) if rgb else (12, 16)
    if compression in ("lzw", "packbits"):  # tifffile needs imagecodecs to write these
        frames = [Image.fromarray(np.full(shape, n % 251, np.uint8)) for n in range(pages)]
        frames[0].save(
            path, save_all=True, append_images=frames[1:], compression=f"tiff_{compression}"
        )
        return path
    with tifffile.TiffWriter(path) as tif:
        for n in range(pages):
            tif.write(np.full(shape, n % 251, np.uint8), compression=compression)
    return path


@pytest.fixture
def count(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts directory reads by Pillow, seeks by tifffile and the walk's own reads."""
    counted = {"pillow": 0, "tifffile": 0}
    load = TiffImagePlugin.ImageFileDirectory_v2.load
    seek = tifffile.FileHandle.seek

    def counting_load(self, fp):  # type: ignore[no-untyped-def]
        counted["pillow"] += 1
        return load(self, fp)

    def counting_seek(self, offset, whence=0):  # type: ignore[no-untyped-def]
        counted["tifffile"] += 1
        return seek(self, offset, whence)

    monkeypatch.setattr(TiffImagePlugin.ImageFileDirectory_v2, "load", counting_load)
    monkeypatch.setattr(tifffile.FileHandle, "seek", counting_seek)
    monkeypatch.setitem(tiff_pages.WALK, "ifd", 0)
    return counted


def ingest_like(path: Path) -> None:
    """What ingest's build_pages does with a scan file: probe it, then each page alone."""
    for info in probe(path, MAX_PIXELS):
        source_jpeg(path, info.frame)
        load_for_tiling(path, info.frame, MAX_PIXELS)


def work(path: Path, count: dict[str, int]) -> int:
    tiff_pages._offsets_cache.clear()
    before = count["pillow"] + count["tifffile"] + tiff_pages.WALK["ifd"]
    ingest_like(path)
    return count["pillow"] + count["tifffile"] + tiff_pages.WALK["ifd"] - before


@pytest.mark.parametrize("compression", [None, "lzw"], ids=["uncompressed", "lzw"])
def test_pages_are_read_in_linear_time(tmp_path: Path, count, compression) -> None:
    small = work(write_pages(tmp_path / "200.tif", 200, compression), count)
    large = work(write_pages(tmp_path / "1000.tif", 1000, compression), count)
    print(f"{compression}: 200 pages {small} reads, 1,000 pages {large} reads")
    assert large < 20 * 1000  # a few reads a page (quadratic: about 1,500 a page)
    assert large / small < 5.5  # five times the pages, five times the work (not 25)


@pytest.mark.parametrize(
    "compression, rgb",
    [(None, False), (None, True), ("zlib", True), ("lzw", False), ("packbits", False)],
)
def test_each_page_is_its_own(tmp_path: Path, compression, rgb: bool) -> None:
    path = write_pages(tmp_path / "鳥瞰図.tif", 7, compression, rgb)
    assert len(tiff_page_offsets(path)) == 7
    assert [p.frame for p in probe(path, MAX_PIXELS)] == list(range(7))
    for n in (6, 0, 3):
        pixels = load_pixels(path, n, MAX_PIXELS)
        assert pixels.shape[:2] == (12, 16)
        assert int(pixels.min()) == int(pixels.max()) == n
        assert np.asarray(load_page(path, n, MAX_PIXELS)).max() == n
    with pytest.raises(ImageError, match="no frame 7: the file has 7 page"):
        load_page(path, 7, MAX_PIXELS)


def test_bigtiff_pages(tmp_path: Path) -> None:
    path = tmp_path / "big.tif"
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for n in range(5):
            tif.write(np.full((8, 8), n * 10, np.uint8))
    assert len(probe(path, MAX_PIXELS)) == 5
    assert int(load_pixels(path, 4, MAX_PIXELS).max()) == 40


def test_a_page_cap(tmp_path: Path) -> None:
    path = write_pages(tmp_path / "台帳.tif", 30)
    with pytest.raises(ImageError) as err:
        probe(path, MAX_PIXELS, max_pages=20)
    message = str(err.value)
    assert "too many pages: more than 20 (limit [limits] tiff_pages in kura.toml)" in message
    assert "\n" not in message
    assert len(probe(path, MAX_PIXELS, max_pages=30)) == 30


def test_a_directory_chain_that_loops(tmp_path: Path) -> None:
    """The last page's "next" pointer points back at the first: the pages once, no hang."""
    path = write_pages(tmp_path / "loop.tif", 3)
    data = bytearray(path.read_bytes())
    offsets = tiff_page_offsets(path)
    last = offsets[-1]
    entries = int.from_bytes(data[last : last + 2], "little")
    at = last + 2 + entries * 12
    data[at : at + 4] = offsets[0].to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert [p.frame for p in probe(path, MAX_PIXELS)] == [0, 1, 2]


def test_kura_toml_caps_pages_at_ingest(project) -> None:
    """[limits] tiff_pages in kura.toml reaches the ingest: a TIFF with more pages fails its
    item with one line naming the limit; the other item is ingested."""
    from archive.config import load_config
    from ingest.pipeline import Ingest, IngestOptions

    root = project(
        [
            {"ID": "many", "名称": "多頁", "画像ファイル": "many.tif"},
            {"ID": "few", "名称": "少頁", "画像ファイル": "few.tif"},
        ]
    )
    (root / "scans").mkdir(exist_ok=True)
    write_pages(root / "scans" / "many.tif", 4)
    write_pages(root / "scans" / "few.tif", 3)
    toml = root / "kura.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[limits]\ntiff_pages = 3\n", "utf-8")
    summary = Ingest(load_config(root), IngestOptions(jobs=1)).run()
    outcomes = {o.id: o for o in summary.outcomes}
    assert outcomes["few"].status == "new" and outcomes["few"].pages == 3
    assert outcomes["many"].status == "failed"
    assert "tiff_pages" in outcomes["many"].error and "\n" not in outcomes["many"].error
