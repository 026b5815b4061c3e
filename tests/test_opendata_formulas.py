"""Issue 17 item 9: the open-data CSV guards every start of a formula that Excel or
LibreOffice Calc honours, also behind invisible characters, and leaves plain text and plain
numbers as they are."""

from __future__ import annotations

import pytest

from archive.opendata import formula_like, safe_cell

# Each starter, with what follows it in a real attack or a harmless-looking cell.
STARTERS = {
    "=": '=HYPERLINK("http://evil.example/","武蔵村山")',
    "+": "+cmd|' /C calc'!A0",
    "-": "-2+3+cmd|' /C calc'!A0",
    "@": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "CR": "\r=1+1",
    "LF": "\n=1+1",
    "full-width ＝": '＝HYPERLINK("http://evil.example/")',
    "full-width ＋": "＋1＋1",
    "full-width －": "－1＋1",
    "full-width ＠": "＠SUM(1,1)",
    "small ﹦": "﹦1+1",
    "small ﹢": "﹢1+1",
    "small ﹣": "﹣1+1",
    "pipe (DDE)": "|cmd /c calc",
    "full-width ｜": "｜cmd /c calc",
    "semicolon": ";=1+1",
    "full-width ；": "；=1+1",
    "minus sign U+2212": "\u22121+1",
    "leading NUL": "\x00=1+1",
    "leading zero-width space": "\u200b=1+1",
    "leading BOM": "\ufeff=1+1",
    "leading word joiner": "\u2060@SUM(1)",
    "leading space": " =1+1",
    "leading ideographic space": "\u3000＝1+1",
    "leading no-break space": "\u00a0=1+1",
    "leading DEL": "\x7f=1+1",
}


@pytest.mark.parametrize("name", list(STARTERS))
def test_every_formula_starter_is_guarded(name: str) -> None:
    value = STARTERS[name]
    assert formula_like(value)
    assert safe_cell(value) == "'" + value.replace("\r\n", "\n")


@pytest.mark.parametrize(
    "value",
    ["武蔵村山市", "指田日記 =写し", "-35.5", "139.4", "+81", "-7", "2024-04-01", "（＝同上）",
     "a=b", "ＡＢＣ", "「＝」の字", ""],
)  # fmt: skip
def test_plain_text_and_numbers_are_left_alone(value: str) -> None:
    assert not formula_like(value)
    assert safe_cell(value) == value
