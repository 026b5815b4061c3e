"""The batch ingest: records, masters, manifests, re-runs, bad files, dry runs."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from click.testing import CliRunner

from archive.config import load_config
from archive.store import TEMP_MARK, LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.conftest import make_scan, write_sheet
from tests.rendered import Published


def run(root: Path, **options) -> object:
    return Ingest(load_config(root), IngestOptions(**options)).run()


def store_of(root: Path) -> LocalStore:
    return LocalStore(root / "public")


def record(root: Path, item_id: str) -> dict:
    return json.loads((root / "public" / "records" / f"{item_id}.json").read_text("utf-8"))


def published(root: Path) -> Published:
    """The store as a reader finds it: IIIF documents rendered from the records."""
    return Published(root)


def snapshot(root: Path) -> dict[str, int]:
    """mtime of every file in the store, to prove a re-run wrote nothing."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in (root / "public").rglob("*")
        if p.is_file()
    }


def test_first_ingest_writes_records_masters_manifests(sample_project: Path) -> None:
    summary = run(sample_project, jobs=2)
    assert not summary.failed, summary.report()
    assert summary.count("new") == 4
    assert sum(o.tiled for o in summary.outcomes) == 5  # 3 diary pages, 1 png, 1 tif

    diary = record(sample_project, "sashida-nikki")
    assert diary["title"] == "指田日記"
    assert diary["viewing_direction"] == "right-to-left"
    assert diary["date"] == {"text": "天保5年～明治4年", "start": 1834, "end": 1871}
    assert [p["file"] for p in diary["pages"]] == [
        "scans/指田日記/01.jpg",
        "scans/指田日記/02.jpg",
        "scans/指田日記/03.jpg",
    ]
    assert [(p["width"], p["height"]) for p in diary["pages"]] == [
        (700, 500),
        (710, 500),
        (720, 500),
    ]
    for f in diary["files"]:
        source = sample_project / f["path"]
        assert f["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
        assert f["size"] == source.stat().st_size
        kept = sample_project / "public" / f["master"]
        assert kept.read_bytes() == source.read_bytes()
    assert diary["ingest"]["kura"] and diary["ingest"]["at"]

    # the store holds records and tiles, no IIIF document: those are rendered from records
    store = store_of(sample_project)
    assert not [*store.list("iiif/collection"), *store.list("activity")]
    assert not [k for k in store.list("iiif") if k.endswith("/manifest.json")]
    assert b"127.0.0.1:8000" not in store.get("records/sashida-nikki.json")  # no address
    tree = diary["pages"][0]["image"]
    stored_info = json.loads(store.get(f"iiif/sashida-nikki/{tree}/info.json"))
    assert stored_info["id"] == f"iiif/sashida-nikki/{tree}"  # the tiler's own, no address
    docs = published(sample_project)
    manifest = json.loads(docs.get("iiif/sashida-nikki/manifest.json"))
    assert manifest["id"] == "http://127.0.0.1:8000/iiif/sashida-nikki/manifest.json"
    assert len(manifest["items"]) == 3
    assert docs.exists("iiif/collection/top.json")
    # a record without images: a record, no manifest, not in the IIIF collection
    assert record(sample_project, "shishimai")["pages"] == []
    assert not docs.exists("iiif/shishimai/manifest.json")
    top = json.loads(docs.get("iiif/collection/top.json"))
    assert [m["id"].rsplit("/", 2)[-2] for m in top["items"]] == ["bonsho", "ezu", "sashida-nikki"]


def test_rerun_with_nothing_changed_does_nothing(sample_project: Path) -> None:
    run(sample_project)
    before = snapshot(sample_project)
    summary = run(sample_project)
    assert summary.count("unchanged") == 4, summary.report()
    assert sum(o.tiled for o in summary.outcomes) == 0
    assert snapshot(sample_project) == before


def test_changed_scan_redoes_only_that_item(sample_project: Path) -> None:
    run(sample_project)
    old_tree = record(sample_project, "bonsho")["pages"][0]["image"]
    diary_before = record(sample_project, "sashida-nikki")
    make_scan(sample_project / "scans" / "bonsho.png", (320, 400), seed=8)

    summary = run(sample_project)
    statuses = {o.id: o.status for o in summary.outcomes}
    assert statuses == {
        "bonsho": "images",
        "sashida-nikki": "unchanged",
        "ezu": "unchanged",
        "shishimai": "unchanged",
    }
    assert sum(o.tiled for o in summary.outcomes) == 1
    bonsho = record(sample_project, "bonsho")
    assert (bonsho["pages"][0]["width"], bonsho["pages"][0]["height"]) == (320, 400)
    store = store_of(sample_project)
    assert not store.path(f"iiif/bonsho/{old_tree}").exists()  # old tiles removed
    assert store.exists(f"iiif/bonsho/{bonsho['pages'][0]['image']}/info.json")
    assert record(sample_project, "sashida-nikki") == diary_before
    # the old master is kept: masters are never overwritten
    assert len(list((sample_project / "public" / "masters" / "bonsho").iterdir())) == 2


def test_touched_scan_is_rehashed_not_retiled(sample_project: Path) -> None:
    run(sample_project)
    scan = sample_project / "scans" / "bonsho.png"
    os.utime(scan, ns=(scan.stat().st_atime_ns, scan.stat().st_mtime_ns + 10**9))
    summary = run(sample_project)
    assert {o.id: o.status for o in summary.outcomes}["bonsho"] == "metadata"
    assert sum(o.tiled for o in summary.outcomes) == 0


def test_changed_row_rewrites_documents_without_image_work(sample_project: Path) -> None:
    run(sample_project)
    sheet = sample_project / "items.csv"
    sheet.write_text(
        sheet.read_text("utf-8-sig").replace("真福寺梵鐘", "真福寺の梵鐘"), encoding="utf-8-sig"
    )
    summary = run(sample_project)
    assert {o.id: o.status for o in summary.outcomes}["bonsho"] == "metadata"
    assert sum(o.tiled for o in summary.outcomes) == 0
    assert record(sample_project, "bonsho")["title"] == "真福寺の梵鐘"
    manifest = json.loads(published(sample_project).get("iiif/bonsho/manifest.json"))
    assert manifest["label"]["ja"] == ["真福寺の梵鐘"]


def test_reordered_pages_reuse_their_trees(sample_project: Path) -> None:
    run(sample_project)
    sheet = sample_project / "items.csv"
    sheet.write_text(
        sheet.read_text("utf-8-sig").replace("指田日記/*.jpg", "指田日記/03.jpg;指田日記/01.jpg"),
        encoding="utf-8-sig",
    )
    summary = run(sample_project)
    assert sum(o.tiled for o in summary.outcomes) == 0
    pages = record(sample_project, "sashida-nikki")["pages"]
    assert [p["file"] for p in pages] == ["scans/指田日記/03.jpg", "scans/指田日記/01.jpg"]


def test_bad_file_fails_its_item_and_the_rest_goes_on(project) -> None:
    root = project(
        [
            {"ID": "good", "名称": "良い資料", "画像ファイル": "good.jpg"},
            {"ID": "broken", "名称": "壊れた資料", "画像ファイル": "broken.jpg"},
            {"ID": "fake", "名称": "偽の画像", "画像ファイル": "fake.jpg"},
            {"ID": "missing", "名称": "ない画像", "画像ファイル": "nothing-here.jpg"},
        ]
    )
    make_scan(root / "scans" / "good.jpg", (400, 300), quality=90)
    data = make_scan(root / "scans" / "whole.jpg", (400, 300), quality=90).read_bytes()
    (root / "scans" / "broken.jpg").write_bytes(data[: len(data) // 2])
    (root / "scans" / "fake.jpg").write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n")

    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), "ingest"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    broken = [line for line in lines if line.startswith("failed: broken:")]
    fake = [line for line in lines if line.startswith("failed: fake:")]
    assert len(broken) == 1 and "broken.jpg" in broken[0]
    assert len(fake) == 1 and "fake.jpg" in fake[0] and "PDF" in fake[0]
    missing = [line for line in lines if "nothing-here.jpg" in line]
    assert missing and "row 5" in missing[0] and "画像ファイル" in missing[0]
    assert "1 new" in lines[-1] and "3 failed" in lines[-1]
    assert published(root).exists("iiif/good/manifest.json")
    for item_id in ("broken", "fake", "missing"):
        assert not store_of(root).exists(f"records/{item_id}.json")
        assert not published(root).exists(f"iiif/{item_id}/manifest.json")


def test_bad_file_never_damages_what_was_stored(sample_project: Path) -> None:
    run(sample_project)
    store = store_of(sample_project)
    manifest = published(sample_project).get("iiif/bonsho/manifest.json")
    rec = store.get("records/bonsho.json")
    tree = json.loads(rec)["pages"][0]["image"]
    tiles = {k: store.get(k) for k in store.list(f"iiif/bonsho/{tree}")}
    (sample_project / "scans" / "bonsho.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    summary = run(sample_project)
    assert summary.failed
    assert {o.id: o.status for o in summary.outcomes}["bonsho"] == "failed"
    assert published(sample_project).get("iiif/bonsho/manifest.json") == manifest
    assert store.get("records/bonsho.json") == rec
    assert store.exists(f"iiif/bonsho/{tree}/info.json")
    assert {k: store.get(k) for k in store.list(f"iiif/bonsho/{tree}")} == tiles


def test_dry_run_writes_nothing(sample_project: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(sample_project), "ingest", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "new: sashida-nikki" in result.output
    assert not (sample_project / "public").exists()


def test_only_ingests_the_named_items(sample_project: Path) -> None:
    summary = run(sample_project, only=["bonsho"])
    assert [o.id for o in summary.outcomes] == ["bonsho"]
    assert not store_of(sample_project).exists("records/ezu.json")
    result = CliRunner().invoke(
        cli, ["--lang", "en", "-C", str(sample_project), "ingest", "--only", "nope"]
    )
    assert result.exit_code == 1
    assert "nope" in result.output


def test_report_json(sample_project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli, ["-C", str(sample_project), "ingest", "--report", str(report), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text("utf-8"))
    assert data["counts"]["new"] == 4
    assert data["pages_tiled"] == 5
    assert {i["id"] for i in data["items"]} == {"sashida-nikki", "bonsho", "ezu", "shishimai"}


def test_leftovers_of_a_killed_writer_are_swept(sample_project: Path) -> None:
    run(sample_project)
    store = store_of(sample_project)
    stale = store.root / "iiif" / "bonsho" / f"abc{TEMP_MARK}999"
    (stale / "full").mkdir(parents=True)
    (store.root / "records" / f"bonsho.json{TEMP_MARK}999").write_text("{")
    assert all(TEMP_MARK not in key for key in store.list())
    run(sample_project)
    assert not stale.exists()


def test_sheet_in_cp932_and_xlsx(project) -> None:
    from openpyxl import Workbook

    root = project(None)
    make_scan(root / "scans" / "a.jpg", (300, 200), quality=90)
    (root / "items.csv").write_bytes(
        "ID,名称,画像ファイル,利用条件\r\nmaru1,①番の資料 ㈱ ｱｲｳ,a.jpg,CC BY 4.0\r\n".encode(
            "cp932"
        )
    )
    assert not run(root).failed
    assert record(root, "maru1")["title"] == "①番の資料 ㈱ ｱｲｳ"

    (root / "items.csv").unlink()
    book = Workbook()
    book.active.append(["ID", "名称", "画像ファイル"])
    book.active.append(["xl1", "エクセルの資料", "a.jpg"])
    book.save(root / "items.xlsx")
    assert not run(root).failed
    assert record(root, "xl1")["title"] == "エクセルの資料"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path / "a")]).exit_code == 0
    second = runner.invoke(cli, ["--lang", "en", "init", str(tmp_path / "a")])
    assert second.exit_code == 1
    assert "already exists" in second.output


def test_init_writes_a_working_project(tmp_path: Path) -> None:
    root = tmp_path / "new"
    result = CliRunner().invoke(cli, ["init", str(root)])
    assert result.exit_code == 0, result.output
    for folder in ("scans", "lessons", "collections"):
        assert (root / folder).is_dir()
    config = load_config(root)
    assert config.tile_size == 256 and config.jpeg_quality == 85
    text = (root / "kura.toml").read_text("utf-8")
    assert text.count("#") > 10  # commented
    # the example sheet reads cleanly once its scans exist; its rows are examples (IDs
    # starting with #), never ingested
    make_scan(root / "scans" / "example-001" / "1.jpg", (200, 300), quality=90)
    summary = run(root)
    assert not summary.failed and summary.problems == []
    assert (summary.rows, summary.skipped, summary.outcomes) == (2, 2, [])
    # rows written like them (their IDs without the #) ingest cleanly
    sheet = root / "items.csv"
    sheet.write_text(sheet.read_text("utf-8-sig").replace("#example-", "M"), "utf-8-sig")
    summary = run(root)
    assert not summary.failed, [p.line("en") for p in summary.problems]
    assert summary.count("new") == 2


def test_ingest_without_project_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(tmp_path), "ingest"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "kura.toml" in result.output


def test_python_dash_m_archive_works(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "kura", "--version"], capture_output=True, text=True, check=True
    )
    assert "kura" in out.stdout


def test_sheet_with_error_rows_still_ingests_the_rest(project) -> None:
    root = project(
        [
            {"ID": "ok-1", "名称": "資料一"},
            {"ID": "ok 2", "名称": "資料二"},
            {"ID": "ok-3", "名称": ""},
            {"ID": "ok-1", "名称": "重複"},
        ]
    )
    summary = run(root)
    assert summary.failed
    assert [o.id for o in summary.outcomes if o.status == "new"] == ["ok-1"]
    rows = sorted((p.row, p.column) for p in summary.problems if p.level == "error")
    assert rows == [(3, "ID"), (4, "名称"), (5, "ID")]
    assert record(root, "ok-1")["title"] == "資料一"


def test_write_sheet_helper_roundtrip(project) -> None:
    root = project([{"ID": "a", "名称": "武蔵村山"}])
    write_sheet(root, [{"ID": "b", "名称": "狭山丘陵"}])
    assert "狭山丘陵" in (root / "items.csv").read_text("utf-8-sig")


def test_a_scan_changing_while_it_is_kept_fails_the_item(sample_project: Path, monkeypatch) -> None:
    """Fault injection: the copy kept in masters/ differs from the bytes that were hashed
    (the file was replaced mid-ingest): the item fails and no unverified master is kept."""
    real = LocalStore.put_file

    def tampered(self, key, source):
        real(self, key, source)
        return "0" * 64

    monkeypatch.setattr(LocalStore, "put_file", tampered)
    summary = run(sample_project, jobs=1, only=["bonsho"])
    (outcome,) = summary.outcomes
    assert outcome.status == "failed" and "changed during ingest" in outcome.error
    assert not list((sample_project / "public" / "masters").rglob("*.png"))


def test_cli_rerun_leaves_curated_documents_untouched(sample_project: Path) -> None:
    """`kura ingest` also compiles lessons and collections; with nothing changed it rewrites
    none of them (their mtimes are what publishing and mirrors go by)."""
    (sample_project / "collections" / "kane.md").write_text(
        "---\ntitle: 鐘\nitems:\n  - bonsho\n---\n梵鐘の資料です。\n", encoding="utf-8"
    )
    args = ["--lang", "en", "-C", str(sample_project), "ingest", "--no-progress"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert store_of(sample_project).exists("state/collections/kane.json")  # compiled
    kane = json.loads(published(sample_project).get("iiif/collection/kane.json"))
    assert [m["id"] for m in kane["items"]] == ["http://127.0.0.1:8000/iiif/bonsho/manifest.json"]
    before = snapshot(sample_project)
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert snapshot(sample_project) == before
