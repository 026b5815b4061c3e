"""The variant-kanji table saved by ``make deps`` (archive/search/data/variants.json) is used
only while it matches what is installed, and then it is the table the packages give."""

from __future__ import annotations

import json

import pytest

from archive.search import variants


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """variants with its saved table in tmp_path and no table cached in this process."""
    monkeypatch.setattr(variants, "SAVED", tmp_path / "variants.json")
    variants.variant_table.cache_clear()
    yield variants
    variants.variant_table.cache_clear()


def test_the_saved_table_is_the_built_one(fresh) -> None:
    built = fresh.build_table()
    assert fresh.save_table() == len(built) > 5000
    assert fresh._saved_table() == built
    assert fresh.variant_table() == built
    assert "學國澤髙﨑嶋".translate(fresh.variant_table()) == "学国沢高崎島"


def test_a_table_saved_from_other_sources_is_not_used(fresh) -> None:
    fresh.save_table()
    saved = json.loads(fresh.SAVED.read_text(encoding="utf-8"))
    saved["key"] = "0" * 64  # e.g. ja-itaiji upgraded since make deps
    saved["table"]["學"] = "X"
    fresh.SAVED.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    assert fresh._saved_table() is None
    assert fresh.variant_table()[ord("學")] == "学"


@pytest.mark.parametrize("content", ["", "{", "[]", '{"key": "x"}', '{"table": 3}'])
def test_a_missing_or_damaged_file_builds_the_table(fresh, content) -> None:
    if content:
        fresh.SAVED.write_text(content, encoding="utf-8")
    assert fresh._saved_table() is None
    assert fresh.variant_table() == fresh.build_table()


def test_the_key_follows_the_code(fresh, monkeypatch) -> None:
    before = fresh.source_key()
    monkeypatch.setattr(fresh, "_SAVED_FORMAT", fresh._SAVED_FORMAT + 1)
    assert fresh.source_key() != before
