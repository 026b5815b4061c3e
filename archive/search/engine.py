"""Evaluating a query over the whole index with numpy, for totals, facets and ranking.

Whoosh's matchers walk every matching document in Python, twice (once to count and collect
facets, once to score): a word found in a third of 100,000 records cost hundreds of
milliseconds, and a year or era (two open-ended numeric ranges) touched most of the index.
Here each node of the query (built by :mod:`archive.search.query`, still a Whoosh query)
becomes a dense array over the index's documents:

- a term: its posting list (ids and weights) read block by block once and cached, scored
  with Whoosh's BM25F (same idf, same length normalisation, field boosts in the weights),
  so the ranking is the one Whoosh gives;
- a year range (``start``/``end`` numeric ranges): one comparison on per-document arrays
  read from the index's columns when the searcher opens;
- a date asked for (:class:`archive.search.dates.DateQuery`): the same overlap, scored by
  how well each record's range fits it, and the records whose text names a year in it;
- And / Or: the masks combined and the scores summed, as Whoosh does; an Or with
  ``minmatch`` keeps the documents that match at least that many of its parts;
- a prefix: the union of its terms, their scores summed;
- a phrase (only quoted phrases are phrases): the terms' intersection, then the positions
  of those candidates only;
- anything else: Whoosh's ``docs_for_query``, constant score.

Only the page's hits are then read from the stored fields. Nodes marked with a ``why``
(:func:`archive.search.query.labelled`) leave their masks in a ``trace`` when one is asked
for, so a hit can say what matched it.

:meth:`IndexArrays.near_terms` finds the indexed terms one edit from a word (rapidfuzz over
the field's terms of that length, kept per field), for typos.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from math import log

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from whoosh import query as Q

from archive.search.dates import DateQuery

__all__ = ["IndexArrays"]

_B, _K1 = 0.75, 1.2  # whoosh.scoring.BM25F defaults
_CACHE_POSTINGS = 4_000_000  # ≈ 64 MB of cached ids and weights
_MAX_PREFIX_TERMS = 512
_UNDATED = 2**31 - 1
DATE_WEIGHT = 6.0
"""A record dated exactly the year asked scores this much; a range containing it a fraction
of it by :func:`archive.search.dates.fit` (never below a quarter of it)."""
_NAMED_YEAR_SHARE = 0.8  # a year the text names counts a little below the record's 年代
_NEAR_TERMS = 24


def _byte_to_length_table() -> np.ndarray:
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class IndexArrays:
    """Per-document arrays of one open searcher, and a cache of posting lists."""

    def __init__(self, searcher, vocabulary: dict[str, str] | None = None) -> None:
        self.searcher = searcher
        self._vocabulary = vocabulary or {}
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.size = self.reader.doc_count_all()
        self.live = np.zeros(self.size, dtype=bool)
        self.live[np.fromiter(self.reader.all_doc_ids(), dtype=np.int64)] = True
        sort_date = self._column("sort_date", _UNDATED)
        self.dated = sort_date != _UNDATED
        self.start = self._column("start", 0)
        self.end = self._column("end", 0)
        self.sort_date = sort_date
        ids = np.array(list(self.reader.column_reader("id")), dtype=object)
        self.id_rank = np.empty(self.size, dtype=np.int64)
        self.id_rank[np.argsort(ids.astype(str), kind="stable")] = np.arange(self.size)
        self._lengths: dict[str, np.ndarray] = {}
        self._terms: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._cached = 0  # postings held in self._terms
        self._lock = threading.Lock()
        # Whoosh's readers share file positions: two threads reading postings, lengths,
        # positions or a lexicon at once read each other's bytes. One read at a time.
        self.read_lock = threading.RLock()
        self._vocab_index: tuple | None = None
        self._heads: dict[tuple[str, int], tuple[list[str], frozenset[str]]] = {}

    # -- per-document arrays ----------------------------------------------------------

    def _column(self, name: str, default: int) -> np.ndarray:
        if not self.reader.has_column(name):
            return np.full(self.size, default, dtype=np.int64)
        values = self.reader.column_reader(name)
        return np.fromiter((default if v is None else v for v in values), np.int64, self.size)

    def lengths(self, field: str) -> np.ndarray:
        """Each document's length of ``field`` (as Whoosh stores it, one byte)."""
        found = self._lengths.get(field)
        if found is None:
            with self.read_lock:
                found = self._read_lengths(field)
            self._lengths[field] = found
        return found

    def _read_lengths(self, field: str) -> np.ndarray:
        found = np.zeros(self.size, dtype=np.float64)
        table = _byte_to_length_table()
        for seg, offset in self.reader.leaf_readers():
            try:
                from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

                col = seg._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
                raw = np.fromiter(col or (), np.int64, seg.doc_count_all() if col else 0)
                found[offset : offset + len(raw)] = table[raw]
            except (AttributeError, ImportError):  # another codec: the slow, public way
                for i in range(seg.doc_count_all()):
                    found[offset + i] = seg.doc_field_length(i, field, 0) or 0
        return found

    # -- posting lists ----------------------------------------------------------------

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, weights) of one term, deleted documents included; cached."""
        key = (field, text)
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
                return found
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        with self.read_lock:
            for seg, offset in self.reader.leaf_readers():
                if (field, text) not in seg:
                    continue
                m = seg.postings(field, text)
                m = getattr(m, "child", m)  # deletions are the live mask's job
                block_ids, block_weights = _read_all(m)
                ids.append(block_ids + offset)
                weights.append(block_weights)
        found = (
            np.concatenate(ids) if ids else np.zeros(0, np.int64),
            np.concatenate(weights) if weights else np.zeros(0, np.float64),
        )
        with self._lock:
            if key not in self._terms:
                self._terms[key] = found
                self._cached += len(found[0])
            while self._cached > _CACHE_POSTINGS and len(self._terms) > 1:
                _, (old, _) = self._terms.popitem(last=False)
                self._cached -= len(old)
        return found

    # -- evaluation -------------------------------------------------------------------
    # Each node gives (ids, scores): the documents it matches, ascending and unique, and
    # their scores. Only the documents a node matches are touched (a dense array over the
    # whole index per node cost most of a query's time at 100,000 records).

    def evaluate(
        self,
        q: Q.Query,
        trace: list[tuple[str, np.ndarray]] | None = None,
        memo: dict | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(mask, scores) over every document for ``q``; deleted documents never match.
        With ``trace``, each node marked with a ``why`` adds (why, the ids it matched).
        ``memo`` (one dict for the queries of one search) keeps each node's result, so a
        node shared by two queries (the relaxed tries share their parts) is evaluated once."""
        ids, scores = self._eval(q, trace, memo)
        keep = self.live[ids]
        mask = np.zeros(self.size, dtype=bool)
        mask[ids[keep]] = True
        dense = np.zeros(self.size)
        dense[ids[keep]] = scores[keep]
        return mask, dense

    def _eval(self, q: Q.Query, trace: list | None = None, memo: dict | None = None) -> Hits:
        if memo is not None and id(q) in memo:
            hits, entries = memo[id(q)]
            if trace is not None:
                trace.extend(entries)
            return hits
        local: list | None = [] if (trace is not None or memo is not None) else None
        ids, scores = self._node(q, local, memo)
        why = getattr(q, "why", None)
        if local is not None and why is not None:
            local.append((why, ids[self.live[ids]]))
        if memo is not None:
            memo[id(q)] = ((ids, scores), local)
        if trace is not None and local:
            trace.extend(local)
        return ids, scores

    def _node(self, q: Q.Query, trace: list | None, memo: dict | None = None) -> Hits:
        if isinstance(q, DateQuery):
            return self._date(q)
        if isinstance(q, Q.Term):
            return self._term(q.fieldname, q.text, q.boost)
        if isinstance(q, Q.NumericRange) and q.fieldname in ("start", "end", "sort_date"):
            return self._range(q)
        if isinstance(q, Q.And):
            parts = [self._eval(sub, trace, memo) for sub in q.subqueries]  # all: the trace
            if not parts:
                return self._all()
            parts.sort(key=lambda p: len(p[0]))
            ids, scores = parts[0]
            for other in parts[1:]:
                if not len(ids):
                    break
                ids, scores = _intersect((ids, scores), other)
            return ids, scores * q.boost
        if isinstance(q, Q.Or):
            parts = [self._eval(sub, trace, memo) for sub in q.subqueries]
            ids, scores = _union(parts, q.minmatch, self.size)
            return ids, scores * q.boost
        if isinstance(q, Q.Prefix):
            return self._prefix(q)
        if isinstance(q, Q.Phrase):
            return self._phrase(q)
        if isinstance(q, Q.Every):
            return self._all()
        if q is Q.NullQuery or isinstance(q, type(Q.NullQuery)):
            return _NONE
        with self.read_lock:
            ids = np.unique(np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64))
        return ids, np.full(len(ids), float(getattr(q, "boost", 1.0)))  # Whoosh, constant

    def _all(self) -> Hits:
        return np.arange(self.size, dtype=np.int64), np.zeros(self.size)

    def term_scores(self, field: str, text: str) -> Hits:
        """The documents holding ``text`` in ``field`` (deleted ones included) and each one's
        score as a query of that term alone gives it (what the static index stores)."""
        return self._term(field, text, 1.0)

    def _term(self, field: str, text, boost: float) -> Hits:
        if field not in self.schema:
            return _NONE
        text = _text(self.schema[field].to_bytes(text)) if not isinstance(text, str) else text
        ids, weights = self.postings(field, text)
        if not len(ids):
            return _NONE
        if self.schema[field].scorable:
            idf = log(self.size / (len(ids) + 1)) + 1
            avg = self.reader.field_length(field) / (self.size or 1) or 1.0
            fl = self.lengths(field)[ids]
            scores = idf * (weights * (_K1 + 1)) / (weights + _K1 * ((1 - _B) + _B * fl / avg))
        else:
            scores = np.ones(len(ids))
        return ids, scores * boost

    def _prefix(self, q: Q.Prefix) -> Hits:
        """Scored as Whoosh scores it: the sum of its terms' scores (the boost applies from
        two terms on)."""
        terms = []
        with self.read_lock:
            for term in self.reader.expand_prefix(q.fieldname, q.text):
                terms.append(_text(term))
                if len(terms) >= _MAX_PREFIX_TERMS:
                    break
        if len(terms) == 1:
            return self._term(q.fieldname, terms[0], 1.0)
        ids, scores = _union([self._term(q.fieldname, t, 1.0) for t in terms], size=self.size)
        return ids, scores * q.boost

    def _date(self, q: DateQuery) -> Hits:
        """Overlapping records scored by their fit, and those whose text names a year in the
        span (scored a little lower); the better of the two counts."""
        span = q.span
        overlap = np.minimum(self.end, span.end) - np.maximum(self.start, span.start) + 1
        union = np.maximum(self.end, span.end) - np.minimum(self.start, span.start) + 1
        fit = np.where(self.dated & (overlap > 0), overlap / np.maximum(union, 1), 0.0)
        width = span.end - span.start + 1
        for year in q.named_years:
            ids, _ = self.postings("years", str(year))
            if len(ids):
                fit[ids] = np.maximum(fit[ids], _NAMED_YEAR_SHARE / width)
        ids = np.flatnonzero(fit > 0)
        return ids, DATE_WEIGHT * (0.25 + 0.75 * fit[ids]) * q.boost

    def near_terms(
        self, field: str, text: str, limit: int = _NEAR_TERMS, *, whole: bool = True
    ) -> list[str]:
        """Indexed words one edit away from ``text``: what a typo of one letter was meant to
        be. ``words``: the titles' words and readings; ``romaji``: the romaji of those
        readings (both from the index's vocabulary file); another field: its terms (cut to
        the length of ``text`` unless ``whole``). Nearest first."""
        found: list[tuple[float, bool, str]] = []
        for length in (len(text) - 1, len(text), len(text) + 1):
            if length < 1:
                continue
            heads, complete = self._candidates(field, length)
            for head, dist, _ in process.extract(
                text, heads, scorer=Levenshtein.distance, score_cutoff=1, limit=limit
            ):
                partial = complete is not None and head not in complete
                if head != text and not (whole and partial):
                    found.append((dist, partial, head))
        found.sort()
        return list(dict.fromkeys(h for _, _, h in found))[:limit]

    def spoken_word(self, folded_romaji: str) -> str | None:
        """A kana word of the titles whose romaji is ``folded_romaji``: what to offer someone
        who typed romaji (さしだにっき, not sasidanikki)."""
        return self._by_length()[1].get(folded_romaji)

    def _by_length(self) -> tuple[dict[tuple[str, int], list[str]], dict[str, str]]:
        """The vocabulary's words and romaji by (field, length), and romaji → kana word;
        built once from the vocabulary file."""
        with self._lock:
            found = self._vocab_index
        if found is None:
            groups: dict[tuple[str, int], list[str]] = {}
            spoken: dict[str, str] = {}
            for word, roman in self._vocabulary.items():
                groups.setdefault(("words", len(word)), []).append(word)
                if roman:
                    spoken.setdefault(roman, word)
            for roman in spoken:
                groups.setdefault(("romaji", len(roman)), []).append(roman)
            found = (groups, spoken)
            with self._lock:
                self._vocab_index = found
        return found

    def _candidates(self, field: str, length: int) -> tuple[list[str], frozenset[str] | None]:
        """Words of ``length`` to compare with, and which of them are whole terms (None: all
        are, the vocabulary's words)."""
        if field in ("words", "romaji") and self._vocabulary:
            return self._by_length()[0].get((field, length), []), None
        if field not in self.schema:
            return [], frozenset()
        return self._heads_of(field, length)

    def _heads_of(self, field: str, length: int) -> tuple[list[str], frozenset[str]]:
        """The field's distinct terms cut to ``length`` characters, and those that are whole
        terms (built once per field and length; for small fields such as ``english``)."""
        key = (field, length)
        with self._lock:
            found = self._heads.get(key)
        if found is None:
            heads: set[str] = set()
            complete: set[str] = set()
            with self.read_lock:
                lexicon = [_text(t) for t in self.reader.lexicon(field)]
            for text in lexicon:
                if len(text) >= length > 0:
                    heads.add(text[:length])
                    if len(text) == length:
                        complete.add(text)
            found = (sorted(heads), frozenset(complete))
            with self._lock:
                self._heads[key] = found
        return found

    def _range(self, q: Q.NumericRange) -> Hits:
        values = getattr(self, q.fieldname)
        mask = self.dated.copy()
        if q.start is not None:
            mask &= values >= q.start if not q.startexcl else values > q.start
        if q.end is not None:
            mask &= values <= q.end if not q.endexcl else values < q.end
        ids = np.flatnonzero(mask)
        return ids, np.full(len(ids), float(q.boost))

    def _phrase(self, q: Q.Phrase) -> Hits:
        parts = [self._term(q.fieldname, word, q.boost) for word in dict.fromkeys(q.words)]
        ids, scores = parts[0] if parts else _NONE
        for other in parts[1:]:
            ids, scores = _intersect((ids, scores), other)
        live = ids[self.live[ids]]
        if len(live) and len(q.words) > 1:
            keep = np.isin(ids, self._in_order(q, live), assume_unique=True)
            ids, scores = ids[keep], scores[keep]
        return ids, scores

    def _in_order(self, q: Q.Phrase, candidates: np.ndarray) -> np.ndarray:
        """The candidates where the phrase's words stand next to each other, in order."""
        fmt = self.schema[q.fieldname].format
        starts: dict[int, set[int]] | None = None
        for k, word in enumerate(q.words):
            with self.read_lock:
                values = self._values(q.fieldname, word, candidates)
                if values is None:  # not Whoosh's own codec: let Whoosh check the phrase
                    return np.fromiter(self.searcher.docs_for_query(q), dtype=np.int64)
            found = {d: {p - k for p in fmt.decode_positions(v)} for d, v in values.items()}
            if starts is None:
                starts = found
            else:
                starts = {d: s & found[d] for d, s in starts.items() if d in found}
                starts = {d: s for d, s in starts.items() if s}
        return np.array(sorted(starts or ()), dtype=np.int64)

    def _values(self, field: str, text: str, docs: np.ndarray) -> dict[int, bytes] | None:
        """The encoded posting values (positions) of one term in ``docs`` only."""
        out: dict[int, bytes] = {}
        for seg, offset in self.reader.leaf_readers():
            if (field, text) not in seg:
                continue
            m = seg.postings(field, text)
            m = getattr(m, "child", m)
            if not hasattr(m, "_read_values"):
                return None
            while m.is_active():
                m._read_ids()
                ids = np.asarray(m._ids, dtype=np.int64) + offset
                where = np.flatnonzero(np.isin(ids, docs, assume_unique=True))
                if len(where):
                    m._read_values()
                    for i in where:
                        out[int(ids[i])] = m._values[i]
                m._next_block()
        return out


