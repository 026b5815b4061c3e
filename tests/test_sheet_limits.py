"""Issue 17, items 4, 5 and 9 for the sheet: a UTF-8 sheet with stray bytes is not read as
CP932, every limit of [limits] gives one line naming the file (row and column) and the
limit while the other rows go on, hostile workbooks end in one line with bounded memory,
and control characters and file names Windows reserves never become an item."""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import Config, Limits, load_config
from archive.errors import ConfigError, SheetError
from archive.sheet import SheetResult, read_sheet
from tests.xlsx_parts import NS, inline, row, sheet_xml, write_xlsx

HEADER = "ID,名称,概要\r\n"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "scans").mkdir()
    return Config(root=tmp_path)


def limited(config: Config, **limits: int) -> Config:
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits, **limits))


def read(config: Config, data: bytes, name: str = "items.csv") -> SheetResult:
    path = config.root / name
    path.write_bytes(data)
    return read_sheet(path, config)


def titles(result: SheetResult) -> dict[str, str]:
    return {item.id: item.title for item in result.items}


def lines(result: SheetResult, level: str = "error") -> list[str]:
    return [p.line("en") for p in result.problems if p.level == level]


# --- encoding (item 4) -----------------------------------------------------------------


def test_utf8_with_a_stray_byte_is_not_read_as_cp932(config: Config) -> None:
    rows = [
        "M001,写真帳,武蔵村山の風景",
        "M002,古文書,指田日記の写し",
        "M003,絵図,村山大島紬の図案",
    ]
    data = (HEADER + "\r\n".join(rows) + "\r\n").encode("utf-8")
    data = data.replace("古文書".encode(), "古文".encode() + b"\x93")  # one stray byte
    result = read(config, data)
    assert titles(result) == {"M001": "写真帳", "M003": "絵図"}  # not 蜀咏悄蟶ｳ
    assert lines(result) == [
        "items.csv row 3, column 名称: error: bytes that are not valid UTF-8 (0x93) in "
        "'古文\ufffd'; the rest of the file is UTF-8: fix this cell, or save the sheet again "
        "as CSV UTF-8"
    ]
    assert result.problems[0].item_id == "M002"


def test_stray_bytes_after_a_bom_and_in_an_unknown_column(config: Config) -> None:
    text = "ID,名称,撮影者\r\nM001,石仏,田中\r\nM002,板碑,鈴木\r\n"
    data = b"\xef\xbb\xbf" + text.encode().replace("鈴木".encode(), b"\xff\xfe\x81")
    result = read(config, data)
    assert titles(result) == {"M001": "石仏"}
    assert lines(result) == [
        "items.csv row 3, column 撮影者: error: bytes that are not valid UTF-8 (0xFF 0xFE "
        "0x81) in '\ufffd\ufffd\ufffd'; the rest of the file is UTF-8: fix this cell, or "
        "save the sheet again as CSV UTF-8"
    ]


def test_a_stray_byte_in_the_header_names_row_and_column(config: Config) -> None:
    data = ("ID,名称,概要\r\nM001,写真帳,風景\r\n").encode().replace("概要".encode(), b"\x8a")
    with pytest.raises(SheetError, match=r"row 1, column C: the header has bytes that are not"):
        read(config, data)


CP932_ROWS = [
    "K001,學校沿革誌,舊字體の記録 ①",  # old kanji and a machine-dependent character
    "K002,ﾑﾗﾔﾏ ｵｵｼﾏﾂﾑｷﾞ,ﾃｽﾄ ﾃﾞｰﾀ ｶﾞｯｺｳ",  # half-width kana, several pairs valid UTF-8
    "K003,龍澤寺の櫻,國分寺址 ㈱武蔵村山",
    "K004,ｱｲｳｴｵ ﾃﾞﾝﾄｳ,かな カナ",
]


def test_genuine_cp932_is_still_read(config: Config) -> None:
    data = (HEADER + "\r\n".join(CP932_ROWS) + "\r\n").encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = read(config, data)
    assert result.problems == []
    assert titles(result) == {
        "K001": "學校沿革誌",
        "K002": "ﾑﾗﾔﾏ ｵｵｼﾏﾂﾑｷﾞ",
        "K003": "龍澤寺の櫻",
        "K004": "ｱｲｳｴｵ ﾃﾞﾝﾄｳ",
    }
    assert result.items[0].fields["概要"] == "舊字體の記録 ①"
    assert result.items[1].fields["概要"] == "ﾃｽﾄ ﾃﾞｰﾀ ｶﾞｯｺｳ"


