"""Hostile and awkward metadata sheets through the whole ingest: line endings, BOM, CP932
with 機種依存文字, quoted newlines, formula-looking cells, duplicate and invisible-space IDs,
10,000 rows. Bad rows give one line naming the file, row and column; the rest goes on.

(Reading each case is unit-tested in test_sheet.py; this is the whole pipeline.)
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from archive.config import load_config
from archive.sheet import read_sheet
from archive.store import LocalStore
from kura.cli import cli

HEADER = "ID,名称,概要,所有者等,年代\r\n"


def ingest(root: Path, *args: str) -> object:
    return CliRunner().invoke(
        cli, ["--lang", "en", "-C", str(root), "ingest", "--jobs", "1", *args]
    )


def record(root: Path, item_id: str) -> dict:
    return json.loads(LocalStore(root / "public").get(f"records/{item_id}.json"))


def test_mixed_line_endings_bom_quoted_newline_and_formulas(project) -> None:
    root = project(None)
    text = (
        HEADER
        + 'f1,"=HYPERLINK(""http://evil.example/"",""click"")",一行目\n'
        + "f2,+cmd|' /C calc'!A0,,,\r"
        + 'f3,@SUM(1+1),"一行目\r\n二行目\n三行目",,天保5年\r\n'
        + "f4,-2+3,,,\n"
    )
    (root / "items.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    result = ingest(root)
    assert result.exit_code == 0, result.output
    assert record(root, "f1")["title"] == '=HYPERLINK("http://evil.example/","click")'
    assert record(root, "f1")["fields"]["概要"] == "一行目"
    assert record(root, "f2")["title"] == "+cmd|' /C calc'!A0"
    assert record(root, "f3")["title"] == "@SUM(1+1)"
    assert record(root, "f3")["fields"]["概要"] == "一行目\n二行目\n三行目"
    assert record(root, "f4")["title"] == "-2+3"
    rows = {i.id: i.row for i in read_sheet(root / "items.csv", load_config(root)).items}
    assert (rows["f3"], rows["f4"]) == (4, 5)  # the quoted newlines are inside row 4


def test_cp932_with_machine_dependent_characters(project) -> None:
    root = project(None)
    text = HEADER + "k1,資料①,㈱武蔵村山の蔵,㈱武蔵村山,昭和30年代\r\nk2,Ⅲ号墳 №3,,,\r\n"
    (root / "items.csv").write_bytes(text.encode("cp932"))
    result = ingest(root)
    assert result.exit_code == 0, result.output
    assert record(root, "k1")["title"] == "資料①"
    assert record(root, "k1")["fields"]["所有者等"] == "㈱武蔵村山"
    assert record(root, "k2")["title"] == "Ⅲ号墳 №3"


def test_duplicate_and_invisible_space_ids(project) -> None:
    root = project(None)
    rows = [
        "A1,first",  # row 2
        "A1\u200b,zero-width space: the same ID once cleaned",  # row 3: duplicate
        "B1\u3000,ideographic space",  # row 4: cleaned, kept with a warning
        "\u00a0C1,no-break space",  # row 5: cleaned, kept with a warning
        "C\u00a0D,no-break space inside",  # row 6: not an ID
        "a1,case differs",  # row 7: duplicate of row 2
        "E\ufeff1,BOM inside",  # row 8: cleaned (format character)
    ]
    text = "ID,名称\r\n" + "".join(f"{r}\r\n" for r in rows)
    (root / "items.csv").write_bytes(text.encode("utf-8"))
    result = ingest(root)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if ": error: " in line]
    assert len(errors) == 3, result.output
    assert errors[0].startswith("items.csv row 3, column ID: error:") and "row 2" in errors[0]
    assert errors[1].startswith("items.csv row 6, column ID: error:") and "U+00A0" in errors[1]
    assert errors[2].startswith("items.csv row 7, column ID: error:") and "row 2" in errors[2]
    warnings = [line for line in result.output.splitlines() if ": warning: " in line]
    assert [w.split(",")[0] for w in warnings] == [
        f"items.csv row {n}"
        for n in (3, 4, 5, 8)  # invisible characters removed
    ]
    assert record(root, "A1")["title"] == "first"
    assert record(root, "B1")["title"] == "ideographic space"
    assert record(root, "C1")["title"] == "no-break space"
    assert record(root, "E1")["title"] == "BOM inside"
    assert "3 new" not in result.output.splitlines()[-1]
    assert "4 new" in result.output.splitlines()[-1]


def test_ten_thousand_rows(project) -> None:
    root = project(None)
    lines = ["ID,名称,年代,利用条件"]
    lines += [f"M{n:05d},武蔵村山 資料{n},昭和30年代,CC BY 4.0" for n in range(10_000)]
    lines.append("M00042,重複,,")  # one bad row at the very end
    (root / "items.csv").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    started = time.monotonic()
    result = ingest(root, "--dry-run")
    seconds = time.monotonic() - started
    assert result.exit_code == 1
    assert "items.csv row 10002, column ID: error:" in result.output
    assert "10000 new" in result.output.splitlines()[-1]
    # not a benchmark: a guard against quadratic work (it takes about a second)
    assert seconds < 60
