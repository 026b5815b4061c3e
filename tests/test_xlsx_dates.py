"""Excel date cells keep the form the archivist sees in Excel (issue 14): a workbook written
by openpyxl with the number formats a Japanese Excel gives dates, read back as the sheet."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from archive.config import Config
from archive.numfmt import format_date
from archive.sheet import read_sheet

ERA = '[$-ja-JP]ggge"年"m"月"d"日"'


@pytest.fixture
def config(tmp_path: Path) -> Config:
    (tmp_path / "scans").mkdir()
    return Config(root=tmp_path)


def workbook(path: Path, cells: list[tuple[object, str | None]]) -> Path:
    """One row per cell: ID, 名称 and a 年代 cell holding ``value`` in ``number_format``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "文化財一覧"
    sheet.append(["ID", "名称", "年代"])
    for n, (value, number_format) in enumerate(cells, start=1):
        sheet.append([f"d{n}", f"中藤村の記録 {n}", value])
        if number_format is not None:
            sheet.cell(row=n + 1, column=3).number_format = number_format
    book.save(path)
    return path


def dates(config: Config, path: Path) -> list[str]:
    result = read_sheet(path, config)
    assert result.errors == []
    return [item.get("年代") for item in result.items]


@pytest.mark.parametrize(
    ("value", "number_format", "shown"),
    [
        (dt.date(2020, 4, 1), ERA, "令和2年4月1日"),
        (dt.date(2020, 4, 1), ERA + ";@", "令和2年4月1日"),  # Excel adds ;@ to custom dates
        (dt.date(1989, 1, 7), '[$-411]ggge"年"m"月"d"日";@', "昭和64年1月7日"),
        (dt.date(1989, 1, 8), '[$-411]ggge"年"m"月"d"日";@', "平成1年1月8日"),
        (dt.date(2019, 5, 1), '[$-ja-JP-x-gannen]ggge"年"m"月"d"日";@', "令和元年5月1日"),
        (dt.date(1964, 10, 10), "[$-411]ge.m.d", "S39.10.10"),
        (dt.date(1926, 12, 25), '[$-411]gge"年"', "昭1年"),
        (dt.date(2020, 4, 1), "yyyy/m/d", "2020/4/1"),
        (dt.date(2020, 4, 1), 'yyyy"年"m"月"d"日"', "2020年4月1日"),
        (dt.date(2020, 4, 1), 'yyyy"年"m"月"d"日"(aaa)', "2020年4月1日(水)"),
        (dt.date(2020, 4, 1), "yyyy-mm-dd", "2020-04-01"),
        (dt.date(2020, 4, 1), "d-mmm-yy", "1-Apr-20"),
        (dt.datetime(1970, 3, 15, 13, 5), "yyyy/m/d h:mm", "1970/3/15 13:05"),
        (dt.datetime(1970, 3, 15, 13, 5), "h:mm AM/PM", "1:05 PM"),
        (dt.date(1970, 3, 15), 'm"月"d"日"', "3月15日"),
    ],
)
def test_date_cells_read_as_excel_shows_them(
    config: Config, value: object, number_format: str, shown: str
) -> None:
    path = workbook(config.root / "items.xlsx", [(value, number_format)])
    assert dates(config, path) == [shown]


def test_era_dates_are_still_read_as_years(config: Config) -> None:
    path = workbook(
        config.root / "items.xlsx",
        [(dt.date(2020, 4, 1), ERA), (dt.date(1964, 10, 10), "yyyy/m/d")],
    )
    result = read_sheet(path, config)
    assert [(i.date.start, i.date.end) for i in result.items if i.date] == [
        (2020, 2020),
        (1964, 1964),
    ]
    assert result.warnings == []


def _to_builtin(path: Path, code: str, num_fmt_id: int) -> None:
    """Make the style that uses the custom format ``code`` use the built-in ``num_fmt_id``
    instead, with no numFmt entry: how Excel saves its own Japanese built-in formats."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    styles = parts["xl/styles.xml"].decode("utf-8")
    escaped = code.replace('"', "&quot;")
    found = re.search(rf'<numFmt numFmtId="(\d+)" formatCode="{re.escape(escaped)}"\s*/>', styles)
    assert found, styles
    styles = styles.replace(found.group(0), "")
    styles = styles.replace(f'numFmtId="{found.group(1)}"', f'numFmtId="{num_fmt_id}"')
    parts["xl/styles.xml"] = styles.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    ("num_fmt_id", "shown"),
    [
        (14, "2020/4/1"),  # the short date: yyyy/m/d in a Japanese Excel
        (27, "R2.4.1"),
        (28, "令和2年4月1日"),
        (31, "2020年4月1日"),
        (34, "2020年4月"),
        (35, "4月1日"),
        (58, "令和2年4月1日"),
    ],
)
def test_japanese_builtin_date_formats(config: Config, num_fmt_id: int, shown: str) -> None:
    """Built-in ids 27-36 and 50-58 are not dates to openpyxl: the cell comes as a serial
    number (43922 for 2020-04-01), which must not reach the sheet as a number."""
    path = workbook(config.root / "items.xlsx", [(dt.date(2020, 4, 1), "yyyy/mm/dd")])
    _to_builtin(path, "yyyy/mm/dd", num_fmt_id)
    assert dates(config, path) == [shown]


def test_numbers_and_text_are_not_dates(config: Config) -> None:
    path = workbook(
        config.root / "items.xlsx",
        [(1834, None), ("天保5年", None), (35.7547, "0.0000"), ("令和2年", "@")],
    )
    assert dates(config, path) == ["1834", "天保5年", "35.7547", "令和2年"]


def test_formats_not_rendered_fall_back_to_iso() -> None:
    assert format_date(dt.date(2020, 4, 1), '[DBNum1]ggge"年"m"月"d"日"') is None
    assert format_date(dt.datetime(2020, 4, 1, 9, 30, 15, 500000), "hh:mm:ss.0") is None
    assert format_date(dt.time(9, 5), "hh:mm") == "09:05"
    assert format_date(dt.date(2020, 4, 1), 'yyyy"年";@') == "2020年"