def test_cp932_of_half_width_kana_only(config: Config) -> None:
    rows = [f"H{n:03d},ﾃｽﾄ ﾃﾞｰﾀ {n},ｾﾝﾀｰ ﾄｼｮｶﾝ ﾃﾞｼﾞﾀﾙ" for n in range(50)]
    data = (HEADER + "\r\n".join(rows) + "\r\n").encode("cp932")
    result = read(config, data)
    assert result.problems == []
    assert titles(result)["H007"] == "ﾃｽﾄ ﾃﾞｰﾀ 7"


# --- cells: length, control characters, IDs (items 5 and 9) ----------------------------


def test_a_cell_over_the_csv_modules_field_limit_is_read(config: Config) -> None:
    long = "指田日記" * 50_000  # 200,000 characters: over csv's 131,072
    result = read(config, (HEADER + f"L001,長い説明,{long}\r\nL002,短い,\r\n").encode())
    assert result.problems == []
    assert result.items[0].fields["概要"] == long


def test_a_cell_over_cell_chars_fails_its_row_only(config: Config) -> None:
    config = limited(config, cell_chars=1_000)
    long = "あ" * 1_001
    result = read(config, (HEADER + f"L001,武蔵村山,{long}\r\nL002,村山大島紬,\r\n").encode())
    assert titles(result) == {"L002": "村山大島紬"}
    assert lines(result) == [
        "items.csv row 2, column 概要: error: the value is too long (1,001 characters; "
        "limit 1,000, [limits] cell_chars in kura.toml)"
    ]


def test_the_default_cell_limit(config: Config) -> None:
    assert config.limits.cell_chars == 1_000_000
    long = "x" * 1_000_001
    result = read(config, (HEADER + f"L001,{long}\r\nL002,真福寺梵鐘,\r\n").encode())
    assert titles(result) == {"L002": "真福寺梵鐘"}
    assert "limit 1,000,000" in lines(result)[0]


def test_control_characters_are_removed_with_a_warning(config: Config) -> None:
    text = HEADER + "C001,指田\x00日記,天保\x07五年\x1b[31m\r\nC002,村山\x7f大島\u0085紬,\r\n"
    result = read(config, text.encode())
    assert titles(result) == {"C001": "指田日記", "C002": "村山大島紬"}
    assert result.items[0].fields["概要"] == "天保五年[31m"
    assert lines(result, "warning") == [
        "items.csv row 2, column 名称: warning: removed control characters (U+0000)",
        "items.csv row 2, column 概要: warning: removed control characters (U+0007 U+001B)",
        "items.csv row 3, column 名称: warning: removed control characters (U+007F U+0085)",
    ]


def test_tabs_and_line_ends_in_a_cell_are_kept(config: Config) -> None:
    result = read(config, (HEADER + 'T001,題名,"一行目\n二行目\tタブ"\r\n').encode())
    assert result.problems == []
    assert result.items[0].fields["概要"] == "一行目\n二行目\tタブ"


@pytest.mark.parametrize(
    "value",
    ["CON", "con", "PRN", "AUX", "nul", "NUL.txt", "aux.txt", "Com1", "COM9", "LPT1", "lpt9",
     "con.tar.gz", "COM0", "a.", "M001."],
)  # fmt: skip
def test_file_names_windows_reserves_are_refused(config: Config, value: str) -> None:
    result = read(config, f"ID,名称\r\n{value},武蔵村山\r\nok,指田日記\r\n".encode())
    assert titles(result) == {"ok": "指田日記"}
    [error] = lines(result)
    assert error.startswith("items.csv row 2, column ID: error:")
    assert "Windows" in error


@pytest.mark.parametrize("value", ["CONSOLE", "COM10", "AUXILIARY", "nul-1", "con_2", "a.b"])
def test_names_close_to_reserved_ones_are_accepted(config: Config, value: str) -> None:
    result = read(config, f"ID,名称\r\n{value},武蔵村山\r\n".encode())
    assert result.problems == []
    assert titles(result) == {value: "武蔵村山"}


def test_ids_differing_only_by_case_are_refused(config: Config) -> None:
    result = read(config, "ID,名称\r\nabc,写真\r\nABC,写真帳\r\n".encode())
    assert titles(result) == {"abc": "写真"}
    assert lines(result) == [
        "items.csv row 3, column ID: error: ID 'ABC' duplicates row 2 (IDs are compared "
        "ignoring case)"
    ]


# --- rows, columns, size (item 5) ------------------------------------------------------


def test_rows_past_the_limit_are_one_error(config: Config) -> None:
    config = limited(config, sheet_rows=3)
    rows = "".join(f"R{n},資料{n}\r\n" for n in range(1, 6))
    result = read(config, ("ID,名称\r\n\r\n" + rows).encode())  # a blank row 2 is not counted
    assert sorted(titles(result)) == ["R1", "R2", "R3"]
    assert lines(result) == [
        "items.csv row 6: error: more than 3 data rows: this row and the rest are not read; "
        "split the sheet or raise [limits] sheet_rows in kura.toml"
    ]


