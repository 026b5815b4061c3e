"""The numpy query engine agrees with Whoosh; phrases are exact; the city's names read right."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from whoosh import query as Q

from archive.project import init_project
from archive.search import query as kq
from archive.search import rebuild, search, update
from archive.search.analysis import normalize
from archive.search.indexer import writer_procs
from archive.search.readings import reading
from archive.search.searcher import filter_query, open_search_index, parse_filters
from tests.test_search_corpus import ITEMS, search_project, write_records  # noqa: F401
from tests.test_search_relevance import CASES

EXTRA = [
    ("oppata", "乙幡家文書", "", "", "古文書", "", "文政8年", "中藤", "乙幡家に伝わる文書。", 1),
    ("uchino", "内野家日記", "", "", "古文書", "", "", "三ツ木", "内野家の日記。", 0),
    ("sanson", "武蔵村山の山村風景", "", "", "写真", "", "昭和30年", "", "山の村。", 1),
]
QUERIES = [q for q, _ in CASES] + [
    "",
    "村山村",
    '"村山村"',
    "「村山の山村」",
    "家",
    "蔵",
    "1868",
    "江戸時代 民具",
    "こもんじょ",
    "zzz",
]
FILTERS = [{}, {"資料種別": "古文書"}, {"year": "1800-1870"}, {"images": "no", "時代": "明治"}]


def _whoosh_ids(searcher, q: Q.Query) -> set[int]:
    return set(searcher.docs_for_query(q))


def _engine_ids(index, q: Q.Query) -> set[int]:
    mask, _ = index._arrays.evaluate(q)
    return set(np.flatnonzero(mask).tolist())


@pytest.fixture(scope="module")
def changed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus plus EXTRA, then two records changed and one dropped by ``update``: an
    index of several segments with deleted documents."""
    project = tmp_path_factory.mktemp("engine") / "archive"
    init_project(project, "検索テスト", "search test")
    write_records(project, ITEMS + EXTRA)
    rebuild(project)
    changed = [(*ITEMS[0][:1], "武蔵村山市史 通史編", *ITEMS[0][2:]), EXTRA[0]]
    write_records(project, changed)
    (project / "public" / "records" / "uchino.json").unlink()
    update(project, ["shishi", "oppata", "uchino"])
    return project


@pytest.mark.parametrize("where", ["search_project", "changed_project"])
def test_engine_matches_what_whoosh_matches(where: str, request: pytest.FixtureRequest) -> None:
    index = open_search_index(request.getfixturevalue(where))
    searcher, _, _ = index._current()
    for text in QUERIES:
        q = kq.build(kq.parse(text))
        for filters in FILTERS:
            wanted = filter_query(parse_filters(filters))
            full = q if wanted is None else Q.And([q, wanted])
            assert _engine_ids(index, full) == _whoosh_ids(searcher, full), (text, filters)


def test_engine_scores_rank_like_whoosh(search_project: Path) -> None:  # noqa: F811
    index = open_search_index(search_project)
    searcher, _, arrays = index._current()
    for text in ("村山", "むさし", "日記", "sayama"):  # dates are scored by fit (below)
        q = kq.build(kq.parse(text))
        ours = {
            searcher.stored_fields(d)["id"]: s for d, s in zip(*_scored(arrays, q), strict=True)
        }
        theirs = {h["id"]: h.score for h in searcher.search(q, limit=None)}
        assert set(ours) == set(theirs)
        for item_id, score in theirs.items():
            assert ours[item_id] == pytest.approx(score, rel=0.05), (text, item_id)


def _scored(arrays, q: Q.Query) -> tuple[list[int], list[float]]:
    mask, scores = arrays.evaluate(q)
    docs = np.flatnonzero(mask)
    return docs.tolist(), scores[docs].tolist()


def test_changed_index_sees_changes(changed_project: Path) -> None:
    assert [h.id for h in search(changed_project, "通史編").hits] == ["shishi"]
    assert search(changed_project, "内野家").total == 0
    assert search(changed_project, "", sort="id").total == len(ITEMS) + len(EXTRA) - 1


