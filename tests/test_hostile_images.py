"""Hostile and broken scans in one real batch, beside sound items and over a published
archive: each bad file gives one line naming it, the rest of the batch goes on, the run
exits 1, nothing stored is damaged, and the run's report and log say what happened.

(Decoding of each case is unit-tested in test_images.py; this is the whole pipeline.)
"""

from __future__ import annotations

import json
import mmap
import struct
import tracemalloc
import unicodedata
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from archive.config import load_config
from archive.fixity import verify
from archive.project import init_project
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.conftest import make_scan, write_sheet
from tests.peak_memory import peak_growth
from tests.rendered import all_documents, documents


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def giga_png(path: Path) -> None:
    """IHDR claims 50000 × 40000 (2 gigapixels, 6 GB as RGB); the data is one tiny row."""
    ihdr = struct.pack(">IIBBBBB", 50_000, 40_000, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def giga_jpeg(path: Path) -> None:
    """A small JPEG whose SOF0 header is patched to claim 65000 × 33000 (2.1 gigapixels)."""
    Image.new("RGB", (16, 16), (200, 10, 10)).save(path, quality=90)
    data = bytearray(path.read_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 33_000, 65_000)  # height, width
    path.write_bytes(bytes(data))


def giga_tiff(path: Path) -> None:
    """A small uncompressed TIFF whose ImageWidth/ImageLength claim 50000 × 40000."""
    Image.new("RGB", (16, 16), (10, 200, 10)).save(path)
    data = bytearray(path.read_bytes())
    assert data[:2] == b"II"
    ifd = struct.unpack_from("<I", data, 4)[0]
    for i in range(struct.unpack_from("<H", data, ifd)[0]):
        at = ifd + 2 + 12 * i
        tag, kind = struct.unpack_from("<HH", data, at)
        if tag in (256, 257):
            value = 50_000 if tag == 256 else 40_000
            fmt = "<H" if kind == 3 else "<I"
            struct.pack_into(fmt, data, at + 8, value)
    path.write_bytes(bytes(data))


def truncated(path: Path, make) -> None:
    make(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def orientation_jpeg(path: Path, orientation: int) -> None:
    image = Image.new("RGB", (60, 30), (30, 60, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, quality=90, exif=exif)


OUTSIDE = "outside.jpg"

# ID → (file under scans/, how to make it, expected: None = ingested, or a fragment of the
# one error line)
BAD: dict[str, tuple[str, object, str]] = {
    "zero-jpg": ("zero.jpg", lambda p: p.write_bytes(b""), "0 bytes"),
    "zero-png": ("zero.png", lambda p: p.write_bytes(b""), "0 bytes"),
    "zero-tif": ("zero.tif", lambda p: p.write_bytes(b""), "0 bytes"),
    "cut-jpg": (
        "cut.jpg",
        lambda p: truncated(p, lambda q: make_scan(q, (400, 300), quality=95)),
        "cut.jpg",
    ),
    "cut-png": ("cut.png", lambda p: truncated(p, lambda q: make_scan(q, (400, 300))), "cut.png"),
    "cut-tif": (
        "cut.tif",
        lambda p: truncated(p, lambda q: make_scan(q, (400, 300), compression="tiff_lzw")),
        "cut.tif",
    ),
    "pdf": ("pdf.jpg", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"), "PDF"),
    "html": (
        "html.jpg",
        lambda p: p.write_bytes(b"<!DOCTYPE html><html><title>404</title></html>"),
        "HTML",
    ),
    "giga-png": ("giga.png", giga_png, "max_pixels"),
    "giga-jpg": ("giga.jpg", giga_jpeg, "max_pixels"),
    "giga-tif": ("giga.tif", giga_tiff, "max_pixels"),
}


def _mode(mode: str, **save):
    def make(path: Path) -> None:
        make_scan(path, (120, 90), mode=mode, **save)

    return make


def _sixteen_bit(path: Path) -> None:
    Image.linear_gradient("L").resize((120, 90)).convert("I;16").save(path)


GOOD: dict[str, tuple[str, object]] = {
    "one-jpg": ("one.jpg", lambda p: Image.new("RGB", (1, 1), "red").save(p, quality=95)),
    "one-png": ("one.png", lambda p: Image.new("RGB", (1, 1), "red").save(p)),
    "one-tif": ("one.tif", lambda p: Image.new("RGB", (1, 1), "red").save(p)),
    "wide": ("wide.png", lambda p: Image.new("RGB", (100_000, 1), "white").save(p)),
    "grey16": ("grey16.png", _sixteen_bit),
    "cmyk": ("cmyk.jpg", _mode("CMYK", quality=90)),
    "palette": ("palette.png", _mode("P")),
    "la": ("la.png", _mode("LA")),
    "spaces": ("with spaces/page 1.jpg", lambda p: make_scan(p, (80, 60), quality=90)),
    "japanese": ("指田日記/第一巻.jpg", lambda p: make_scan(p, (80, 60), quality=90)),
    **{f"exif{n}": (f"exif/{n}.jpg", lambda p, n=n: orientation_jpeg(p, n)) for n in range(1, 9)},
}


@pytest.fixture
def hostile(project, tmp_path: Path) -> Path:
    """A published archive (one sound item), then a delivery of every hostile case."""
    root = project([{"ID": "sound", "名称": "健全な資料", "画像ファイル": "sound.jpg"}])
    make_scan(root / "scans" / "sound.jpg", (500, 400), quality=90)
    assert not Ingest(load_config(root), IngestOptions(jobs=1)).run().failed

    rows = [{"ID": "sound", "名称": "健全な資料", "画像ファイル": "sound.jpg"}]
    for item_id, (name, make, _) in BAD.items():
        make(root / "scans" / name)
        rows.append({"ID": item_id, "名称": item_id, "画像ファイル": name})
    for item_id, (name, make) in GOOD.items():
        (root / "scans" / name).parent.mkdir(parents=True, exist_ok=True)
        make(root / "scans" / name)
        rows.append({"ID": item_id, "名称": item_id, "画像ファイル": name})
    # NFD on disk (as macOS writes), NFC in the sheet (as Windows and Excel write)
    nfd = unicodedata.normalize("NFD", "ガイドブック.jpg")
    make_scan(root / "scans" / nfd, (80, 60), quality=90)
    rows.append({"ID": "nfd", "名称": "濁点", "画像ファイル": "ガイドブック.jpg"})
    # symlinks out of the project: to a file and to a folder
    outside = tmp_path / "elsewhere"
    make_scan(outside / OUTSIDE, (80, 60), quality=90)
    (root / "scans" / "link.jpg").symlink_to(outside / OUTSIDE)
    (root / "scans" / "linked-folder").symlink_to(outside, target_is_directory=True)
    rows.append({"ID": "symlink", "名称": "リンク", "画像ファイル": "link.jpg"})
    rows.append({"ID": "symlink-dir", "名称": "リンク", "画像ファイル": "linked-folder/*.jpg"})
    write_sheet(root, rows)
    return root


def test_every_hostile_scan_in_one_batch(hostile: Path, tmp_path: Path) -> None:
    store = LocalStore(hostile / "public")
    growing = ("state/activity",)  # a new batch adds to the change log
    before = {key: store.get(key) for key in store.list() if not key.startswith(growing)}
    feed = documents(hostile)  # documents are rendered from the store, none is stored
    items_before = {  # each item's manifest and info.json (the top collection grows)
        k: v
        for k, v in all_documents(hostile, info=True).items()
        if k.startswith("iiif/") and not k.startswith("iiif/collection/")
    }
    assert any(k.endswith("/manifest.json") for k in items_before)
    activities_before = feed.render("activity/page-0.json")["orderedItems"]
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["--lang", "en", "-C", str(hostile), "ingest", "--jobs", "2", "--report", str(report)]
    )
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()

    for item_id, (name, _, fragment) in BAD.items():  # one line each, naming the file
        mine = [line for line in lines if line.startswith(f"failed: {item_id}:")]
        assert len(mine) == 1, (item_id, lines)
        assert f"scans/{name}" in mine[0] and fragment in mine[0], mine[0]
        assert not store.exists(f"records/{item_id}.json")
    for item_id, entry in (("symlink", "link.jpg"), ("symlink-dir", OUTSIDE)):
        mine = [line for line in lines if entry in line and "outside the scans folder" in line]
        assert len(mine) == 1 and "items.csv row" in mine[0] and "画像ファイル" in mine[0]
        assert not store.exists(f"records/{item_id}.json")
    assert not list((hostile / "public" / "masters").glob(f"*/*/{OUTSIDE}"))

    for item_id in [*GOOD, "nfd"]:  # the strange but sound ones are all ingested
        record = json.loads(store.get(f"records/{item_id}.json"))
        assert record["pages"], item_id
    wide = json.loads(store.get("records/wide.json"))["pages"][0]
    assert (wide["width"], wide["height"]) == (100_000, 1)
    for n in range(1, 9):  # orientations 5-8 turn the 60×30 scan upright: 30×60
        page = json.loads(store.get(f"records/exif{n}.json"))["pages"][0]
        assert (page["width"], page["height"]) == ((60, 30) if n < 5 else (30, 60)), n

    for key, data in before.items():  # what was published before is untouched
        assert store.get(key) == data, key
    after = all_documents(hostile, info=True)
    for key, document in items_before.items():  # and renders as before
        assert after[key] == document, key
    activities = feed.render("activity/page-0.json")["orderedItems"]
    assert activities[: len(activities_before)] == activities_before  # the feed only grows
    assert len(activities) == len(activities_before) + len(GOOD) + 1
    assert verify(store).ok

    data = json.loads(report.read_text("utf-8"))
    failed = len(BAD) + 2
    assert data["failed"] is True and data["counts"]["failed"] == failed
    assert data["counts"]["new"] == len(GOOD) + 1 and data["counts"]["unchanged"] == 1
    assert data["started"] and data["finished"] and data["kura"]
    by_id = {i["id"]: i for i in data["items"]}
    assert "0 bytes" in by_id["zero-jpg"]["error"] and by_id["sound"]["status"] == "unchanged"

    log = hostile / data["log"]  # the structured log says the same, a line per event
    events = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert events[0]["event"] == "start" and events[-1]["event"] == "end"
    items = {e["id"]: e for e in events if e["event"] == "item"}
    assert set(items) == set(by_id)
    assert items["pdf"]["status"] == "failed" and "PDF" in items["pdf"]["error"]
    assert all("seconds" in e for e in items.values())
    assert any(e["event"] == "problem" and e["row"] for e in events)
    assert events[-1]["failed"] is True and events[-1]["counts"]["failed"] == failed


REFUSAL_LIMIT = 16 << 20
"""Bytes the refusal of the three gigapixel headers may add to the resident set at most (2
gigapixels decoded would be 6 GB; reading three headers costs about 1.5 MB, measured)."""


def ingest_once(root: str) -> dict:
    """Ingest the project at ``root`` in this process (run by tests.peak_memory)."""
    summary = Ingest(load_config(Path(root)), IngestOptions(jobs=1, progress=False)).run()
    return {"failed": summary.count("failed"), "errors": [o.error for o in summary.outcomes]}


def ingest_a_sound_scan(root: str) -> None:
    """Warm-up before the measured call: a first ingest of a sound scan in another project,
    so that the modules and caches the ingest loads on first use are not counted."""
    warm = Path(root).parent / "warm-up"
    init_project(warm)
    write_sheet(warm, [{"ID": "sound", "名称": "健全な資料", "画像ファイル": "sound.jpg"}])
    make_scan(warm / "scans" / "sound.jpg", (300, 200), quality=90)
    assert ingest_once(str(warm))["failed"] == 0


def allocate(megabytes: int, how: str) -> int:
    """Hold ``megabytes`` of written memory the way a decoder would: a Pillow image or an
    anonymous mapping. Returns what tracemalloc saw of it (bytes), which is next to nothing."""
    tracemalloc.start()
    try:
        if how == "pillow":  # RGB is stored 4 bytes a pixel
            held = Image.new("RGB", (1024, megabytes * 256), (1, 2, 3))
        else:
            held = mmap.mmap(-1, megabytes << 20)
            for at in range(0, len(held), mmap.PAGESIZE):
                held[at] = 1
        _, seen = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del held
    return seen


@pytest.mark.parametrize("how", ["pillow", "mmap"])
def test_the_memory_measure_sees_pillow_and_mmap(how: str) -> None:
    """The measure below can fail: 384 MB held in a Pillow image or an mmap is seen whole
    (tracemalloc, which the check once used, sees a few hundred bytes of it)."""
    peak = peak_growth("tests.test_hostile_images:allocate", 384, how)
    assert peak.growth > REFUSAL_LIMIT
    assert peak.growth >= 380 << 20, (peak.growth, f"tracemalloc saw {peak.result} bytes")


def test_the_memory_measure_sees_an_ingest_that_decodes(project) -> None:
    """The same measure over the same ingest, warmed up alike, sees a scan that is decoded:
    a 12-megapixel PNG (36 MB of pixels) is well above the limit."""
    root = project([{"ID": "big", "名称": "大きな資料", "画像ファイル": "big.png"}])
    make_scan(root / "scans" / "big.png", (4000, 3000))
    peak = peak_growth(
        "tests.test_hostile_images:ingest_once",
        str(root),
        warmup="tests.test_hostile_images:ingest_a_sound_scan",
    )
    assert peak.result["failed"] == 0
    assert peak.growth >= 4000 * 3000 * 3 > REFUSAL_LIMIT, f"{peak.growth / 2**20:.1f} MB"


def test_gigapixel_headers_are_refused_without_allocating(project) -> None:
    root = project([{"ID": k, "名称": k, "画像ファイル": BAD[k][0]} for k in BAD if "giga" in k])
    for key in ("giga-png", "giga-jpg", "giga-tif"):
        BAD[key][1](root / "scans" / BAD[key][0])
    peak = peak_growth(
        "tests.test_hostile_images:ingest_once",
        str(root),
        warmup="tests.test_hostile_images:ingest_a_sound_scan",
    )
    assert peak.result["failed"] == 3
    assert all("max_pixels" in error for error in peak.result["errors"])
    assert peak.growth < REFUSAL_LIMIT, f"{peak.growth / 2**20:.1f} MB"


def test_a_rerun_after_fixing_the_files_finishes(hostile: Path) -> None:
    assert Ingest(load_config(hostile), IngestOptions(jobs=1)).run().failed
    for name, _, _ in BAD.values():
        make_scan(hostile / "scans" / name, (90, 70), seed=3, quality=90)
    write_sheet(
        hostile,
        [{"ID": "sound", "名称": "健全な資料", "画像ファイル": "sound.jpg"}]
        + [{"ID": i, "名称": i, "画像ファイル": BAD[i][0]} for i in BAD],
    )
    summary = Ingest(load_config(hostile), IngestOptions(jobs=1)).run()
    assert not summary.failed
    assert summary.count("new") == len(BAD)
