"""Static search benchmark: the browser's search (``kura build``) beside the server's.

    make bench-static-search                                  (1,000 and 100,000: ~10 min)
    .venv/bin/python bench/static_search.py --sizes 1000      (quicker)

For each size N the records are those of ``bench/search.py`` (the relevance set's records
plus seeded synthetic ones up to N); the server's Whoosh index is built with
``archive.search.indexer.write_index`` and exported with
``archive.search.static_index.write_static_index``. The queries (``bench/search.py``'s
seeded mixed set, ``--per-kind`` of each kind, plus the relevance set's queries) are run by
``viewer/static/search/engine.js`` in Node (``bench/static_search_node.mjs``), reading the
files from disk as a browser would fetch them: each query once in a fresh index object (the
bytes a visitor's first search transfers: every file it fetched, as stored, compressed) and
once more in a warm one (its time).

Reported: the index's size, shards and export time; the bytes a first search transfers
(median, p95, max; the issue's targets: at 1,000 records ≤ 300 KB, at 100,000 records ≤ 1 MB
per query); the warm query time in Node (p50/p95). Relevance (recall@10 of the relevance set
indexed alone, per kind, server vs static, and their ratio; target ≥ 0.9×) is run once, at
the start. The same relevance run in Chromium is ``tests/test_static_search.py``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import search as search_bench  # noqa: E402  (bench/search.py)

from archive.model import Record  # noqa: E402
from archive.search.indexer import learn_readings, write_index, writer_procs  # noqa: E402
from archive.search.searcher import SearchIndex  # noqa: E402
from archive.search.static_index import write_static_index  # noqa: E402

NODE_RUNNER = HERE / "static_search_node.mjs"
TARGET_FIRST_1K = 300 * 1024
TARGET_QUERY_100K = 1024 * 1024


class _Project:
    def __init__(self, root: Path) -> None:
        self.root = root


def run_static(search_dir: Path, queries: list[dict]) -> list[dict]:
    """Each query through engine.js in Node: total, first ids, first-search bytes, warm ms."""
    done = subprocess.run(
        ["node", str(NODE_RUNNER), str(search_dir)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"node failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def build(work: Path, records: list[Record], procs: int | None = None) -> tuple[Path, dict]:
    index = work / "index"
    t0 = time.perf_counter()
    write_index(
        index,
        records,
        procs=writer_procs(len(records)) if procs is None else procs,
        learned=learn_readings(records),
    )
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    stats = write_static_index(_Project(work), work / "site", index_path=index)
    exported = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = write_static_index(_Project(work), work / "site", index_path=index)
    unchanged = time.perf_counter() - t0
    return index, {
        "records": len(records),
        "index_build_s": round(built, 1),
        "export_s": round(exported, 1),
        "export_again_s": round(unchanged, 1),
        "export_again_written": again.files_written,
        **stats.to_json(),
    }


def relevance(work: Path) -> dict:
    """Recall@10 of the relevance set, per kind, server vs static (zero: 1 for no hits)."""
    from tests.relevance import KINDS, QUERIES, RECORDS

    index, _ = build(work, list(RECORDS), procs=1)
    server = SearchIndex(index)
    static = run_static(work / "site" / "search", [{"q": q.text, "perPage": 10} for q in QUERIES])
    per: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for q, js in zip(QUERIES, static, strict=True):
        hits = [h.id for h in server.search(q.text, per_page=10, curation=False).hits]
        if q.relevant:
            wanted = min(len(q.relevant), 10)
            pair = (len(set(hits) & q.relevant) / wanted, len(set(js["ids"]) & q.relevant) / wanted)
        else:
            pair = (float(not hits), float(js["total"] == 0))
        per[q.kind].append(pair)
    server.close()
    kinds = {
        k: {
            "server": round(statistics.fmean(p[0] for p in per[k]), 3),
            "static": round(statistics.fmean(p[1] for p in per[k]), 3),
        }
        for k in KINDS
    }
    every = [p for k in KINDS for p in per[k]]
    s, j = statistics.fmean(p[0] for p in every), statistics.fmean(p[1] for p in every)
    return {"kinds": kinds, "server": round(s, 3), "static": round(j, 3), "ratio": round(j / s, 3)}


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def size_run(work: Path, n: int, per_kind: int, seed: int) -> dict:
    from tests.relevance import QUERIES, RECORDS

    records = list(RECORDS) + search_bench.synthetic(max(0, n - len(RECORDS)), seed)
    _, figures = build(work, records[:n])
    texts = [t for _, t in search_bench.query_set(per_kind, seed)] + [q.text for q in QUERIES]
    results = run_static(work / "site" / "search", [{"q": t} for t in texts])
    first = [r["bytes"] for r in results]
    warm = [r["ms"] for r in results]
    figures.update(
        queries=len(texts),
        first_bytes_p50=int(statistics.median(first)),
        first_bytes_p95=int(pct(first, 95)),
        first_bytes_max=max(first),
        warm_ms_p50=round(statistics.median(warm), 1),
        warm_ms_p95=round(pct(warm, 95), 1),
        disk_bytes=sum(p.stat().st_size for p in (work / "site").rglob("*") if p.is_file()),
    )
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--sizes", default="1000,100000")
    ap.add_argument("--per-kind", type=int, default=10, help="seeded queries per kind (10)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="kura-static-", dir=args.workdir))
    out: dict = {}
    try:
        out["relevance"] = rel = relevance(base / "relevance")
        print(
            f"relevance (recall@10): server {rel['server']}, static {rel['static']}, ratio {rel['ratio']}"
        )
        for kind, fig in rel["kinds"].items():
            print(f"  {kind:14s} server {fig['server']:.3f}  static {fig['static']:.3f}")
        for n in (int(x) for x in args.sizes.split(",")):
            fig = size_run(base / f"n{n}", n, args.per_kind, args.seed)
            out[str(n)] = fig
            target = TARGET_FIRST_1K if n <= 1000 else TARGET_QUERY_100K
            print(
                f"{n:>7} records: {fig['shards']} shards, {fig['disk_bytes'] / 1e6:.1f} MB, "
                f"export {fig['export_s']} s (again {fig['export_again_s']} s, "
                f"{fig['export_again_written']} files rewritten); first search bytes "
                f"p50 {fig['first_bytes_p50'] / 1024:.0f} KB, p95 {fig['first_bytes_p95'] / 1024:.0f} KB, "
                f"max {fig['first_bytes_max'] / 1024:.0f} KB (target ≤ {target // 1024} KB); "
                f"warm query p50 {fig['warm_ms_p50']} ms, p95 {fig['warm_ms_p95']} ms (Node)"
            )
            shutil.rmtree(base / f"n{n}", ignore_errors=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
