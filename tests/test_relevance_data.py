"""The held-out search relevance set (tests/relevance) loads and is well formed.

Only the data and its loader are tested here; no search code runs on this set (its
judgements were written down before any engine ran, see tests/relevance/README.md).
"""

from __future__ import annotations

from collections import Counter

from archive.era import era_range
from tests.relevance import KINDS, QUERIES, RECORDS, Query


def test_counts():
    assert len(RECORDS) >= 165
    assert len(QUERIES) >= 240
    per_kind = Counter(q.kind for q in QUERIES)
    assert set(per_kind) == set(KINDS)
    assert all(per_kind[kind] >= 18 for kind in KINDS), per_kind


def test_record_shape():
    keys = {
        "kura_record", "id", "title", "row", "fields", "extra", "rights",
        "viewing_direction", "date", "keywords", "designations", "pages", "files",
        "image_settings", "fingerprint",
    }  # fmt: skip
    for n, record in enumerate(RECORDS, start=1):
        assert set(record.to_json()) == keys
        assert record.row == n
        assert record.fields["ID"] == record.id
        assert record.fields["名称"] == record.title
        assert all(record.fields.values())
        assert record.keywords, record.id
        assert record.designations, record.id
    with_pages = sum(bool(r.pages) for r in RECORDS)
    assert 0.6 < with_pages / len(RECORDS) < 0.72


def test_ids_unique():
    ids = [r.id for r in RECORDS]
    assert len(ids) == len(set(ids))


def test_every_date_parses():
    unparsed = [(r.id, r.date.text) for r in RECORDS if r.date and r.date.years is None]
    assert unparsed == []
    for record in RECORDS:
        if record.date:
            assert era_range(record.date.text) == record.date.years


def test_several_cities():
    cities = Counter(r.fields["備考"] for r in RECORDS)
    assert len(cities) >= 10
    assert max(cities.values()) < len(RECORDS) / 5


def test_relevant_ids_exist():
    ids = {r.id for r in RECORDS}
    for query in QUERIES:
        assert query.relevant <= ids, query
        if query.kind == "zero":
            assert not query.relevant, query
        else:
            assert query.relevant, query


def test_no_duplicate_query():
    texts = Counter(q.text for q in QUERIES)
    assert [t for t, n in texts.items() if n > 1] == []


def test_query_type():
    assert all(isinstance(q, Query) and isinstance(q.relevant, frozenset) for q in QUERIES)
