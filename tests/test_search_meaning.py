"""Search by meaning, measured on the held-out relevance set (tests/relevance/): 192 records
modelled on the designated-property lists of fifteen Tama-area municipalities and 309 queries
whose relevant records were judged by meaning before any engine ran.

Recall@10 is the share of a query's relevant records in its first ten hits (out of at most
ten); MRR the mean reciprocal rank of the first relevant hit (0 when none is in the first
ten). A ``zero`` query (nothing relevant exists) scores 1 for both when it has no hits.
Floors are asserted per kind, so one kind regressing fails even if the average holds.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from archive.project import init_project
from archive.search import rebuild, search
from tests.relevance import KINDS, QUERIES, RECORDS, Query

OVERALL_RECALL = 0.95
OVERALL_MRR = 0.90
KIND_FLOOR = 0.80


def score(query: Query, ids: list[str]) -> tuple[float, float]:
    """(recall@10, reciprocal rank) of one query's first ten hit ids."""
    top = ids[:10]
    if not query.relevant:
        return (1.0, 1.0) if not top else (0.0, 0.0)
    found = query.relevant & set(top)
    first = next((i for i, x in enumerate(top) if x in query.relevant), None)
    recall = len(found) / min(len(query.relevant), 10)
    return recall, 0.0 if first is None else 1.0 / (first + 1)


def evaluate(run) -> dict:
    """Per kind and overall recall@10 and MRR of ``run(text) -> ids``, with the misses."""
    per_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    misses = []
    for query in QUERIES:
        ids = run(query.text)
        recall, rr = score(query, ids)
        per_kind[query.kind].append((recall, rr))
        if recall < 1.0 or rr < 1.0:
            misses.append((query.kind, query.text, sorted(query.relevant), ids[:10]))
    table = {
        kind: {
            "queries": len(per_kind[kind]),
            "recall@10": sum(r for r, _ in per_kind[kind]) / len(per_kind[kind]),
            "mrr": sum(m for _, m in per_kind[kind]) / len(per_kind[kind]),
        }
        for kind in KINDS
    }
    everything = [x for kind in KINDS for x in per_kind[kind]]
    table["overall"] = {
        "queries": len(everything),
        "recall@10": sum(r for r, _ in everything) / len(everything),
        "mrr": sum(m for _, m in everything) / len(everything),
    }
    return {"kinds": table, "misses": misses}


@pytest.fixture(scope="module")
def meaning_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("meaning") / "archive"
    init_project(project, "検索の評価", "search evaluation")
    records = project / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    for record in RECORDS:
        (records / f"{record.id}.json").write_text(
            json.dumps(record.to_json(), ensure_ascii=False), encoding="utf-8"
        )
    rebuild(project)
    return project


def test_search_finds_what_people_mean(meaning_project: Path) -> None:
    report = evaluate(lambda text: [h.id for h in search(meaning_project, text, per_page=10).hits])
    table = report["kinds"]
    for kind, row in table.items():
        print(
            f"{kind:14} {row['queries']:4} recall@10 {row['recall@10']:.3f}  MRR {row['mrr']:.3f}"
        )
    for miss in report["misses"]:
        print("  miss:", miss)
    low = {k: r for k, r in table.items() if min(r["recall@10"], r["mrr"]) < KIND_FLOOR}
    assert not low, low
    assert table["overall"]["recall@10"] >= OVERALL_RECALL, table["overall"]
    assert table["overall"]["mrr"] >= OVERALL_MRR, table["overall"]
