"""Issue 17 item 5 for CSV: one enormous row or cell is refused in one line without the file
being read into memory. The sheet is read as a stream and no line longer than
4 × [limits] cell_chars is held whole (archive/sheetfile.py); the resident memory of a fresh
process reading a 200 MB single-line CSV is measured (tests/peak_memory.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from archive.config import Config, load_config
from archive.errors import SheetError
from archive.sheet import read_sheet
from tests.peak_memory import peak_growth

HEADER = "ID,名称,概要\r\n"
BOUND = 48 << 20  # bytes of resident growth allowed for reading a sheet of 200 MB


def enormous_csv(root: Path, megabytes: int, text: str) -> Path:
    """A header, then row 2 with one cell of ``megabytes`` MB on a single line, then row 3."""
    path = root / "items.csv"
    chunk = text.encode() * ((1 << 20) // len(text.encode()))
    with open(path, "wb") as fh:
        fh.write((HEADER + "L001,長い,").encode())
        for _ in range(megabytes * 1_000_000 // len(chunk)):
            fh.write(chunk)
        fh.write("\r\nL002,短い,\r\n".encode())
    return path


def read_refusal(root: str) -> str:
    """In a fresh process (peak_growth): read the project's sheet; the one-line refusal."""
    config = load_config(Path(root))
    try:
        read_sheet(config.sheet_path(), config)
    except SheetError as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize("text", ["x", "あ"], ids=["ascii", "kana"])
def test_a_200_mb_single_line_csv_is_refused_without_reading_it(tmp_path: Path, text: str) -> None:
    root = tmp_path / "proj"
    (root / "scans").mkdir(parents=True)
    (root / "kura.toml").write_text("[limits]\nsheet_mb = 1000\n", encoding="utf-8")
    path = enormous_csv(root, 200, text)
    assert path.stat().st_size > 199_000_000
    peak = peak_growth("tests.test_sheet_memory:read_refusal", str(root))
    assert peak.result == (
        "items.csv: 2行目が長すぎて読めません（1行か1つのセルが 4,000,000 文字を超えています。"
        "セルは 1,000,000 文字まで、kura.toml の [limits] cell_chars）。台帳を読みません / "
        "row 2 is too long to read (over 4,000,000 characters in one line or cell; a cell "
        "holds at most 1,000,000, [limits] cell_chars in kura.toml): the sheet is not read"
    )
    # before: the whole file, decoded, then the cell: 1,190 MB for 90 MB of ASCII
    assert peak.growth < BOUND, f"{peak.growth / 2**20:.1f} MB"


def test_under_the_default_size_limit_it_is_refused_by_its_size(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "scans").mkdir(parents=True)
    (root / "kura.toml").write_text("", encoding="utf-8")
    enormous_csv(root, 200, "x")
    peak = peak_growth("tests.test_sheet_memory:read_refusal", str(root))
    assert "limit 100 MB, [limits] sheet_mb in kura.toml" in peak.result
    assert peak.growth < BOUND, f"{peak.growth / 2**20:.1f} MB"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "scans").mkdir()
    config = Config(root=tmp_path)
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits, cell_chars=1000))


def read(config: Config, text: str) -> object:
    path = config.root / "items.csv"
    path.write_text(text, encoding="utf-8")
    return read_sheet(path, config)


def test_a_long_cell_within_a_line_fails_its_row_only(config: Config) -> None:
    """4 × cell_chars on one line is read: the cell over cell_chars fails its row."""
    within = "L001,長い," + "あ" * (4000 - len("L001,長い,"))
    result = read(config, HEADER + within + "\r\nL002,短い,\r\n")
    assert [item.id for item in result.items] == ["L002"]
    assert "limit 1,000, [limits] cell_chars" in result.problems[0].line("en")


@pytest.mark.parametrize(
    "row",
    [
        "L001,長い," + "あ" * 4000,  # one line
        'L001,長い,"' + "\r\n".join(["い" * 99] * 50) + '"',  # a cell spanning 50 lines
    ],
    ids=["one-line", "many-lines"],
)
def test_a_row_past_the_line_limit_refuses_the_sheet_naming_it(config: Config, row: str) -> None:
    with pytest.raises(SheetError) as refused:
        read(config, HEADER + "L000,前の行,\r\n" + row + "\r\nL002,短い,\r\n")
    assert str(refused.value).endswith(
        "row 3 is too long to read (over 4,000 characters in one line or cell; a cell holds "
        "at most 1,000, [limits] cell_chars in kura.toml): the sheet is not read"
    )