def test_cells_past_the_column_limit_are_one_error(config: Config) -> None:
    far = "," * 299
    text = f"ID,名称\r\nW1,写真{far}右端\r\nW2,絵図{far}右端\r\n"
    result = read(config, text.encode())
    assert titles(result) == {"W1": "写真", "W2": "絵図"}
    assert lines(result) == [
        "items.csv row 2, column KO: error: values right of column IV are not read (limit: "
        "256 columns, [limits] sheet_columns in kura.toml)"
    ]


def test_a_csv_over_sheet_mb_is_refused(config: Config) -> None:
    config = limited(config, sheet_mb=1)
    data = (HEADER + "B1,大きい台帳," + "あ" * 400_000 + "\r\n").encode()
    with pytest.raises(SheetError, match=r"too large \(1\.2 MB; limit 1 MB, \[limits\] sheet_mb"):
        read(config, data)


def test_limits_in_kura_toml(tmp_path: Path) -> None:
    (tmp_path / "kura.toml").write_text(
        "[limits]\nsheet_rows = 5000\ncell_chars = 40000\ntiff_pages = 300\n", encoding="utf-8"
    )
    limits = load_config(tmp_path).limits
    assert limits == Limits(sheet_rows=5000, cell_chars=40000, tiff_pages=300)
    (tmp_path / "kura.toml").write_text("[limits]\nrows = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown \\[limits\\] key\\(s\\): rows"):
        load_config(tmp_path)
    (tmp_path / "kura.toml").write_text("[limits]\nsheet_mb = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"limits\.sheet_mb must be an integer in 1\.\.10000"):
        load_config(tmp_path)


# --- hostile workbooks (item 5) --------------------------------------------------------


def wide_rows():
    """Row 1 the header, row 2 an item, then one value in column XFD (the last one Excel
    has) on each of 100,000 rows: padded out, 1.6 billion cells."""
    yield row(1, inline("A1", "ID"), inline("B1", "名称"))
    yield row(2, inline("A2", "M001"), inline("B2", "写真帳"))
    for n in range(3, 100_001):
        yield f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>'


def big_string():
    """One shared string of 500 MB (333,334 × 500 kana of 3 bytes), 0.5 MB compressed."""
    yield f'<sst {NS} count="1" uniqueCount="1"><si><t>'
    for _ in range(500):
        yield "あ" * 333_334
    yield "</t></si></sst>"


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
    f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is>'
    "</c></row></sheetData></worksheet>"
)


def run_ingest(root: Path, memory_mb: int = 1500) -> subprocess.CompletedProcess:
    """`kura ingest --dry-run` in a child whose address space is capped: what would need
    gigabytes ends in MemoryError there instead of swapping the machine."""

    def cap() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    (root / "items.csv").unlink(missing_ok=True)  # kura init's example: items.xlsx is read
    env = {**os.environ, "KURA_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-m", "kura", "-C", str(root), "ingest", "--dry-run", "--jobs", "1"],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=cap,
        timeout=300,
    )


def test_a_value_in_the_last_column_of_100k_rows(project) -> None:
    root = project(None)
    path = write_xlsx(root / "items.xlsx", sheet_xml(wide_rows()))
    assert path.stat().st_size < 1_500_000
    done = run_ingest(root)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "items.xlsx row 3, column XFD: error: values right of column IV are not read "
        "(limit: 256 columns, [limits] sheet_columns in kura.toml)"
    ) in done.stderr
    assert "1 new" in done.stdout.splitlines()[-1]  # M001 goes on


def test_a_500_mb_cell_in_a_small_workbook(project) -> None:
    root = project(None)
    sheet = sheet_xml([row(1, inline("A1", "ID"), inline("B1", "名称")), row(2, inline("A2", "M001"), '<c r="B2" t="s"><v>0</v></c>')])  # fmt: skip
    path = write_xlsx(root / "items.xlsx", sheet, big_string())
    assert path.stat().st_size < 600_000
    done = run_ingest(root)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: items.xlsx: ")
    assert "is too large (500.0 MB; limit 100 MB, [limits] sheet_mb in kura.toml)" in line


@pytest.mark.parametrize(
    "xml, words",
    [
        (f'<?xml version="1.0"?><worksheet {NS}><sheetData><row r="1"><c r="A1"', "damaged"),
        (LAUGHS, "damaged"),
        ("<worksheet", "damaged"),
    ],
    ids=["cut-short", "entities", "not-xml"],
)
def test_a_malformed_workbook_is_one_line(project, xml: str, words: str) -> None:
    root = project(None)
    write_xlsx(root / "items.xlsx", [xml])
    done = run_ingest(root)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: items.xlsx: ") and words in line, line
