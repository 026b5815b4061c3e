"""The search index as static files, for a site served with no server (``kura build``).

The browser's search (``viewer/static/search/engine.js``) runs the same query plan as
:mod:`archive.search.query` over files written here from the project's Whoosh index, so it
matches what Kura's analysis knows (bigrams of the folded text, readings, loose readings,
romaji, English stems and glosses, title words, named years, year ranges, facets) and ranks
with the server's scores: every posting carries the BM25F score
:meth:`archive.search.engine.IndexArrays.term_scores` gives it (idf, length normalisation and
field boosts included), so the browser only adds and intersects.

Files under ``search/`` (every ``.bin`` is gzip-compressed JSON, read with the browser's
``DecompressionStream``; plain JSON works too):

| file | holds | fetched |
| --- | --- | --- |
| ``meta.json`` | sizes, the tables the query side needs (variant kanji of the corpus, romaji folds, thesaurus, era and period spans, stop words, facet values) | once |
| ``t/{k}.bin`` | shard ``k`` of the terms: ``{field: {term: [doc, score, Δdoc, score, …]}}``; romaji by their first three letters (for prefixes) | the shards of the query's terms |
| ``f/{k}.bin`` | shard ``k`` of the typo tables: ``{field: {variant: [words]}}``, the vocabulary's words, romaji and English terms under each of their one-deletion variants | when nothing or little is found |
| ``years.bin`` | the ``years`` field (years the texts name) | by a date query |
| ``y/{j}.bin`` | documents ``2048·j…``: first year and span | by a date query (all), a year filter or a date sort (the chunks of the hits) |
| ``c/{j}.bin`` | documents ``2048·j…``: facet values | by facets and filters (the chunks of the hits) |
| ``d/{j}.bin`` | documents ``16·j…``: what a hit shows | by the page's hits |

Shards are sized so a query's few shards stay small as the archive grows: about
:data:`SHARD_BYTES` of JSON each before compression. Files are rewritten only when their
bytes change, and files of an earlier build that are no longer written are removed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh.analysis import STOP_WORDS

from archive.era import ERAS, PERIODS, THIS_YEAR, era_range
from archive.search import indexer
from archive.search.query import FILLER, MAX_CHARS, MAX_WORDS, SUFFIXES
from archive.search.readings import ROMAJI_FOLDS
from archive.search.schema import FACET_PERIODS, FACETS
from archive.search.searcher import SearchIndex
from archive.search.thesaurus import FILE_NAME as THESAURUS_FILE
from archive.search.thesaurus import load as load_thesaurus
from archive.search.variants import variant_table

__all__ = ["FORMAT", "StaticIndexStats", "shard_key", "shard_of", "write_static_index"]

FORMAT = 1
SCORE_SCALE = 1000  # scores kept to 1/1000: two hits' order differs from the server's only
# when their scores are nearer than a few thousandths
SHARD_BYTES = 24_000
FUZZY_SHARD_BYTES = 6_000
COLUMN_CHUNK = 2048
DISPLAY_CHUNK = 16
TEXT_FIELDS = (
    "title", "body", "reading", "reading_loose", "reading_body", "romaji", "romaji_body",
    "english", "gloss", "words",
)  # fmt: skip
PREFIX_FIELDS = ("romaji", "romaji_body")  # looked up by their first three letters
PREFIX_HEAD = 3
FUZZY_MIN = {"words": 4, "romaji": 6, "english": 4}  # the server's near_terms lengths
SUMMARY_CHARS = 160
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_PARTS = ("前期", "中期", "後期", "初期", "末期", "前半", "後半", "終末期")


@dataclass
class StaticIndexStats:
    documents: int
    shards: int
    files_written: int
    files_removed: int
    bytes_total: int

    def to_json(self) -> dict:
        return self.__dict__.copy()


def shard_key(field: str, term: str) -> str:
    """What decides a term's shard: the term itself, or for a romaji field its first three
    letters (a prefix query then reads one shard), ``~`` + the variant for a typo table."""
    if field in PREFIX_FIELDS:
        return "R:" + term[:PREFIX_HEAD]
    return term


def shard_of(key: str, shards: int) -> int:
    """FNV-1a (32 bits) of the key's UTF-8 bytes, modulo ``shards`` (engine.js: shardOf)."""
    h = 0x811C9DC5
    for b in key.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h % shards


