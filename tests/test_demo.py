"""The demo archive: a valid project with a sheet that reads cleanly, scans that cover what
real deliveries contain, cheap idempotent re-builds, and an ingest that re-runs to nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from archive.config import load_config
from archive.errors import KuraError
from archive.project import SHEET_HEADERS, init_project
from archive.sheet import read_sheet
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from kura.demo import DEMO_TITLE_EN, DEMO_TITLE_JA, HOMEPAGE, build_demo
from kura.demo.scans import SCANS

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "demo-archive"
    build_demo(root, base_url=BASE)
    return root


def scan_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "scans").rglob("*") if p.is_file())


def mtimes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in scan_files(root)}


def test_project_layout_and_config(demo: Path) -> None:
    for folder in ("scans", "lessons", "collections"):
        assert (demo / folder).is_dir()
    # the demo lessons and senior collection (issue 5)
    assert sorted(p.name for p in (demo / "lessons").iterdir()) == [
        "mukashi-no-dogu.md",
        "oshima-tsumugi.md",
    ]
    assert [p.name for p in (demo / "collections").iterdir()] == ["mukashi-no-murayama.toml"]
    config = load_config(demo)
    assert config.base_url == BASE
    assert config.title == {"ja": DEMO_TITLE_JA, "en": DEMO_TITLE_EN}
    assert config.required_statement["value"] == {"ja": "武蔵村山市", "en": "Musashimurayama City"}
    assert config.provider == {
        "label": {"ja": "武蔵村山市", "en": "Musashimurayama City"},
        "homepage": HOMEPAGE,
    }
    text = (demo / "kura.toml").read_text(encoding="utf-8")
    assert "# 公開URLの基点" in text and "# 提供者 (IIIF provider)" in text  # comments kept
    raw = (demo / "items.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    header = raw.decode("utf-8-sig").split("\r\n", 1)[0]
    assert header.split(",") == SHEET_HEADERS


def test_sheet_reads_without_problems(demo: Path) -> None:
    config = load_config(demo)
    result = read_sheet(config.sheet_path(), config)
    assert result.problems == []  # no errors and no warnings: every date parses, every file exists
    with (demo / "items.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = [row["ID"] for row in csv.DictReader(sheet)]
    assert [item.id for item in result.items] == rows  # every row, in the sheet's order
    items = {item.id: item for item in result.items}
    assert len(items) == len(result.items)
    for item in result.items:
        assert item.get("名称") and item.get("概要") and item.get("概要_英語") and item.date

    rtl = [i for i in result.items if i.viewing_direction == "right-to-left"]
    assert {i.id for i in rtl} >= {"sashida-nikki"}
    diary = items["sashida-nikki"]
    assert "*" in diary.get("画像ファイル")  # pages found by a glob …
    assert [p.name for p in diary.images] == [f"{n:02d}.jpg" for n in range(1, 7)]
    assert diary.images[0].parent.name == "指田日記"  # … in a folder with a Japanese name
    assert diary.date is not None and (diary.date.start, diary.date.end) == (1834, 1871)

    assert [i.id for i in result.items if not i.images] == ["soban-nenbutsu", "kisshozan-iseki"]
    rights = {i.rights for i in result.items}
    assert rights == {
        "http://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/publicdomain/zero/1.0/",
        "http://creativecommons.org/publicdomain/mark/1.0/",
    }
    for item in result.items:
        if item.get("緯度"):
            assert 35.7 < float(item.get("緯度")) < 35.8
            assert 139.3 < float(item.get("経度")) < 139.45


def test_scans_cover_the_formats_and_sizes(demo: Path) -> None:
    files = scan_files(demo)
    assert {f.relative_to(demo / "scans").as_posix() for f in files} == {s.path for s in SCANS}
    assert not [f for f in files if f.name.startswith(".")]  # no leftover temporary files
    formats, modes, frames, long_sides, lzw = set(), set(), {}, {}, set()
    for f in files:
        with Image.open(f) as im:
            formats.add(im.format)
            modes.add(im.mode)
            frames[f.name] = getattr(im, "n_frames", 1)
            long_sides[f.name] = max(im.size)
            if im.format == "TIFF":
                lzw.add(im.info.get("compression"))
    assert formats == {"JPEG", "PNG", "TIFF"}
    assert lzw == {"tiff_lzw"}
    assert "L" in modes and "RGB" in modes  # a greyscale photo among colour scans
    assert frames["宗門人別改帳.tif"] == 3  # a multi-frame TIFF
    assert long_sides["村絵図.jpg"] >= 6000  # a map that needs deep zoom
    assert sorted(long_sides.values())[-2] >= 4000  # and a 4000-px photo
    assert all(side >= 1400 for side in long_sides.values())
    assert sum(f.stat().st_size for f in files) < 60_000_000


def test_rebuild_only_updates_base_url_and_keeps_scans(demo: Path) -> None:
    before = mtimes(demo)
    sheet_mtime = (demo / "items.csv").stat().st_mtime_ns
    old_config = (demo / "kura.toml").read_text(encoding="utf-8")

    build_demo(demo, base_url="http://localhost:9000")
    assert mtimes(demo) == before
    assert (demo / "items.csv").stat().st_mtime_ns == sheet_mtime  # unchanged text, not rewritten
    new_config = (demo / "kura.toml").read_text(encoding="utf-8")
    changed = [
        (a, b)
        for a, b in zip(old_config.splitlines(), new_config.splitlines(), strict=True)
        if a != b
    ]
    assert changed == [(f'base_url = "{BASE}"', 'base_url = "http://localhost:9000"')]

    build_demo(demo, base_url=BASE)
    assert mtimes(demo) == before
    assert (demo / "kura.toml").read_text(encoding="utf-8") == old_config


def test_missing_scan_is_drawn_again_identically(demo: Path) -> None:
    path = demo / "scans" / "民具" / "石臼.jpg"
    data = path.read_bytes()
    path.unlink()
    build_demo(demo, base_url=BASE)
    assert path.read_bytes() == data  # the drawing is seeded


def test_sheet_is_restored_when_edited(demo: Path) -> None:
    sheet = demo / "items.csv"
    original = sheet.read_bytes()
    sheet.write_bytes(original[: len(original) // 2])
    build_demo(demo, base_url=BASE)
    assert sheet.read_bytes() == original


def test_refuses_to_overwrite_a_real_archive(tmp_path: Path) -> None:
    init_project(tmp_path, "テスト文書館", "Test Archive")
    sheet = (tmp_path / "items.csv").read_bytes()
    with pytest.raises(KuraError, match="not a demo archive"):
        build_demo(tmp_path, base_url=BASE)
    assert (tmp_path / "items.csv").read_bytes() == sheet
    assert not any((tmp_path / "scans").iterdir())


def test_init_takes_what_the_demo_needs(tmp_path: Path) -> None:
    args = ["--base-url", "https://archive.example.jp", "--homepage", "https://example.jp/"]
    args += ["--title", "見本市の蔵", "--holder", "見本市", "--holder-en", "Mihon City"]
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "p"), *args])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "p")
    assert config.base_url == "https://archive.example.jp"
    assert config.title["ja"] == "見本市の蔵"
    assert config.required_statement["value"] == {"ja": "見本市", "en": "Mihon City"}
    assert config.provider == {
        "label": {"ja": "見本市", "en": "Mihon City"},
        "homepage": "https://example.jp/",
    }
    # without them, the same commented file with empty holder and homepage
    init_project(tmp_path / "q")
    plain = (tmp_path / "q" / "kura.toml").read_text(encoding="utf-8")
    assert 'base_url = "http://127.0.0.1:8000"' in plain and 'homepage = ""' in plain
    assert 'value = { ja = "", en = "" }' in plain


def test_demo_ingests_and_a_rerun_does_nothing(demo: Path) -> None:
    config = load_config(demo)
    items = read_sheet(config.sheet_path(), config).items
    first = Ingest(config, IngestOptions(jobs=2, progress=False), say=lambda _: None).run()
    assert not first.failed, first.report()
    assert first.problems == []
    assert first.count("new") == len(items)
    assert sum(o.tiled for o in first.outcomes) == 20  # 6 + 2 + 3 + one page for the other 9

    build_demo(demo, base_url=BASE)
    again = Ingest(
        load_config(demo), IngestOptions(jobs=2, progress=False), say=lambda _: None
    ).run()
    assert not again.failed, again.report()
    assert again.count("unchanged") == len(items)
    assert sum(o.tiled for o in again.outcomes) == 0