def test_a_word_needs_its_bigrams_a_phrase_needs_them_in_order(changed_project: Path) -> None:
    # 村山村: 村山 and 山村 are both in 武蔵村山の山村風景, but not 村山村
    assert "sanson" in {h.id for h in search(changed_project, "村山村").hits}
    assert search(changed_project, '"村山村"').total == 0
    assert [h.id for h in search(changed_project, "「村山の山村」").hits] == ["sanson"]


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("狭山丘陵", "さやまきゅうりょう"),
        ("乙幡", "おっぱた"),
        ("乙幡家文書", "おっぱたけもんじょ"),
        ("内野家", "うちのけ"),
        ("澤井家文書", "さわいけもんじょ"),
        ("齋藤家日記", "さいとうけにっき"),
        ("横中馬", "よこちゅうま"),
        ("指田", "さしだ"),
        ("家族", "かぞく"),
    ],
)
def test_local_names_are_read_as_the_city_reads_them(text: str, spoken: str) -> None:
    assert normalize(reading(text)) == spoken


def test_local_readings_find_items_without_kana(changed_project: Path) -> None:
    assert [h.id for h in search(changed_project, "おっぱた").hits] == ["oppata"]
    assert [h.id for h in search(changed_project, "おっぱたけもんじょ").hits] == ["oppata"]
    assert "oppata" in {h.id for h in search(changed_project, "oppata").hits}


def test_writer_processes_by_size() -> None:
    assert writer_procs(100, cpus=2) == 1
    assert writer_procs(100_000, cpus=2) == 2
    assert writer_procs(100_000, cpus=1) == 1


def test_two_writer_processes_give_the_same_answers(
    tmp_path: Path,
    search_project: Path,  # noqa: F811
) -> None:
    project = tmp_path / "archive"
    init_project(project, "検索テスト", "search test")
    write_records(project, ITEMS)
    assert rebuild(project, procs=2).records == len(ITEMS)
    for text in ("むさしむらやま", "村山", "天保", "學校", "sayama", '"狭山丘陵"'):
        ours = [(h.id, h.score) for h in search(project, text).hits]
        theirs = [(h.id, h.score) for h in search(search_project, text).hits]
        assert ours == theirs, text


def test_a_year_ranks_the_same_year_first_then_narrower_ranges(search_project: Path) -> None:  # noqa: F811
    """天保5年 (1834): the records dated 1834 first, then ranges holding it, narrower first;
    江戸時代 records (a whole period) after every one of them."""
    index = open_search_index(search_project)
    searcher, _, arrays = index._current()
    docs, scores = _scored(arrays, kq.build(kq.parse("1834")))
    by_id = {
        searcher.stored_fields(d)["id"]: (s, searcher.stored_fields(d))
        for d, s in zip(docs, scores, strict=True)
    }
    width = {i: f["end"] - f["start"] for i, (_, f) in by_id.items()}
    ranked = sorted(by_id, key=lambda i: -by_id[i][0])
    assert [width[i] for i in ranked] == sorted(width[i] for i in ranked), ranked
    assert width[ranked[0]] == 0


def test_searches_from_many_threads_at_once(search_project: Path) -> None:  # noqa: F811
    """The viewer searches from several threads: a Sudachi tokenizer (relaxed queries, why)
    and Whoosh's posting files (shared file positions) must not be used by two at once."""
    import threading

    from archive.search.indexer import index_dir
    from archive.search.searcher import SearchIndex

    index = SearchIndex(index_dir(search_project))  # cold: nothing read or cached yet
    queries = [
        "さやま",
        "1834",
        "学校沿革詩",
        "狭山丘陵の写真を見たい",
        "sayamma",
        "江戸時代",
        "日記",
    ]
    errors: list[BaseException] = []
    expected = {q: [h.id for h in search(search_project, q).hits] for q in queries}

    def run(q: str) -> None:
        try:
            assert [h.id for h in index.search(q).hits] == expected[q]
        except BaseException as exc:  # reported below, with the query
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(queries[i % len(queries)],)) for i in range(42)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    index.close()
    assert errors == []
