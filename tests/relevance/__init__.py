"""Held-out search relevance set: records modelled on Tama-area cultural-property lists and
queries whose relevant records were judged by meaning.

HONESTY NOTE. The relevant IDs of every query in ``queries.tsv`` were judged by reading the
records in ``records.csv`` for what the person means (the ``intent`` column) and written down
BEFORE any search engine ran on this data. No search code (``archive.search``, ``kura search``,
any index) was run to make or to check these judgements; only the 年代 parser
(:func:`archive.era.era_range`) is used here, to fill each record's ``date``. Do not "fix" a
judgement because an engine disagrees with it; fix it only if it misreads what the person means.

``RECORDS`` are shaped as Kura's ingest writes ``records/{id}.json`` (without the image and
ingest bookkeeping). ``QUERIES`` are :class:`Query` tuples; ``KINDS`` lists the query kinds in
a fixed order. Loading validates the files and raises :class:`ValueError` naming the file and
line of the first problem. Records are built by ``tests/records.py`` (which reads 年代 with
``archive.era.era_range``).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

from archive.model import Record
from tests.records import record_of

__all__ = ["COLUMNS", "KINDS", "QUERIES", "RECORDS", "Query", "load_queries", "load_records"]

HERE = Path(__file__).resolve().parent
RECORDS_CSV = HERE / "records.csv"
QUERIES_TSV = HERE / "queries.tsv"

COLUMNS = [
    "ID",
    "名称",
    "名称_カナ",
    "名称_英語",
    "文化財分類",
    "種類",
    "資料種別",
    "年代",
    "概要",
    "説明",
    "場所名称",
    "住所",
    "所有者等",
    "キーワード",
    "員数（数）",
    "員数（単位）",
    "備考",
]

KINDS: tuple[str, ...] = (
    "romaji",
    "reading",
    "year",
    "sentence",
    "typo",
    "kana_spelling",
    "thesaurus",
    "english",
    "short",
    "zero",
    "plain",
)

MIN_RECORDS = 165
MIN_QUERIES = 240
MIN_PER_KIND = 18


class Query(NamedTuple):
    kind: str
    text: str
    relevant: frozenset[str]
    intent: str


def _record(row: dict[str, str], n: int) -> Record:
    """One sheet row as Kura's ingest writes records/{id}.json (metadata part); one scanned
    page for two records in three, none for the rest (deterministic)."""
    fields = {column: row[column] for column in COLUMNS if row[column]}
    return record_of(fields, pages=1 if n % 3 else 0, row=n)


def load_records(path: Path = RECORDS_CSV) -> list[Record]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != COLUMNS:
        raise ValueError(f"{path.name}:1: header must be exactly {','.join(COLUMNS)}")
    records, seen = [], set()
    for n, values in enumerate(rows[1:], start=1):
        line = n + 1
        if len(values) != len(COLUMNS):
            raise ValueError(f"{path.name}:{line}: {len(values)} cells, not {len(COLUMNS)}")
        row = dict(zip(COLUMNS, (v.strip() for v in values), strict=True))
        if not row["ID"] or not row["名称"]:
            raise ValueError(f"{path.name}:{line}: ID and 名称 are required")
        if row["ID"] in seen:
            raise ValueError(f"{path.name}:{line}: duplicate ID {row['ID']}")
        seen.add(row["ID"])
        records.append(_record(row, n))
    if len(records) < MIN_RECORDS:
        raise ValueError(f"{path.name}: {len(records)} records, fewer than {MIN_RECORDS}")
    return records


def load_queries(ids: set[str], path: Path = QUERIES_TSV) -> list[Query]:
    queries: list[Query] = []
    header_seen = False
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            text = text.rstrip("\n")
            if not text.strip() or text.startswith("#"):
                continue
            cells = text.split("\t")
            if not header_seen:
                if cells != ["kind", "query", "relevant", "intent"]:
                    raise ValueError(
                        f"{path.name}:{line}: header must be kind, query, relevant, intent"
                    )
                header_seen = True
                continue
            if len(cells) != 4:
                raise ValueError(f"{path.name}:{line}: {len(cells)} cells, not 4")
            kind, query, relevant, intent = (c.strip() for c in cells)
            if kind not in KINDS:
                raise ValueError(f"{path.name}:{line}: unknown kind {kind!r}")
            if not query or not intent:
                raise ValueError(f"{path.name}:{line}: empty query or intent")
            wanted = frozenset() if relevant == "-" else frozenset(relevant.split())
            if not wanted and relevant != "-":
                raise ValueError(f"{path.name}:{line}: relevant is empty (write - for none)")
            if kind == "zero" and wanted:
                raise ValueError(f"{path.name}:{line}: a zero query lists relevant records")
            unknown = sorted(wanted - ids)
            if unknown:
                raise ValueError(f"{path.name}:{line}: unknown record IDs {' '.join(unknown)}")
            queries.append(Query(kind, query, wanted, intent))
    if not header_seen:
        raise ValueError(f"{path.name}: no header")
    if len(queries) < MIN_QUERIES:
        raise ValueError(f"{path.name}: {len(queries)} queries, fewer than {MIN_QUERIES}")
    for kind in KINDS:
        count = sum(q.kind == kind for q in queries)
        if count < MIN_PER_KIND:
            raise ValueError(
                f"{path.name}: kind {kind} has {count} queries, fewer than {MIN_PER_KIND}"
            )
    return queries


RECORDS: list[Record] = load_records()
QUERIES: list[Query] = load_queries({r.id for r in RECORDS})