def _pack(pairs: Iterable[tuple[int, float]]) -> list[int]:
    """[doc, score×1000, Δdoc, score×1000, …] of (dense doc, score) pairs, by doc."""
    out: list[int] = []
    last = 0
    for doc, score in sorted(pairs):
        out += [doc - last, max(1, round(score * SCORE_SCALE))]
        last = doc
    return out


def _shard_count(total: int, each: int) -> int:
    """The power of two that splits ``total`` bytes into shards of about ``each``."""
    return 1 << max(0, math.ceil(math.log2(max(1, total / each))))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _encode(data: object) -> bytes:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return gzip.compress(raw, compresslevel=9, mtime=0)


class _Files:
    """Writes files under one folder only when their bytes change; remembers what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.kept: set[Path] = set()
        self.written = 0
        self.total = 0

    def put(self, name: str, data: bytes) -> None:
        path = self.root / name
        self.kept.add(path)
        self.total += len(data)
        try:
            if path.read_bytes() == data:
                return
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        self.written += 1

    def sweep(self) -> int:
        """Remove the index files an earlier export wrote that this one did not (its own
        kinds of file only: the folder also holds the search page)."""
        removed = 0
        for path in sorted(self.root.glob("*.bin")) + sorted(self.root.glob("[tfcdy]/*.bin")):
            if path not in self.kept:
                path.unlink()
                removed += 1
        return removed


def _date_words() -> dict[str, list[int]]:
    """Period names (with 時代 and their parts: 江戸時代後期) → their year spans, as
    :func:`archive.era.era_range` reads them; eras and their years the browser reads from
    the era table itself."""
    out: dict[str, list[int]] = {}
    for name in PERIODS:
        forms = [name, f"{name}時代"]
        forms += [f"{name}{part}" for part in _PARTS] + [f"{name}時代{part}" for part in _PARTS]
        for form in forms:
            span = era_range(form)
            if span is not None:
                out[form] = [span.start, span.end]
    return out


def _romaji_folds() -> list[list[str]]:
    """The romaji folds as JavaScript regular expressions and replacements."""
    return [[p.pattern, re.sub(r"\\(\d)", r"$\1", r)] for p, r in ROMAJI_FOLDS]


def write_static_index(
    config: Any,
    out: Path,
    *,
    describe: Callable[[str], dict] | None = None,
    facet_english: Callable[[str, str], str] | None = None,
    index_path: Path | None = None,
    stamp: str = "",
) -> StaticIndexStats:
    """Write the project's search index as static files under ``out/search``.

    ``config``: the project's settings (its root holds the Whoosh index, built by ``kura
    index``/``kura ingest``; built here when missing). ``describe(id)``: what the pages add
    to a hit (its ``url``, its ``thumb`` ``{src, width, height}`` or None, ``date_en``, …),
    merged into what the index shows. ``facet_english(facet, value)``: the English of a
    facet value ("" when none). ``stamp``: anything else ``describe`` depends on (the
    site's address): when it, the index, the thesaurus and this code are as at the last
    export and its files are all there, nothing is read or written."""
    path = Path(index_path) if index_path else indexer.index_dir(config.root)
    if not (path / indexer.MARKER).is_file():
        indexer.rebuild(config.root)
    root = Path(out) / "search"
    source = _source(path, Path(config.root), stamp)
    done = _unchanged(root, source)
    if done is not None:
        return done
    index = SearchIndex(path)
    try:
        return _write(index, path, config, root, describe, facet_english, source)
    finally:
        index.close()


def _source(path: Path, project: Path, stamp: str) -> str:
    """What an export is made from: the index's files, the project's thesaurus, this code
    and the caller's stamp (sizes and mtimes, hashed)."""
    parts = [str(FORMAT), stamp, hashlib.sha256(Path(__file__).read_bytes()).hexdigest()]
    for file in [*sorted(path.iterdir()), project / THESAURUS_FILE]:
        try:
            st = file.stat()
        except OSError:
            continue
        parts.append(f"{file.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _unchanged(root: Path, source: str) -> StaticIndexStats | None:
    """The last export's figures when it was made from ``source`` and is whole."""
    try:
        meta = json.loads(gzip.decompress((root / "meta.bin").read_bytes()))
    except (OSError, ValueError, EOFError):
        return None
    if meta.get("source") != source:
        return None
    present = sorted(root.glob("*.bin")) + sorted(root.glob("[tfcdy]/*.bin"))
    if len(present) != meta.get("files"):
        return None
    return StaticIndexStats(
        meta["documents"], meta["shards"], 0, 0, sum(p.stat().st_size for p in present)
    )


class _Export:
    """One export: the index's live documents in ID order (their numbers in the files)."""

    def __init__(self, index: SearchIndex, path: Path, files: _Files) -> None:
        _, _, self.arrays = index._current()
        self.reader = self.arrays.reader
        self.path = path
        self.files = files
        live = [int(d) for d in self.reader.all_doc_ids()]
        self.stored = {d: self.reader.stored_fields(d) for d in live}
        self.order = sorted(live, key=lambda d: str(self.stored[d]["id"]))
        self.dense = {d: n for n, d in enumerate(self.order)}
        self.chars: set[str] = set()  # of the titles and texts: which variant folds to ship
        self.facet_values: dict[str, list[str]] = {name: [] for name in FACETS}

    def lexicon(self, field: str) -> Iterator[str]:
        for raw in self.reader.lexicon(field):
            yield raw.decode("utf-8") if isinstance(raw, bytes) else raw

    def scored(self, field: str, term: str) -> list[tuple[int, float]]:
        """(document number, score) of a term alone, live documents only."""
        ids, scores = self.arrays.term_scores(field, term)
        dense = self.dense
        return [
            (dense[i], float(s)) for i, s in zip(map(int, ids), scores, strict=True) if i in dense
        ]

    def postings(self) -> int:
        """``t/{k}.bin``; a one-kanji prefix (``村*``) is stored as the sum of its terms, as
        the server's prefix query scores it. Returns the number of shards."""
        entries: dict[str, dict[str, dict[str, list[int]]]] = defaultdict(lambda: defaultdict(dict))
        sizes: dict[str, int] = defaultdict(int)

        def add(field: str, term: str, pairs: list[tuple[int, float]]) -> None:
            if pairs:
                key = shard_key(field, term)
                packed = _pack(pairs)
                entries[key][field][term] = packed
                sizes[key] += len(term) * 3 + 4 * len(packed) + 8

        for field in TEXT_FIELDS:
            heads: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
            for term in self.lexicon(field):
                pairs = self.scored(field, term)
                add(field, term, pairs)
                if field in ("title", "body"):
                    self.chars.update(term)
                    if _KANJI.match(term[0]):  # a one-kanji query also starts a bigram
                        for doc, score in pairs:
                            heads[term[0]][doc] += score
            for head, docs in heads.items():
                add(field, head + "*", list(docs.items()))
        return self._shards("t", entries, sum(sizes.values()), SHARD_BYTES)

    def typos(self) -> int:
        """``f/{k}.bin``: the vocabulary's words and romaji and the English terms under each
        of their one-deletion variants (two words one edit apart share one). Returns the
        number of shards."""
        vocabulary = indexer.load_vocabulary(self.path)
        near = {
            "words": set(vocabulary),
            "romaji": {r for r in vocabulary.values() if r},
            "english": set(self.lexicon("english")),
        }
        fuzzy: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        size = 0
        for field, words in near.items():
            for word in sorted(words):
                if len(word) >= FUZZY_MIN[field] - 1:
                    for variant in {word, *_deletions(word)}:
                        fuzzy["~" + variant][field].append(word)
                        size += len(word) * 3 + len(variant) * 3 + 6
        return self._shards("f", fuzzy, size, FUZZY_SHARD_BYTES, strip=1)

    def _shards(self, folder: str, entries: dict, size: int, each: int, strip: int = 0) -> int:
        count = _shard_count(size, each)
        grouped: list[dict] = [defaultdict(dict) for _ in range(count)]
        for key, by_field in entries.items():
            target = grouped[shard_of(key, count)]
            for field, terms in by_field.items():
                if strip:
                    target[field][key[strip:]] = terms
                else:
                    target[field].update(terms)
        for k, shard in enumerate(grouped):
            self.files.put(f"{folder}/{k}.bin", _encode(shard))
        return count

    def named_years(self) -> None:
        """``years.bin``: the documents whose texts name each year (Δ-coded)."""
        named: dict[str, list[int]] = {}
        if "years" in self.reader.schema.names():
            for term in self.lexicon("years"):
                docs = sorted(doc for doc, _ in self.scored("years", term))
                if docs:
                    named[term] = [b - a for a, b in zip([0, *docs], docs, strict=False)]
        self.files.put("years.bin", _encode(named))

    def columns(self) -> None:
        """``y/{j}.bin``: each document's first year and span (None when undated);
        ``c/{j}.bin``: its facet values, as numbers into ``facet_values`` (-1 for none, a
        list for several). Apart, so a query reads only the kind and the chunks it needs."""
        known: dict[str, dict[str, int]] = {name: {} for name in FACETS}

        def numbers(name: str, raw: object) -> int | list[int]:
            if not raw:
                return -1
            values = [str(raw)] if name in ("type", "place", "images") else str(raw).split(",")
            out = []
            for v in filter(None, values):
                if v not in known[name]:
                    known[name][v] = len(self.facet_values[name])
                    self.facet_values[name].append(v)
                out.append(known[name][v])
            return out[0] if len(out) == 1 else (out or -1)

        for first in range(0, len(self.order), COLUMN_CHUNK):
            years: dict[str, list] = {"start": [], "span": []}
            facets: dict[str, list] = {name: [] for name in FACETS}
            for d in self.order[first : first + COLUMN_CHUNK]:
                s = self.stored[d]
                start, end = s.get("start"), s.get("end")
                dated = isinstance(start, int) and isinstance(end, int)
                years["start"].append(start if dated else None)
                years["span"].append(end - start if dated else None)
                for name in FACETS:
                    facets[name].append(numbers(name, s.get(name)))
            self.files.put(f"y/{first // COLUMN_CHUNK}.bin", _encode(years))
            self.files.put(f"c/{first // COLUMN_CHUNK}.bin", _encode(facets))

    def hits(self, describe: Callable[[str], dict] | None) -> None:
        """``d/{j}.bin``: what a hit shows, with what ``describe`` adds."""
        for first in range(0, len(self.order), DISPLAY_CHUNK):
            shown = []
            for d in self.order[first : first + DISPLAY_CHUNK]:
                item_id = str(self.stored[d]["id"])
                display = self.stored[d].get("display") or {}
                summary = str(display.get("summary") or "")
                if len(summary) > SUMMARY_CHARS:
                    summary = summary[:SUMMARY_CHARS] + "…"
                hit = {
                    "id": item_id,
                    "title": display.get("title", ""),
                    "title_en": display.get("title_en", ""),
                    "summary": summary,
                    "date": display.get("date", ""),
                    "type": display.get("type", ""),
                    "pages": int(display.get("pages", 0)),
                    "reading": display.get("reading", ""),
                }
                shown.append({**hit, **(describe(item_id) if describe else {})})
            self.files.put(f"d/{first // DISPLAY_CHUNK}.bin", _encode(shown))


def _write(
    index: SearchIndex,
    path: Path,
    config: Any,
    root: Path,
    describe: Callable[[str], dict] | None,
    facet_english: Callable[[str, str], str] | None,
    source: str,
) -> StaticIndexStats:
    files = _Files(root)
    export = _Export(index, path, files)
    shards = export.postings()
    fuzzy_shards = export.typos()
    export.named_years()
    export.columns()
    export.hits(describe)
    folds = variant_table()
    facet_en = {}
    if facet_english is not None:
        for name, values in export.facet_values.items():
            facet_en[name] = {v: e for v in values if (e := facet_english(name, v))}
    meta = {
        "format": FORMAT,
        "documents": len(export.order),
        "shards": shards,
        "fuzzy_shards": fuzzy_shards,
        "score_scale": SCORE_SCALE,
        "prefix_fields": list(PREFIX_FIELDS),
        "prefix_head": PREFIX_HEAD,
        "column_chunk": COLUMN_CHUNK,
        "display_chunk": DISPLAY_CHUNK,
        "max_chars": MAX_CHARS,
        "max_words": MAX_WORDS,
        # only the folds into characters the archive holds: another cannot match anyway
        "variants": {chr(a): b for a, b in folds.items() if b in export.chars and chr(a) != b},
        "romaji_folds": _romaji_folds(),
        "thesaurus": load_thesaurus(config.root).table(),
        "filler": sorted(FILLER),
        "suffixes": "".join(sorted(SUFFIXES)),
        "stop_words": sorted(STOP_WORDS),
        "dates": _date_words(),
        "eras": {e.name: [e.start, e.end] for e in ERAS},  # a repeated name: the last, as era.py
        "facet_periods": list(FACET_PERIODS),
        "facets": export.facet_values,
        "facet_en": facet_en,
        "this_year": THIS_YEAR,
        "source": source,
        "files": len(files.kept) + 1,  # with this one
    }
    files.put("meta.bin", _encode(meta))
    removed = files.sweep()
    return StaticIndexStats(len(export.order), shards, files.written, removed, files.total)
