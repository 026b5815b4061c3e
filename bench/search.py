"""Search benchmark: Kura's Japanese index against a plain character-bigram Whoosh index.

    make bench-search        (or: .venv/bin/python bench/search.py [-n 100000] [--procs 2])

Generates N synthetic records (Japanese titles, descriptions, eras and types, seeded), adds
the relevance corpus of tests/test_search_corpus.py, and builds both indexes one after the
other in this process. Reports build time, index size, query latency p50/p95/p99 over a fixed
mix of queries with a warm searcher, and recall@10 / MRR side by side:

- on the relevance set: its queries over its own corpus (as tests/test_search_relevance.py
  runs them; this is the figure the issue's target is for);
- among the noise: the same queries over the N synthetic records too. The synthetic records
  use the same eras, kinds and words, so many of them are as relevant as the expected ones
  (1834 finds every 天保5年 record): this figure shows ranking under load, not misses.
Targets from issue 3 (2 cores): 100,000 records in ≤ 5 min, p95 ≤ 50 ms, p99 ≤ 150 ms,
recall@10 ≥ 0.98.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from whoosh import index as whoosh_index  # noqa: E402
from whoosh.analysis import NgramAnalyzer  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402
from whoosh.qparser import QueryParser  # noqa: E402

from archive.era import era_range  # noqa: E402
from archive.search.indexer import write_index  # noqa: E402
from archive.search.searcher import SearchIndex  # noqa: E402
from tests.test_search_corpus import ITEMS, record  # noqa: E402
from tests.test_search_relevance import CASES  # noqa: E402

PLACES = [
    "中藤",
    "横田",
    "三ツ木",
    "岸",
    "残堀",
    "伊奈平",
    "本町",
    "学園",
    "神明",
    "緑が丘",
    "大南",
    "榎",
]
FAMILIES = ["比留間", "乙幡", "内野", "宮鍋", "指田", "荒田", "鈴木", "小林", "大野", "森田"]
KINDS = ["古文書", "絵図", "写真", "民具", "考古資料", "絵画", "図書"]
THINGS = ["日記", "証文", "村明細帳", "年貢割付状", "絵馬", "石臼", "農具", "写真帳", "土器片", "地図",
          "御用留", "人別帳", "宗門帳", "棟札", "扁額", "掛軸", "織物見本", "茶摘み籠", "絵葉書"]  # fmt: skip
DATES = ["寛永15年", "元禄3年", "享保10年", "天明2年", "寛政5年", "文化元年", "文政8年", "天保5年",
         "弘化2年", "嘉永6年", "安政3年", "文久元年", "慶応2年", "明治5年", "明治20年代", "大正3年",
         "昭和30年代", "昭和45年", "江戸時代後期", "江戸時代", "縄文時代中期", "室町時代", "1970年", ""]  # fmt: skip
SENTENCES = ["村の出来事を書き留めたもの。", "名主の家に伝わる。", "養蚕と織物の様子がわかる。",
             "狭山丘陵の南麓の集落で使われた。", "市内の旧家から寄贈された。", "年中行事の記録が多い。",
             "用水と田畑の争いについて記す。", "保存状態は良好である。", "一部に虫損がある。"]  # fmt: skip

QUERY_MIX = ["村山", "日記", "むさし", "さやま", "sayama", "1834", "天保", "明治", "江戸時代",
             "中藤 日記", "学校", "澤井", "土器", "ひるま", "乙幡", "おっぱた", "証文 天保",
             "石臼", "織物", "写真", "昭和30年代", '"村明細帳"', "絵図 江戸時代", "むさし村山",
             "Musashimurayama", "diary", "寄贈", "養蚕", "たかはし", "髙橋家"]  # fmt: skip


def synthetic(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        family, thing, place = rng.choice(FAMILIES), rng.choice(THINGS), rng.choice(PLACES)
        date = rng.choice(DATES)
        title = f"{family}家{thing}" if rng.random() < 0.6 else f"{place}村{thing}"
        summary = "".join(rng.sample(SENTENCES, 3))
        row = (
            f"syn-{i:06d}",
            title,
            "",
            "",
            rng.choice(KINDS),
            "",
            date,
            place,
            summary,
            rng.randint(0, 3),
        )
        rows.append(record(row))
    return rows


def _size(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def _latency(run, queries: list[str]) -> tuple[float, float, float]:
    times = []
    for q in queries:
        t0 = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p * len(times)))]  # noqa: E731
    return statistics.median(times), pct(0.95), pct(0.99)


def _relevance(ids_for) -> tuple[float, float]:
    recalls, ranks = [], []
    for query, expected in CASES:
        ids = ids_for(query)
        recalls.append(len(expected & set(ids)) / len(expected))
        first = next((i for i, x in enumerate(ids) if x in expected), None)
        ranks.append(0.0 if first is None else 1 / (first + 1))
    return sum(recalls) / len(recalls), sum(ranks) / len(ranks)


def _baseline_ids(searcher, parser, q: str) -> list[str]:
    try:
        return [h["id"] for h in searcher.search(parser.parse(q), limit=10)]
    except Exception:  # the baseline is allowed to fail on syntax
        return []


def baseline_build(target: Path, records: list[dict]) -> None:
    schema = Schema(id=ID(stored=True, unique=True), text=TEXT(analyzer=NgramAnalyzer(2, 2)))
    ix = whoosh_index.create_in(str(target), schema)
    writer = ix.writer(limitmb=256)
    for r in records:
        f = r["fields"]
        text = " ".join(
            str(f.get(c, "")) for c in ("名称", "名称_カナ", "概要", "年代", "資料種別", "場所名称")
        )
        writer.add_document(id=r["id"], text=text)
    writer.commit()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100_000, help="synthetic records (default 100000)")
    ap.add_argument("--queries", type=int, default=240, help="timed queries (default 240)")
    ap.add_argument("--procs", type=int, default=2, help="writer processes for Kura's build")
    args = ap.parse_args()
    records = synthetic(args.n) + [record(row) for row in ITEMS]
    assert all(era_range(r["date"]["text"]) for r in records if r["date"])
    queries = (QUERY_MIX * (args.queries // len(QUERY_MIX) + 1))[: args.queries]
    work = Path(tempfile.mkdtemp(prefix="kura-bench-search-"))
    try:
        t0 = time.perf_counter()
        write_index(work / "kura", records, procs=args.procs)
        kura_build = time.perf_counter() - t0
        kura = SearchIndex(work / "kura")
        kura.search("村山")  # warm up
        kura_lat = _latency(lambda q: kura.search(q, per_page=10), queries)
        kura_rel = _relevance(lambda q: [h.id for h in kura.search(q, per_page=10).hits])

        kura_rel_noise = kura_rel
        write_index(work / "kura-rel", [record(row) for row in ITEMS])
        kura_small = SearchIndex(work / "kura-rel")
        kura_rel = _relevance(lambda q: [h.id for h in kura_small.search(q, per_page=10).hits])
        kura_small.close()

        (work / "base").mkdir()
        t0 = time.perf_counter()
        baseline_build(work / "base", records)
        base_build = time.perf_counter() - t0
        bix = whoosh_index.open_dir(str(work / "base"))
        searcher = bix.searcher()
        parser = QueryParser("text", searcher.schema)

        def base_ids(q: str) -> list[str]:
            return _baseline_ids(searcher, parser, q)

        base_lat = _latency(base_ids, queries)
        base_rel_noise = _relevance(base_ids)
        (work / "base-rel").mkdir()
        baseline_build(work / "base-rel", [record(row) for row in ITEMS])
        small = whoosh_index.open_dir(str(work / "base-rel")).searcher()
        base_rel = _relevance(lambda q: _baseline_ids(small, QueryParser("text", small.schema), q))
        small.close()
        print(f"records: {len(records):,} ({args.n:,} synthetic + {len(ITEMS)} relevance corpus)")
        print(
            f"queries: {len(queries)} timed ({len(set(queries))} distinct), {len(CASES)} relevance"
        )
        print(f"kura build: {args.procs} writer process(es); cores: {os.cpu_count()}")
        print(f"{'':22}{'kura':>14}{'bigram baseline':>18}")
        print(f"{'build (s)':22}{kura_build:14.1f}{base_build:18.1f}")
        print(f"{'index size (MiB)':22}{_size(work / 'kura'):14.1f}{_size(work / 'base'):18.1f}")
        for label, i in (("p50 (ms)", 0), ("p95 (ms)", 1), ("p99 (ms)", 2)):
            print(f"{label:22}{kura_lat[i]:14.1f}{base_lat[i]:18.1f}")
        print(f"{'recall@10 (set)':22}{kura_rel[0]:14.3f}{base_rel[0]:18.3f}")
        print(f"{'MRR (set)':22}{kura_rel[1]:14.3f}{base_rel[1]:18.3f}")
        print(f"{'recall@10 (in noise)':22}{kura_rel_noise[0]:14.3f}{base_rel_noise[0]:18.3f}")
        print(f"{'MRR (in noise)':22}{kura_rel_noise[1]:14.3f}{base_rel_noise[1]:18.3f}")
        print(
            f"build ratio kura/baseline: {kura_build / base_build:.2f}; p95 ratio: {kura_lat[1] / base_lat[1]:.2f}"
        )
        kura.close()
        searcher.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
