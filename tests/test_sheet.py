"""The metadata sheet: encodings, formats, headers, row numbers and every validation rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from archive.config import Config
from archive.errors import SheetError
from archive.model import Problem, YearRange
from archive.sheet import COLUMNS, SheetResult, read_rows, read_sheet

BY4 = "http://creativecommons.org/licenses/by/4.0/"
CP932_TEXT = "①㈱ﾑｻｼﾑﾗﾔﾏ髙﨑"  # NEC special, IBM extension and half-width kana


# --- helpers --------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "scans").mkdir()
    return Config(root=tmp_path)


def csv_text(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue()


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8", **kw: str) -> Path:
    path.write_bytes(csv_text(rows, **kw).encode(encoding))
    return path


def sheet(config: Config, rows: list[list[str]], name: str = "items.csv", **kw) -> SheetResult:
    return read_sheet(write_csv(config.root / name, rows, **kw), config)


def items_by_id(result: SheetResult) -> dict:
    return {item.id: item for item in result.items}


def problems(result: SheetResult, level: str | None = None, column: str | None = None):
    return [
        p
        for p in result.problems
        if (level is None or p.level == level) and (column is None or p.column == column)
    ]


def only(result: SheetResult, level: str, column: str) -> Problem:
    found = problems(result, level, column)
    assert len(found) == 1, result.problems
    return found[0]


def scan(config: Config, relative: str) -> Path:
    path = config.scans_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0")
    return path


def one_row(config: Config, column: str, value: str, **extra: str) -> SheetResult:
    headers = ["ID", "名称", column, *extra]
    return sheet(config, [headers, ["A1", "指田日記", value, *extra.values()]])


# --- encodings ------------------------------------------------------------------------

ROWS = [
    ["ID", "名称", "名称_カナ", "所有者等"],
    ["M001", "村山大島紬", "ﾑﾗﾔﾏｵｵｼﾏﾂﾑｷﾞ", "武蔵村山市"],
    ["M002", "真福寺梵鐘", "シンプクジボンショウ", CP932_TEXT],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "utf-16"])
def test_encodings_are_decided_by_content(config: Config, encoding: str) -> None:
    result = sheet(config, ROWS, encoding=encoding)
    assert result.problems == []
    items = items_by_id(result)
    assert list(items) == ["M001", "M002"]
    assert items["M001"].get("名称_カナ") == "ﾑﾗﾔﾏｵｵｼﾏﾂﾑｷﾞ"
    assert items["M002"].get("所有者等") == CP932_TEXT
    assert items["M002"].title == "真福寺梵鐘"


def test_cp932_is_used_not_plain_shift_jis(config: Config) -> None:
    with pytest.raises(UnicodeEncodeError):
        CP932_TEXT.encode("shift_jis")
    headers, rows = read_rows(write_csv(config.root / "x.csv", ROWS, encoding="cp932"))
    assert headers == ["ID", "名称", "名称_カナ", "所有者等"]
    assert rows[1] == (3, ["M002", "真福寺梵鐘", "シンプクジボンショウ", CP932_TEXT])


def test_encoding_is_not_taken_from_the_file_name(config: Config) -> None:
    result = sheet(config, ROWS, name="items_sjis.csv", encoding="utf-8")
    assert items_by_id(result)["M002"].get("所有者等") == CP932_TEXT


def test_undecodable_file_is_a_clear_error(config: Config) -> None:
    path = config.root / "items.csv"
    path.write_bytes(b"ID,\x80\xff\xfe\x81\nA1,\xa0\xfd\x80caf\xe9\n")
    with pytest.raises(SheetError) as err:
        read_sheet(path, config)
    message = str(err.value)
    assert message.startswith("items.csv:")
    assert "utf-8" in message and "cp932" in message
    assert "CSV UTF-8" in message


def test_tsv(config: Config) -> None:
    result = sheet(config, ROWS, name="items.tsv", delimiter="\t")
    assert [item.id for item in result.items] == ["M001", "M002"]


def test_tab_separated_with_commas_in_cells(config: Config) -> None:
    rows = [["ID", "名称", "概要"], ["A1", "指田日記", "日記, 全5冊, 天保"]]
    result = sheet(config, rows, name="items.txt", delimiter="\t")
    assert result.items[0].get("概要") == "日記, 全5冊, 天保"


def test_mixed_line_endings(config: Config) -> None:
    text = "ID,名称\r\nA1,武蔵村山\nA2,村山大島紬\rA3,指田日記\r\n"
    (config.root / "items.csv").write_text(text, encoding="utf-8", newline="")
    result = read_sheet(config.root / "items.csv", config)
    assert [(i.id, i.row, i.title) for i in result.items] == [
        ("A1", 2, "武蔵村山"),
        ("A2", 3, "村山大島紬"),
        ("A3", 4, "指田日記"),
    ]


def test_quoted_newline_counts_as_one_row(config: Config) -> None:
    text = 'ID,名称,説明\r\nA1,指田日記,"一行目\r\n二行目\n三行目"\r\nA2,真福寺梵鐘,鐘\r\nA3,,\r\n'
    (config.root / "items.csv").write_text(text, encoding="utf-8", newline="")
    result = read_sheet(config.root / "items.csv", config)
    items = items_by_id(result)
    assert items["A1"].get("説明") == "一行目\n二行目\n三行目"
    assert (items["A1"].row, items["A2"].row) == (2, 3)
    assert only(result, "error", "名称").row == 4


def test_blank_rows_are_skipped_but_counted(config: Config) -> None:
    text = "ID,名称\nA1,武蔵村山\n\n,\nA2,村山大島紬\n"
    (config.root / "items.csv").write_text(text, encoding="utf-8")
    result = read_sheet(config.root / "items.csv", config)
    assert result.problems == []
    assert [(i.id, i.row) for i in result.items] == [("A1", 2), ("A2", 5)]


def test_read_rows_numbers(config: Config) -> None:
    path = write_csv(config.root / "items.csv", [["ID", "名称"], ["A1", "學"], [], ["A2", "國"]])
    assert read_rows(path) == (["ID", "名称"], [(2, ["A1", "學"]), (4, ["A2", "國"])])


def test_empty_file(config: Config) -> None:
    (config.root / "items.csv").write_bytes(b"")
    with pytest.raises(SheetError, match="empty"):
        read_sheet(config.root / "items.csv", config)


# --- xlsx -----------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        worksheet = book.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    book.save(path)
    return path


def test_xlsx(config: Config) -> None:
    rows = [
        ["ID", "名称", "員数（数）", "員数（単位）", "緯度", "文化財指定日", "備考"],
        ["M001", "真福寺梵鐘", 1, "口", 35.7547, dt.date(1970, 4, 1), None],
        [None, None, None],
        ["M002", "指田日記", 15.0, "冊", 35.75, dt.datetime(1988, 11, 3), "㈱①"],
    ]
    path = write_xlsx(config.root / "items.xlsx", {"Sheet1": rows})
    result = read_sheet(path, config)
    assert result.problems == []
    first, second = result.items
    assert (first.row, second.row) == (2, 4)
    assert first.get("員数（数）") == "1"
    assert first.get("緯度") == "35.7547"
    assert first.get("文化財指定日") == "1970-04-01"
    assert second.get("員数（数）") == "15"
    # openpyxl gives a datetime the format yyyy-mm-dd h:mm:ss: Excel shows the time too
    assert second.get("文化財指定日") == "1988-11-03 0:00:00"
    assert second.get("備考") == "㈱①"


def test_xlsx_prefers_the_named_worksheet(config: Config) -> None:
    sheets = {
        "メモ": [["作業メモ"]],
        "文化財一覧": [["ID", "名称"], ["M001", "村山大島紬"]],
    }
    result = read_sheet(write_xlsx(config.root / "items.xlsx", sheets), config)
    assert [item.title for item in result.items] == ["村山大島紬"]


def test_xlsx_without_named_sheet_uses_the_first(config: Config) -> None:
    sheets = {"一覧": [["ID", "名称"], ["M001", "武蔵村山"]], "メモ": [["x"]]}
    result = read_sheet(write_xlsx(config.root / "items.xlsx", sheets), config)
    assert [item.id for item in result.items] == ["M001"]


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".numbers", ""])
def test_unsupported_formats(config: Config, suffix: str) -> None:
    path = config.root / f"items{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(SheetError, match=r"\.xlsx"):
        read_sheet(path, config)


def test_broken_xlsx(config: Config) -> None:
    path = config.root / "items.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)  # an old .xls renamed
    with pytest.raises(SheetError, match=r"\.xlsx"):
        read_sheet(path, config)


def test_workbook_saved_with_csv_name(config: Config) -> None:
    path = write_xlsx(config.root / "items.csv", {"Sheet1": [["ID", "名称"]]})
    with pytest.raises(SheetError, match=r"\.xlsx"):
        read_sheet(path, config)


def test_missing_file(config: Config) -> None:
    with pytest.raises(SheetError, match="not found"):
        read_sheet(config.root / "nothing.csv", config)


# --- headers --------------------------------------------------------------------------


def test_columns_are_canonical_japanese() -> None:
    assert COLUMNS[:2] == ("ID", "名称")
    assert len(COLUMNS) == 25 and "員数（数）" in COLUMNS and "表示方向" in COLUMNS


def test_english_headers(config: Config) -> None:
    headers = ["id", "Title", "title_kana", "Title_EN", "date", "images", "License"]
    headers += ["viewing_direction", "keywords", "notes", "Latitude", "count", "unit"]
    row = ["A1", "指田日記", "サシダニッキ", "Sashida Diary", "", "", "CC0", "right-to-left"]
    row += ["日記;村山", "備考", "35.75", "5", "冊"]
    result = sheet(config, [headers, row])
    assert result.problems == []
    item = result.items[0]
    assert item.get("名称_英語") == "Sashida Diary"
    assert item.get("名称_カナ") == "サシダニッキ"
    assert item.split("キーワード") == ["日記", "村山"]
    assert item.get("員数（単位）") == "冊"
    assert item.rights == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert item.viewing_direction == "right-to-left"


def test_header_width_and_space_variants(config: Config) -> None:
    headers = ["ＩＤ", " 名称 ", "員数(数)", "員数 （単位）", "名称＿カナ", "画像ファイル\u200b"]
    result = sheet(config, [headers, ["A1", "村山大島紬", "3", "反", "ﾑﾗﾔﾏ", ""]])
    assert result.problems == []
    item = result.items[0]
    assert item.get("員数（数）") == "3"
    assert item.get("員数（単位）") == "反"
    assert item.get("名称_カナ") == "ﾑﾗﾔﾏ"


def test_unknown_columns_are_kept_with_one_warning_each(config: Config) -> None:
    extra = ["都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "画像"]
    extra += ["画像_ライセンス", "URL"]
    headers = [*extra[:4], "ID", "名称", *extra[4:]]
    rows = [headers]
    for n in range(1, 4):
        rows.append(["132233", str(n), "東京都", "武蔵村山市", f"M{n}", "指田日記"])
        rows[-1] += ["http://example.jp/a.jpg", "CC BY 4.0", f'=HYPERLINK("{n}")']
    result = sheet(config, rows)
    warnings = problems(result, "warning")
    assert sorted(p.column for p in warnings) == sorted(extra)
    assert all(p.row == 1 for p in warnings)  # the header row
    assert not problems(result, "error")
    item = items_by_id(result)["M2"]
    assert item.extra == {
        "都道府県コード又は市区町村コード": "132233",
        "NO": "2",
        "都道府県名": "東京都",
        "市区町村名": "武蔵村山市",
        "画像": "http://example.jp/a.jpg",
        "画像_ライセンス": "CC BY 4.0",
        "URL": '=HYPERLINK("2")',
    }
    assert "画像" not in item.fields


def test_values_without_a_header_are_warned_once(config: Config) -> None:
    rows = [["ID", "名称", ""], ["A1", "武蔵村山", "x", "y"], ["A2", "村山", "z"]]
    result = sheet(config, rows)
    assert [p.column for p in problems(result, "warning")] == ["C", "D"]
    assert len(result.items) == 2


@pytest.mark.parametrize(
    ("headers", "missing"),
    [(["名称", "年代"], ["ID"]), (["ID"], ["名称"]), (["NO", "title_x"], ["ID", "名称"])],
)
def test_missing_required_headers(config: Config, headers: list[str], missing: list) -> None:
    with pytest.raises(SheetError) as err:
        sheet(config, [headers, ["1"] * len(headers)])
    for column in missing:
        assert f"「{column}」" in str(err.value)


@pytest.mark.parametrize(
    "headers", [["ID", "名称", "名称"], ["ID", "名称", "title"], ["ID", "名称", "URL", "url"]]
)
def test_duplicate_headers(config: Config, headers: list[str]) -> None:
    with pytest.raises(SheetError, match="duplicate header"):
        sheet(config, [headers, ["A1", "x", "y", "z"]])


# --- IDs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("", "ID is empty"),
        ("\u200b", "ID is empty"),
        ("A 1", "U+0020"),
        ("資料1", "U+8CC7"),
        ("A/1", "U+002F"),
        ("M−001", "U+2212"),
        (".hidden", "must start"),
        ("-x", "must start"),
        ("_x", "must start"),
        ("a" * 101, "too long"),
        ("collection", "reserved"),
        ("Lesson", "reserved"),
        ("ACTIVITY", "reserved"),
    ],
)
def test_bad_ids(config: Config, value: str, fragment: str) -> None:
    result = sheet(config, [["名称", "ID"], ["武蔵村山", value], ["指田日記", "ok"]])
    problem = only(result, "error", "ID")
    assert (problem.row, problem.column) == (2, "ID")
    assert fragment in problem.message_en
    assert problem.message_ja
    assert [item.id for item in result.items] == ["ok"]


def test_longest_id_is_accepted(config: Config) -> None:
    result = sheet(config, [["ID", "名称"], ["a" * 100, "武蔵村山"]])
    assert result.items and not result.problems


def test_full_width_id_is_normalised_with_a_warning(config: Config) -> None:
    result = sheet(config, [["ID", "名称"], ["ＡＢＣ－１２３", "村山大島紬"]])
    assert result.items[0].id == "ABC-123"
    assert result.items[0].get("ID") == "ABC-123"
    warning = only(result, "warning", "ID")
    assert (warning.row, warning.item_id) == (2, "ABC-123")


@pytest.mark.parametrize("raw", ["\u200bA1", "A1\ufeff", "\u3000A1", "A1\u00a0", "A\u20601"])
def test_invisible_characters_are_removed_with_a_warning(config: Config, raw: str) -> None:
    result = sheet(config, [["ID", "名称"], [raw, "真福寺梵鐘"]])
    assert result.items[0].id == "A1"
    assert "invisible" in only(result, "warning", "ID").message_en


def test_plain_spaces_around_id_are_stripped_silently(config: Config) -> None:
    result = sheet(config, [["ID", "名称"], ["  A1 ", "真福寺梵鐘"]])
    assert result.items[0].id == "A1" and result.problems == []


def test_duplicate_ids(config: Config) -> None:
    rows = [["ID", "名称"], ["M001", "真福寺梵鐘"], ["M002", "指田日記"]]
    rows += [["m001", "村山大島紬"], ["M001\u200b", "武蔵村山"], ["M002", "學"]]
    result = sheet(config, rows)
    assert [(i.id, i.row) for i in result.items] == [("M001", 2), ("M002", 3)]
    errors = problems(result, "error", "ID")
    assert [(p.row, p.item_id) for p in errors] == [(4, "m001"), (5, "M001"), (6, "M002")]
    assert "2行目" in errors[0].message_ja and "row 2" in errors[0].message_en
    assert "row 3" in errors[2].message_en


def test_empty_title(config: Config) -> None:
    result = sheet(config, [["ID", "名称"], ["A1", " "], ["A2", "武蔵村山"]])
    error = only(result, "error", "名称")
    assert (error.row, error.item_id) == (2, "A1")
    assert [item.id for item in result.items] == ["A2"]


def test_one_row_with_many_problems_reports_them_all(config: Config) -> None:
    headers = ["ID", "名称", "利用条件", "表示方向", "緯度"]
    rows = [headers, ["A 1", "", "自由利用", "斜め", "999"], ["A2", "武蔵村山", "", "", ""]]
    result = sheet(config, rows)
    assert sorted(p.column for p in problems(result, "error")) == sorted(headers)
    assert {p.row for p in result.problems} == {2}
    assert [item.id for item in result.items] == ["A2"]


# --- images ---------------------------------------------------------------------------


def test_globs_in_natural_order_and_written_order(config: Config) -> None:
    for name in ["cover.jpg", "back.JPG", "book/page10.jpg", "book/page2.jpg", "book/page1.tif"]:
        scan(config, name)
    scan(config, "book/.DS_Store")
    scan(config, "book/Thumbs.db")
    result = one_row(config, "画像ファイル", "cover.jpg; book/page*；back.JPG")
    assert result.problems == []
    images = result.items[0].images
    root = config.scans_dir.resolve()
    assert [p.relative_to(root).as_posix() for p in images] == [
        "cover.jpg",
        "book/page1.tif",
        "book/page2.jpg",
        "book/page10.jpg",
        "back.JPG",
    ]


def test_glob_character_class_and_folder_glob(config: Config) -> None:
    for name in ["a/p1.png", "a/p2.png", "a/p3.png", "b/p1.png"]:
        scan(config, name)
    result = one_row(config, "画像ファイル", "a/p[12].png;*/p1.png")
    images = [p.relative_to(config.scans_dir.resolve()).as_posix() for p in result.items[0].images]
    assert images == ["a/p1.png", "a/p2.png", "b/p1.png"]
    assert "listed more than once" in only(result, "warning", "画像ファイル").message_en


def test_duplicate_images_keep_the_first(config: Config) -> None:
    scan(config, "p1.jpg")
    scan(config, "p2.jpg")
    result = one_row(config, "画像ファイル", "p2.jpg;p1.jpg;p2.jpg")
    assert [p.name for p in result.items[0].images] == ["p2.jpg", "p1.jpg"]
    assert only(result, "warning", "画像ファイル").row == 2


def test_empty_image_cell_is_a_record_without_images(config: Config) -> None:
    result = one_row(config, "画像ファイル", "")
    assert result.items[0].images == [] and result.problems == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("missing.jpg", "file not found"),
        ("book/missing.jpg", "file not found"),
        ("nothing*.jpg", "no image files"),
        ("book", "is a folder"),
        ("../secret.jpg", "outside"),
        ("book/../../secret.jpg", "outside"),
        ("/etc/passwd.jpg", "outside"),
        ("C:\\scans\\p1.jpg", "outside"),
        ("notes.txt", ".tiff"),
        ("book/scan.pdf", "not a supported image"),
        ("Book/p1.jpg", "did you mean 'book/p1.jpg'"),
        ("scans/book/p1.jpg", "leave out 'scans/'"),
    ],
)
def test_image_errors(config: Config, value: str, fragment: str) -> None:
    scan(config, "book/p1.jpg")
    scan(config, "book/scan.pdf")
    scan(config, "notes.txt")
    (config.root / "secret.jpg").write_bytes(b"x")
    result = one_row(config, "画像ファイル", value)
    error = only(result, "error", "画像ファイル")
    assert (error.row, error.item_id) == (2, "A1")
    assert fragment in error.message_en
    assert result.items == []


def test_glob_matching_a_non_image_is_an_error(config: Config) -> None:
    scan(config, "book/p1.jpg")
    scan(config, "book/memo.docx")
    result = one_row(config, "画像ファイル", "book/*")
    assert "book/memo.docx" in only(result, "error", "画像ファイル").message_en


def test_symlinks_outside_scans_are_refused(config: Config, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "p1.jpg").write_bytes(b"x")
    (config.scans_dir / "link.jpg").symlink_to(outside / "p1.jpg")
    (config.scans_dir / "linked").symlink_to(outside, target_is_directory=True)
    scan(config, "inside.jpg")
    (config.scans_dir / "alias.jpg").symlink_to(config.scans_dir / "inside.jpg")
    for value in ["link.jpg", "linked/p1.jpg", "linked/*.jpg", "*.jpg"]:
        result = one_row(config, "画像ファイル", value)
        assert "outside" in problems(result, "error", "画像ファイル")[0].message_en, value
    result = one_row(config, "画像ファイル", "alias.jpg")
    assert result.problems == [] and result.items[0].images[0].name == "alias.jpg"


@pytest.mark.parametrize(("on_disk", "written"), [("NFD", "NFC"), ("NFC", "NFD")])
def test_file_names_match_across_unicode_composition(
    config: Config, on_disk: str, written: str
) -> None:
    name = "パンフレット/ページ2.jpg"
    stored = scan(config, unicodedata.normalize(on_disk, name))
    result = one_row(config, "画像ファイル", unicodedata.normalize(written, name))
    assert result.problems == []
    assert result.items[0].images == [stored.parent.resolve() / stored.name]
    glob = one_row(config, "画像ファイル", unicodedata.normalize(written, "パンフレット/ペ*"))
    assert glob.items[0].images == result.items[0].images


def test_missing_file_is_reported_as_written(config: Config) -> None:
    written = unicodedata.normalize("NFD", "ﾊﾟﾝﾌ/パ.jpg")
    result = one_row(config, "画像ファイル", written)
    assert written in only(result, "error", "画像ファイル").message_ja


# --- other columns --------------------------------------------------------------------


def test_rights(config: Config) -> None:
    rows = [["ID", "名称", "利用条件"], ["A1", "x", ""], ["A2", "x", "CC BY-SA 4.0"]]
    rows += [["A3", "x", "PDM"], ["A4", "x", "自由利用"]]
    result = sheet(config, rows)
    rights = {item.id: item.rights for item in result.items}
    assert rights == {
        "A1": BY4,
        "A2": "http://creativecommons.org/licenses/by-sa/4.0/",
        "A3": "http://creativecommons.org/publicdomain/mark/1.0/",
    }
    error = only(result, "error", "利用条件")
    assert error.row == 5 and "CC BY 4.0" in error.message_en and "CC0" in error.message_ja


def test_default_rights_from_config(tmp_path: Path) -> None:
    config = Config(root=tmp_path, rights="CC0")
    result = sheet(config, [["ID", "名称"], ["A1", "x"]])
    assert result.items[0].rights == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_dates(config: Config) -> None:
    rows = [["ID", "名称", "年代"], ["A1", "指田日記", "天保5年"], ["A2", "x", "よく分からない"]]
    rows += [["A3", "x", ""]]
    result = sheet(config, rows)
    items = items_by_id(result)
    assert items["A1"].date == YearRange(1834, 1834)
    assert items["A2"].date is None and items["A2"].get("年代") == "よく分からない"
    assert items["A3"].date is None
    warning = only(result, "warning", "年代")
    assert (warning.row, warning.item_id) == (3, "A2")
    assert "kept as text" in warning.message_en


@pytest.mark.parametrize(
    ("value", "direction"),
    [
        ("", "left-to-right"),
        ("左から右", "left-to-right"),
        ("left-to-right", "left-to-right"),
        ("右から左", "right-to-left"),
        ("Right-To-Left", "right-to-left"),
        ("上から下", "top-to-bottom"),
        ("下から上", "bottom-to-top"),
        ("bottom to top", "bottom-to-top"),
    ],
)
def test_viewing_direction(config: Config, value: str, direction: str) -> None:
    result = one_row(config, "表示方向", value)
    assert result.items[0].viewing_direction == direction


def test_bad_viewing_direction(config: Config) -> None:
    result = one_row(config, "表示方向", "縦")
    assert only(result, "error", "表示方向").row == 2


@pytest.mark.parametrize(
    ("latitude", "longitude", "bad"),
    [
        ("35.7547", "139.3877", []),
        ("-90", "180", []),
        ("３５．７５", "", []),
        ("91", "139", ["緯度"]),
        ("35", "-180.5", ["経度"]),
        ("北緯35度", "abc", ["緯度", "経度"]),
        ("nan", "inf", ["緯度", "経度"]),
    ],
)
def test_coordinates(config: Config, latitude: str, longitude: str, bad: list[str]) -> None:
    result = one_row(config, "緯度", latitude, 経度=longitude)
    assert [p.column for p in problems(result, "error")] == bad
    assert all(p.row == 2 for p in result.problems)


def test_formula_looking_cells_are_kept_verbatim(config: Config) -> None:
    values = ['=HYPERLINK("http://example.jp","指田日記")', "+81-42-565-1111", "-", "@村山"]
    headers = ["ID", "名称", "説明", "概要", "備考"]
    result = sheet(config, [headers, ["A1", *values]])
    assert result.problems == []
    item = result.items[0]
    assert [item.title, item.get("説明"), item.get("概要"), item.get("備考")] == values


def test_text_is_kept_verbatim_apart_from_surrounding_space(config: Config) -> None:
    title = "\u3000舊武藏國村山鄕 學校\u795e\ufa19澤 ﾑｻｼﾑﾗﾔﾏ ① "
    rows = [["ID", "名称", "説明"], ["A1", title, "  一行目\r\n二行目\r三行目 \n"]]
    (config.root / "items.csv").write_bytes(csv_text(rows).encode("utf-8"))
    item = read_sheet(config.root / "items.csv", config).items[0]
    assert item.title == title.strip()
    assert "\ufa19" in item.title and "ﾑｻｼﾑﾗﾔﾏ ①" in item.title
    assert item.get("説明") == "一行目\n二行目\n三行目"


def test_fields_use_canonical_headers(config: Config) -> None:
    result = sheet(config, [["title", "ID", "Notes"], ["武蔵村山", "A1", "備考です"]])
    assert result.items[0].fields == {"名称": "武蔵村山", "ID": "A1", "備考": "備考です"}


def test_many_rows(config: Config) -> None:
    rows = [["ID", "名称", "年代", "利用条件"]]
    rows += [[f"M{n:05d}", f"武蔵村山 資料{n}", "昭和30年代", "CC BY 4.0"] for n in range(10_000)]
    result = sheet(config, rows)
    assert len(result.items) == 10_000
    assert result.items[-1].row == 10_001
    assert not problems(result, "error")


# --- messages -------------------------------------------------------------------------


def test_problem_lines_name_file_row_and_column(config: Config) -> None:
    result = one_row(config, "利用条件", "自由利用")
    problem = only(result, "error", "利用条件")
    assert result.file == "items.csv" and problem.file == "items.csv"
    ja, en = problem.line("ja"), problem.line("en")
    assert ja.startswith("items.csv 2行目「利用条件」列: エラー:")
    assert en.startswith("items.csv row 2, column 利用条件: error:")


def test_file_outside_root_is_shown_in_full(config: Config, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("other") / "list.csv"
    write_csv(other, [["ID", "名称"], ["A1", "x"], ["A1", "y"]])
    result = read_sheet(other, config)
    assert result.file == str(other)
    assert result.problems[0].line("en").startswith(f"{other} row 3, column ID")


def test_sheet_in_subfolder_is_relative(config: Config) -> None:
    (config.root / "data").mkdir()
    result = sheet(config, [["ID", "名称"], ["A1", ""]], name=os.path.join("data", "items.csv"))
    assert result.file == "data/items.csv"
    assert result.problems[0].line("ja").startswith("data/items.csv 2行目「名称」列")
