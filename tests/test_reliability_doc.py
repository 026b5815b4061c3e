"""docs/reliability.md cannot go stale: every test it cites exists, every guarantee in its table
cites at least one, and the README links it."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
CITED = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")
TABLE = "## 約束とそれを確かめるテスト / Every guarantee and the test behind it"


@cache
def defined(path: str) -> set[str]:
    """The names of the functions and classes defined at the top of a test module."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def guarantee_rows() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split(TABLE, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return rows[2:]  # after the header and its rule


def test_every_cited_test_exists() -> None:
    cited = CITED.findall(DOC.read_text(encoding="utf-8"))
    assert len(cited) >= 60, len(cited)
    missing = [
        f"{path}::{name}" if name else path
        for path, name in cited
        if not (ROOT / path).is_file() or (name and name not in defined(path))
    ]
    assert missing == []


def test_every_guarantee_cites_a_test() -> None:
    rows = guarantee_rows()
    assert len(rows) >= 25, len(rows)
    for row in rows:
        _guarantee, tests = row.strip("| ").rsplit(" | ", 1)
        assert all(CITED.fullmatch(t) for t in tests.split(", ")), row
        assert all(name for _path, name in CITED.findall(tests)), row


def test_the_checker_finds_a_stale_citation() -> None:
    """The check above can fail: a renamed test would not be found."""
    assert "test_a_changed_byte_in_anything_public_is_found" in defined("tests/test_verify.py")
    assert "test_a_changed_byte_anywhere" not in defined("tests/test_verify.py")


def test_the_readme_links_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/reliability.md)" in readme
