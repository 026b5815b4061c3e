"""Sheet safety (issue 14): two sheets are an error, the template's examples are never
published, the header is found below title rows, the summary's counts add up, a licence
without its version warns, and the open-data CSV warns without the municipality."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from archive.config import load_config
from archive.errors import SheetError
from archive.project import EXAMPLE_ROWS, init_project
from archive.sheet import read_sheet
from kura.cli import cli
from kura.demo.build import build_demo
from tests.conftest import make_scan


def kura(root: Path, *args: str, lang: str = "en"):
    return CliRunner().invoke(cli, ["--lang", lang, "-C", str(root), *args])


def records(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "public" / "records").glob("*.json"))


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


# --- two sheets ----------------------------------------------------------------------


def test_items_csv_and_items_xlsx_together_are_one_error(project: Callable[..., Path]) -> None:
    root = project([{"ID": "csv-1", "名称": "指田日記"}])
    book = openpyxl.Workbook()
    book.active.append(["ID", "名称"])
    book.active.append(["xlsx-1", "村山大島紬"])
    book.save(root / "items.xlsx")

    result = kura(root, "ingest")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "items.csv" in lines[0] and "items.xlsx" in lines[0]
    assert not (root / "public" / "records").exists() or records(root) == []

    # the archivist says which: sheet = "items.xlsx"
    toml = root / "kura.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('sheet = ""', 'sheet = "items.xlsx"'),
        encoding="utf-8",
    )
    assert kura(root, "ingest").exit_code == 0
    assert records(root) == ["xlsx-1"]


def test_init_beside_a_workbook_writes_no_second_sheet(tmp_path: Path) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    book = openpyxl.Workbook()
    book.active.append(["ID", "名称"])
    book.save(root / "items.xlsx")
    created = init_project(root, "武蔵村山市 文書館")
    assert not (root / "items.csv").exists()
    assert root / "items.csv" not in created
    assert load_config(root).sheet_path() == root / "items.xlsx"


# --- the template's examples ---------------------------------------------------------


def test_the_templates_examples_are_never_published(tmp_path: Path) -> None:
    root = tmp_path / "new"
    init_project(root, "武蔵村山市 デジタルアーカイブ")
    # the example's images are there too: it must still not be published
    make_scan(root / "scans" / "example-001" / "01.jpg", (120, 90), quality=90)
    result = kura(root, "ingest")
    assert result.exit_code == 0, result.output
    assert records(root) == []
    last = result.output.strip().splitlines()[-1]
    assert "2 sheet rows → 0 new" in last and "2 example rows" in last

    # the archivist adds a row under the examples and leaves them in place
    text = (root / "items.csv").read_text(encoding="utf-8-sig")
    text += "M001,真福寺梵鐘,シンプクジボンショウ\r\n"
    (root / "items.csv").write_text(text, encoding="utf-8-sig")
    result = kura(root, "ingest", lang="ja")
    assert result.exit_code == 0, result.output
    assert records(root) == ["M001"]
    assert "台帳 3 行 → 新規 1 件" in result.output and "記入例 2 行" in result.output


def test_examples_written_by_earlier_versions_are_not_ingested(
    project: Callable[..., Path],
) -> None:
    """kura init wrote example-001 and example-002 without the # before: such rows are left
    out with a warning naming them, the other rows go on."""
    old = [{**row, "ID": row["ID"].lstrip("#")} for row in EXAMPLE_ROWS]
    root = project([*old, {"ID": "M001", "名称": "横中馬獅子舞の写真"}])
    result = kura(root, "ingest")
    assert result.exit_code == 0, result.output
    assert records(root) == ["M001"]
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    where = [w.split(":")[0] for w in warnings]
    assert where == ["items.csv row 2, column ID", "items.csv row 3, column ID"]
    assert "example-001" in warnings[0] and "kura withdraw" in warnings[0]


def test_rows_whose_id_starts_with_hash_are_notes(project: Callable[..., Path]) -> None:
    root = project(
        [
            {"ID": "＃メモ", "名称": "令和6年度に追加する予定"},  # full-width ＃ too
            {"ID": "M001", "名称": "村山絵図"},
            {"ID": "#M002", "名称": "確認中のため保留"},
        ]
    )
    result = read_sheet(root / "items.csv", load_config(root))
    assert [i.id for i in result.items] == ["M001"]
    assert result.skipped == [2, 4] and result.problems == []


# --- the header row below title rows -------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_header_found_below_title_rows_in_csv(project: Callable[..., Path], encoding: str) -> None:
    root = project()
    rows = [
        ["武蔵村山市 指定文化財台帳", "", ""],
        ["令和6年4月1日現在", "", ""],
        ["", "", ""],
        ["ID", "名称", "所管課"],
        ["M001", "真福寺梵鐘", "文化財係"],
        ["M002", "指田日記", "文化財係"],
    ]
    (root / "items.csv").write_bytes(csv_bytes(rows, encoding))
    result = read_sheet(root / "items.csv", load_config(root))
    assert result.header_row == 4
    assert [(i.id, i.row, i.title) for i in result.items] == [
        ("M001", 5, "真福寺梵鐘"),
        ("M002", 6, "指田日記"),
    ]
    # the unknown column's warning names the header row
    (warning,) = result.warnings
    assert (warning.row, warning.column) == (4, "所管課")
    assert warning.line("ja").startswith("items.csv 4行目「所管課」列: 警告:")


def test_header_found_below_a_title_row_in_xlsx(project: Callable[..., Path]) -> None:
    root = project()
    (root / "items.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "文化財一覧"
    sheet.append(["武蔵村山市 文化財一覧（令和6年度）"])
    sheet.merge_cells("A1:C1")
    sheet.append(["ID", "名称", "年代"])
    sheet.append(["M001", "村山大島紬", "大正時代"])
    sheet.append(["M001", "重複した行", ""])
    book.save(root / "items.xlsx")
    result = read_sheet(root / "items.xlsx", load_config(root))
    assert result.header_row == 2
    assert [(i.id, i.row) for i in result.items] == [("M001", 3)]
    (error,) = result.errors
    assert error.row == 4 and "row 3" in error.message_en


def test_missing_columns_name_the_header_row(project: Callable[..., Path]) -> None:
    root = project()
    (root / "items.csv").write_bytes(csv_bytes([["番号", "資料名"], ["1", "指田日記"]]))
    with pytest.raises(SheetError) as caught:
        read_sheet(root / "items.csv", load_config(root))
    assert "row 1" in str(caught.value) and "「ID」、「名称」" in str(caught.value)


# --- counts that add up --------------------------------------------------------------


def test_the_summary_counts_every_row_once(project: Callable[..., Path]) -> None:
    root = project()
    rows = [
        ["ID", "名称", "表示方向"],
        ["A1", "中藤の古文書", ""],  # row 2
        ["a1", "重複した ID", ""],  # row 3: duplicate of row 2 (IDs ignore case)
        ["C D", "使えない ID", ""],  # row 4: a space in the ID
        ["B2", "", "斜め"],  # row 5: two errors, one row
        ["#メモ", "来年度に追加", ""],  # row 6: a note
        ["B3", "岸の古写真", "右から左"],  # row 7
    ]
    (root / "items.csv").write_bytes(csv_bytes(rows))
    result = kura(root, "ingest")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert [e.split(",")[0] for e in errors] == [
        "items.csv row 3",
        "items.csv row 4",
        "items.csv row 5",
        "items.csv row 5",
    ]
    last = result.output.strip().splitlines()[-1]
    assert "6 sheet rows → 2 new, 0 images updated, 0 metadata updated, 0 unchanged," in last
    assert "3 failed, 1 example rows" in last and "4 errors, 0 warnings" in last
    assert records(root) == ["A1", "B3"]

    result = kura(root, "ingest", "--report", str(root / "report.json"), lang="ja")
    last = result.output.strip().splitlines()[-1]
    assert "台帳 6 行 → 新規 0 件" in last and "変更なし 2 件, 失敗 3 件, 記入例 1 行" in last
    assert "エラー 4・警告 0" in last
    report = (root / "report.json").read_text(encoding="utf-8")
    assert '"row": 3' in report and '"row": 4' in report and '"row": 5' in report


def test_a_failed_image_is_an_error_in_the_count(project: Callable[..., Path]) -> None:
    root = project([{"ID": "broken", "名称": "壊れた画像", "画像ファイル": "broken.jpg"}])
    (root / "scans" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a whole jpeg")
    result = kura(root, "ingest")
    assert result.exit_code == 1
    last = result.output.strip().splitlines()[-1]
    assert "1 sheet rows → 0 new" in last and "1 failed" in last and "1 errors" in last


# --- licences without a version ------------------------------------------------------


def test_a_licence_without_version_warns(project: Callable[..., Path]) -> None:
    root = project(
        [
            {"ID": "M001", "名称": "真福寺梵鐘", "利用条件": "CC-BY"},
            {"ID": "M002", "名称": "指田日記", "利用条件": "CC BY 4.0"},
            {"ID": "M003", "名称": "村山絵図", "利用条件": "CC 表示-継承"},
            {"ID": "M004", "名称": "古写真", "利用条件": "CC BY 2.1 JP"},
        ]
    )
    result = read_sheet(root / "items.csv", load_config(root))
    assert [(w.row, w.column, w.item_id) for w in result.warnings] == [
        (2, "利用条件", "M001"),
        (4, "利用条件", "M003"),
    ]
    assert "CC BY 4.0" in result.warnings[0].message_ja
    assert "CC BY-SA 4.0" in result.warnings[1].message_en
    rights = {i.id: i.rights for i in result.items}
    assert rights["M001"] == "http://creativecommons.org/licenses/by/4.0/"  # still read
    assert rights["M004"] == "http://creativecommons.org/licenses/by/2.1/jp/"


# --- open data -----------------------------------------------------------------------


def test_open_data_warns_without_code_or_name(project: Callable[..., Path]) -> None:
    root = project([{"ID": "M001", "名称": "真福寺梵鐘", "文化財分類": "市指定有形文化財"}])
    assert kura(root, "ingest").exit_code == 0
    out = root / "bunkazai.csv"
    result = kura(root, "export", "opendata", "-o", str(out), lang="ja")
    assert result.exit_code == 0
    warnings = [line for line in result.output.splitlines() if line.startswith("警告")]
    assert len(warnings) == 1 and "code / name" in warnings[0]
    assert "全国地方公共団体コード・地方公共団体名" in warnings[0]

    toml = root / "kura.toml"
    text = toml.read_text(encoding="utf-8").replace('name = ""', 'name = "武蔵村山市"')
    toml.write_text(text, encoding="utf-8")
    result = kura(root, "export", "opendata", "-o", str(out))
    warnings = [line for line in result.output.splitlines() if line.startswith("warning")]
    assert len(warnings) == 1 and "[opendata] code not set" in warnings[0]
    assert "地方公共団体名" not in warnings[0]

    text = text.replace('code = ""', 'code = "132233"')
    toml.write_text(text, encoding="utf-8")
    result = kura(root, "export", "opendata", "-o", str(out))
    assert "warning" not in result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[1][:3] == ["132233", "M001", "武蔵村山市"]


def test_the_demo_sets_the_municipality(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("kura.demo.build.write_scans", lambda scans: None)  # no drawing
    build_demo(tmp_path / "demo", base_url="http://127.0.0.1:8000")
    config = load_config(tmp_path / "demo")
    assert (config.opendata_code, config.municipality) == ("132233", "武蔵村山市")
