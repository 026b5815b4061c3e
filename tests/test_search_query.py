"""Query handling: hostile input, facets, filters, sort, paging, highlights, did-you-mean."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from archive.search import search
from archive.search.analysis import normalize
from archive.search.query import MAX_CHARS, parse
from archive.search.searcher import FilterError
from archive.search.variants import fold_variants
from tests.test_search_corpus import ITEMS, search_project  # noqa: F401  (fixture)


def _text(row: tuple) -> str:
    """A record's searchable text as a plain reader sees it: every field but the id and the
    page count, with 々 written out (村々 is 村村) and full-width forms folded, lower case."""
    text = " ".join(str(value) for value in row[1:9])
    text = re.sub(r"(.)々", r"\1\1", text)
    return unicodedata.normalize("NFKC", text).lower()


CORPUS = {row[0]: _text(row) for row in ITEMS}


def everything() -> set[str]:
    """A query with nothing to search for (no letter, digit or kanji) lists every record,
    as the empty query does."""
    return set(CORPUS)


def having(needle: str) -> Callable[[], set[str]]:
    """The records whose text holds ``needle`` (a Japanese word: kanji by their pairs)."""
    return lambda: {item_id for item_id, text in CORPUS.items() if needle in text}


def nothing_has(*words: str) -> Callable[[], set[str]]:
    """No record holds any of ``words`` (as a word: not inside a longer Latin word or
    number), so none has every word of the query, nor most of them (see
    :func:`archive.search.query.most_words`): nothing is found. The premise is checked
    against the corpus, not assumed."""

    def expected() -> set[str]:
        for word in words:
            pattern = rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"
            holders = [i for i, text in CORPUS.items() if re.search(pattern, text)]
            assert not holders, f"the corpus has {word!r} ({holders}): pick another"
        return set()

    return expected


HOSTILE: list[tuple[str, Callable[[], set[str]]]] = [
    ('"', everything),
    ('"村山', having("村山")),  # an unbalanced quote is ignored
    ("「狭山", having("狭山")),
    ("AND OR NOT", nothing_has("and", "or", "not")),  # plain words, not operators
    # every word must match, or (when none does) most of them: two of four are nowhere
    ("title:村山 OR (土器", nothing_has("title", "or")),
    ("*:*", everything),
    ("村山* ~2 ^3 [a TO z] {x}", nothing_has("to", "z", "x")),  # three of seven nowhere
    ("\\", everything),
    ("x" * 1000, nothing_has("x" * MAX_CHARS)),
    ("村" * 1000, having("村村")),  # its pairs are all 村村: 村々 in 武蔵國の村々
    (" " * 50, everything),
    ("\u3000\u3000", everything),
    ("\x00\x01\x1b[31m\x7f", nothing_has("31m", "31")),  # control characters dropped
    ("\u200b\ufeff", everything),
    ("<script>alert(1)</script>", nothing_has("script", "alert")),
    ("'; DROP TABLE items; --", nothing_has("drop", "table", "items")),
    ("𠮷野家", nothing_has("𠮷", "野家")),
    ("🙂", everything),
    ("-", everything),
    ("ー", nothing_has("ー")),
    ("99999999999999999999", nothing_has("99999999999999999999")),
    ("年", having("年")),
    ("0", nothing_has("0")),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE, ids=[repr(t[:12]) for t, _ in HOSTILE])
def test_hostile_queries_find_what_the_corpus_holds(
    search_project: Path,  # noqa: F811
    text: str,
    expected: Callable[[], set[str]],
) -> None:
    """Hostile text never raises, and finds exactly the records holding what is searchable
    in it: everything when nothing is, nothing when no record holds its words."""
    wanted = expected()
    if expected is everything:  # the premise: no letter, digit or kanji in it
        assert not any(ch.isalnum() for ch in text), repr(text[:20])
    result = search(search_project, text, per_page=len(ITEMS))
    assert result.total == len(wanted)
    assert {hit.id for hit in result.hits} == wanted
    assert sorted(hit["id"] for hit in result.to_json()["hits"]) == sorted(wanted)


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