Hits = tuple[np.ndarray, np.ndarray]
"""(ids, scores): ascending unique document numbers and their scores."""
_NONE: Hits = (np.zeros(0, dtype=np.int64), np.zeros(0))


def _intersect(a: Hits, b: Hits) -> Hits:
    common, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return common, a[1][ia] + b[1][ib]


def _union(parts: list[Hits], minmatch: int = 0, size: int = 0) -> Hits:
    """The documents of any part (of at least ``minmatch`` parts), scores summed. Large
    unions are summed over the whole index (``size`` documents) instead of sorted."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _NONE
    if len(parts) == 1 and minmatch <= 1:
        return parts[0]
    ids = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    if size and len(ids) > size // 16:
        counts = np.bincount(ids, minlength=size)
        found = np.flatnonzero(counts >= max(minmatch, 1))
        return found, np.bincount(ids, weights=scores, minlength=size)[found]
    found, where = np.unique(ids, return_inverse=True)
    total = np.bincount(where, weights=scores, minlength=len(found))
    if minmatch > 1:
        keep = np.bincount(where, minlength=len(found)) >= minmatch
        return found[keep], total[keep]
    return found, total


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _read_all(m) -> tuple[np.ndarray, np.ndarray]:
    """All (ids, weights) of a leaf matcher: a block at a time from Whoosh's own codec
    (W3LeafMatcher), or posting by posting from any other matcher."""
    ids: list = []
    weights: list = []
    if hasattr(m, "_read_ids") and hasattr(m, "_read_weights"):
        while m.is_active():
            m._read_ids()
            m._read_weights()
            ids.append(np.asarray(m._ids, dtype=np.int64))
            w = m._weights
            weights.append(
                np.full(len(m._ids), 1.0) if w is None else np.asarray(w, dtype=np.float64)
            )
            m._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights)
        return np.zeros(0, np.int64), np.zeros(0, np.float64)
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
