"""Query handling: hostile input, facets, filters, sort, paging, highlights, did-you-mean."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.search import search
from archive.search.analysis import normalize
from archive.search.query import MAX_CHARS, parse
from archive.search.searcher import FilterError
from archive.search.variants import fold_variants
from tests.test_search_corpus import ITEMS, search_project  # noqa: F401  (fixture)

HOSTILE = [
    '"',
    '"村山',
    "「狭山",
    "AND OR NOT",
    "title:村山 OR (土器",
    "*:*",
    "村山* ~2 ^3 [a TO z] {x}",
    "\\",
    "x" * 1000,
    "村" * 1000,
    " " * 50,
    "\u3000\u3000",
    "\x00\x01\x1b[31m\x7f",
    "\u200b\ufeff",
    "<script>alert(1)</script>",
    "'; DROP TABLE items; --",
    "𠮷野家",
    "🙂",
    "-",
    "ー",
    "99999999999999999999",
    "年",
    "0",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(search_project: Path, text: str) -> None:  # noqa: F811
    result = search(search_project, text)
    assert result.total >= 0
    assert isinstance(result.to_json()["hits"], list)


def test_parse_limits_and_quotes() -> None:
    assert len(parse("x" * 5000).text()) <= MAX_CHARS
    assert parse('"武蔵 村山" 土器').phrases == ["武蔵 村山"]
    assert parse('"武蔵 村山" 土器').words == ["土器"]
    assert parse('"unbalanced').words == ["unbalanced"]
    assert parse("a:b (c) d*").words == ["a", "b", "c", "d"]
    assert parse(None).empty


def test_normalize_width_case_kana_variants() -> None:
    assert normalize("ＭＵＳＡＳＨＩ １８３４") == "musashi 1834"
    assert normalize("ﾑｻｼ ムサシ") == "むさし むさし"
    assert fold_variants("學國澤齋嶋邊邉髙﨑") == "学国沢斎島辺辺高崎"
    assert fold_variants("学国沢斎島辺高崎") == "学国沢斎島辺高崎"
    assert fold_variants("教途埼捨机") == "教途埼捨机"  # loose relatives stay apart


def test_empty_query_lists_everything_with_facets(search_project: Path) -> None:  # noqa: F811
    result = search(search_project, "   ")
    assert result.total == len(ITEMS)
    assert result.facets["type"]["古文書"] == sum(1 for row in ITEMS if row[4] == "古文書")
    assert result.facets["images"] == {
        "yes": sum(1 for row in ITEMS if row[9]),
        "no": sum(1 for row in ITEMS if not row[9]),
    }
    assert result.facets["designation"]["有形文化財"] == 5
    assert list(result.facets["period"])[:2] == ["縄文", "室町"]


def test_facets_count_the_whole_result(search_project: Path) -> None:  # noqa: F811
    # 天保 is 1830–1844: 天保5年, 弘化元年 (1844), 天保年間, and three longer ranges
    result = search(search_project, "天保", per_page=1)
    assert result.total == 6 and len(result.hits) == 1
    assert result.facets["type"] == {"古文書": 4, "民具": 1, "絵図": 1}
    assert result.facets["period"]["江戸"] == 6


def test_filters(search_project: Path) -> None:  # noqa: F811
    ids = {
        h.id for h in search(search_project, "", {"資料種別": "古文書", "year": "1830-1845"}).hits
    }
    assert ids == {"sawai", "saito", "sashida", "shumon"}  # 江戸時代後期 overlaps too
    ids = {h.id for h in search(search_project, "", {"period": "縄文時代"}).hits}
    assert ids == {"doki", "kichijoji-site"}
    assert search(search_project, "", {"images": "no"}).total == 5
    assert {h.id for h in search(search_project, "村山", {"文化財分類": "伝統的工芸品"}).hits} == {
        "tsumugi"
    }
    with pytest.raises(FilterError):
        search(search_project, "", {"bogus": "x"})
    with pytest.raises(FilterError):
        search(search_project, "", {"year": "いつか"})


def test_sort_and_paging(search_project: Path) -> None:  # noqa: F811
    by_date = [h.start for h in search(search_project, "古文書", sort="date", per_page=50).hits]
    assert by_date == sorted(by_date)
    newest = [h.start for h in search(search_project, "古文書", sort="-date", per_page=50).hits]
    assert newest == sorted(newest, reverse=True)
    by_id = [h.id for h in search(search_project, "", sort="id", per_page=50).hits]
    assert by_id == sorted(by_id)
    pages = [search(search_project, "", sort="id", page=p, per_page=5) for p in (1, 2, 3, 4, 5)]
    seen = [h.id for r in pages for h in r.hits]
    assert seen == by_id and pages[0].pages == 5
    assert search(search_project, "", page=99).hits == []


def test_highlights(search_project: Path) -> None:  # noqa: F811
    hit = search(search_project, "学校").hits
    marked = {h.id: h.highlights for h in hit}
    assert marked["gakko-old"]["title"] == "<mark>學校</mark>沿革誌"
    assert marked["gakko-new"]["title"] == "<mark>学校</mark>日誌"
    assert "<mark>學校</mark>" in marked["gakko-old"]["summary"]
    script = search(search_project, "<script>").hits
    assert all("<script>" not in h.highlights["title"] for h in script)


def test_did_you_mean(search_project: Path) -> None:  # noqa: F811
    result = search(search_project, "sayamma")  # one letter too many: found, and corrected
    assert [h.id for h in result.hits] == ["satoyama"] and result.relaxed
    assert result.suggestion == "sayama"
    result = search(search_project, "土器 存在しない語")
    assert result.total == 0 and result.suggestion == "土器"
    assert search(search_project, "土器").suggestion is None


def test_ranking_prefers_titles(search_project: Path) -> None:  # noqa: F811
    assert search(search_project, "村山大島紬").hits[0].id == "tsumugi"
    assert search(search_project, "むさしむらやま").hits[0].id == "shishi"
