"""``kura index``, ``kura search`` and the index update after ``kura ingest``."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from archive.search.indexer import index_dir
from kura.cli import cli
from tests.test_search_corpus import ITEMS, write_records


def _row(item_id: str, title: str, kana: str, date: str = "") -> dict:
    return {"ID": item_id, "名称": title, "名称_カナ": kana, "年代": date, "資料種別": "古文書"}


SEARCH_JSON_KEYS = {"total", "hits", "facets", "lessons", "collections", "suggestion", "relaxed"}
"""``kura search --json``'s shape (the same as ``/api/search``)."""


def test_index_and_search_json(tmp_path: Path, project: Callable[..., Path]) -> None:
    root = project()
    write_records(root, ITEMS)
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(root), "index"])
    assert result.exit_code == 0, result.output
    assert (index_dir(root)).is_dir()
    result = runner.invoke(
        cli, ["-C", str(root), "search", "むさしむらやま", "--json", "--limit", "3"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == SEARCH_JSON_KEYS
    assert data["lessons"] == data["collections"] == []  # no lessons in this project
    assert data["suggestion"] is None  # hits: nothing to suggest
    assert data["hits"][0]["id"] == "shishi"
    assert {"id", "title", "score", "highlights"} <= set(data["hits"][0])
    assert set(data["facets"]) == {"type", "designation", "period", "place", "images"}
    result = runner.invoke(
        cli,
        [
            "-C",
            str(root),
            "search",
            "",
            "--json",
            "--filter",
            "資料種別=古文書",
            "--filter",
            "year=1830-1845",
        ],
    )
    assert json.loads(result.output)["total"] == 4
    result = runner.invoke(cli, ["--lang", "en", "-C", str(root), "search", "sayamma"])
    assert result.output.splitlines()[-1] == "did you mean: sayama"
    result = runner.invoke(cli, ["-C", str(root), "search", "sayamma", "--json"])
    assert json.loads(result.output)["suggestion"] == "sayama"  # did you mean
    # a filter that is not FIELD=VALUE is a usage error (click's exit code 2), naming it
    result = runner.invoke(
        cli, ["--lang", "en", "-C", str(root), "search", "x", "--filter", "nope"]
    )
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for --filter: 'nope' is not FIELD=VALUE"
    )
    # a field no filter has is Kura's own error (exit code 1), listing the ones there are
    result = runner.invoke(
        cli, ["--lang", "en", "-C", str(root), "search", "x", "--filter", "nope=1"]
    )
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "error: unknown filter 'nope' (known: type, designation, period, place, images, year)"
    ]


def test_search_without_index_is_one_clear_error(project: Callable[..., Path]) -> None:
    root = project()
    result = CliRunner().invoke(cli, ["-C", str(root), "search", "村山"])
    assert result.exit_code == 1
    assert "kura index" in result.output


def test_ingest_updates_the_index(project: Callable[..., Path]) -> None:
    root = project([_row("sawai", "澤井家文書", "サワイケモンジョ", "天保5年")])
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(root), "ingest", "--no-progress"])
    assert result.exit_code == 0, result.output
    search = ["-C", str(root), "search", "--json"]
    assert json.loads(runner.invoke(cli, [*search, "沢井"]).output)["total"] == 1
    # a second item and a changed title: only those are re-indexed
    from tests.conftest import write_sheet

    write_sheet(
        root,
        [
            _row("sawai", "澤井家日記", "サワイケニッキ", "天保5年"),
            _row("gakko", "學校沿革誌", "ガッコウエンカクシ", "明治6年"),
        ],
    )
    result = runner.invoke(cli, ["-C", str(root), "ingest", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(cli, [*search, "学校"]).output)["total"] == 1
    assert json.loads(runner.invoke(cli, [*search, "さわいけにっき"]).output)["total"] == 1
    out = json.loads(runner.invoke(cli, [*search, "澤井家文書"]).output)
    # the old title is gone from the index: at most the renamed record (沢井家 + 文書 in
    # its type 古文書), never a record titled 澤井家文書
    assert [h["title"] for h in out["hits"]] in ([], ["澤井家日記"]), out


def test_search_the_demo_archive(tmp_path_factory) -> None:
    """``kura demo DIR --no-serve`` then ``kura -C DIR search むさしむらやま`` (issue 3's
    "done when"); the demo is built once per run and shared with the viewer tests."""
    from tests.viewer_demo import build_demo_once

    root = build_demo_once(tmp_path_factory)
    runner = CliRunner()

    def hits(*args: str) -> dict:
        result = runner.invoke(cli, ["-C", str(root), "search", "--json", *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    # むさしむらやま is the reading of 武蔵村山: every row of the demo's sheet with the name
    # in any field (an address, a place, an owner), and no other
    with (root / "items.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet))
    named = {row["ID"] for row in rows if any("武蔵村山" in value for value in row.values())}
    assert 0 < len(named) < len(rows)  # the premise: some rows have it, some do not
    data = hits("むさしむらやま", "--limit", "100")
    assert data["total"] == len(named)
    assert {h["id"] for h in data["hits"]} == named
    assert all({"id", "title", "score", "highlights"} <= set(h) for h in data["hits"])
    assert hits("さしだにっき")["hits"][0]["id"] == "sashida-nikki"
    assert "sashida-nikki" in {h["id"] for h in hits("天保")["hits"]}
    assert "sashida-nikki" in {h["id"] for h in hits("１８３４")["hits"]}
    result = runner.invoke(
        cli, ["--lang", "ja", "-C", str(root), "search", "むさしむらやま", "--limit", "100"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{len(named)} 件"
    listed = [line.split("\t")[0] for line in lines[1:] if line and line[0] != "\t"]
    assert set(listed[: len(named)]) == named  # one line per hit, then the lessons
    result = runner.invoke(cli, ["--lang", "ja", "-C", str(root), "search", "せんばこき"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1 件" and lines[1].startswith("mingu-senbakoki\t千歯扱き")
    assert "学習教材: 1" in lines  # the lesson that shows it, at the step that does
    assert any(
        line.startswith("lesson/mukashi-no-dogu\tむかしの道具とくらし") and "ステップ" in line
        for line in lines
    ), lines
