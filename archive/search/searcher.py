"""Searching the index: hits, facets with counts, filters, sort, paging, highlights and
"did you mean". This is the API the CLI and the viewer call.

``SearchIndex`` keeps one warm Whoosh searcher (refreshed when the index changes) and the
facet tables built from it; ``search()`` keeps one ``SearchIndex`` per folder.

A query that finds nothing is tried again more loosely (:func:`archive.search.query.relaxed`:
its content words, readings and near spellings; then :func:`~archive.search.query.most_words`);
such a result says so (``relaxed``). Each hit says in a few words why it matched (``why``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import query as Q

from archive.errors import KuraError
from archive.i18n import pick
from archive.model import YearRange
from archive.search import query as kq
from archive.search.analysis import normalize
from archive.search.curation import CurationHit, search_curation
from archive.search.engine import IndexArrays
from archive.search.highlight import mark
from archive.search.indexer import MARKER, index_dir, load_vocabulary, open_index
from archive.search.schema import FACET_PERIODS, FACETS
from archive.search.suggest import suggest
from archive.search.thesaurus import Thesaurus
from archive.search.thesaurus import load as load_thesaurus
from archive.search.why import explain

SORTS = ("relevance", "date", "-date", "id")
MAX_PER_PAGE = 100
_UNDATED = 2**31 - 1  # sort_date of an undated item (archive.search.schema)
_FEW = 3  # a query with fewer hits than this also shows the closest (typos, sentences)
_FILTER_ALIASES = {
    **{label: name for name, label in FACETS.items()},
    "year": "year",
    "年": "year",
    "年代": "year",
}
_YES = {"yes", "true", "1", "あり", "有", "はい"}
_NO = {"no", "false", "0", "なし", "無", "いいえ"}

__all__ = ["SORTS", "FilterError", "Hit", "SearchIndex", "SearchResult", "search"]


class FilterError(KuraError):
    """A filter names an unknown field or has an unreadable value."""


@dataclass
class Hit:
    id: str
    title: str
    score: float
    highlights: dict[str, str]
    title_en: str = ""
    date: str = ""
    start: int | None = None
    end: int | None = None
    type: str = ""
    pages: int = 0
    why: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    page: int = 1
    per_page: int = 20
    query: str = ""
    suggestion: str | None = None
    lessons: list[CurationHit] = field(default_factory=list)
    collections: list[CurationHit] = field(default_factory=list)
    relaxed: bool = False  # no record had every word: these have its content words, or most

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict:
        """``{"total": N, "hits": [...], "facets": {...}}`` (the CLI's and the API's shape),
        with the lessons and collections that matched beside them (never in the total, the
        hits or the facets, which are about items) and the "did you mean" ``suggestion``."""
        return {
            "total": self.total,
            "hits": [h.to_json() for h in self.hits],
            "facets": self.facets,
            "lessons": [h.to_json() for h in self.lessons],
            "collections": [h.to_json() for h in self.collections],
            "suggestion": self.suggestion or None,  # "did you mean", for a query with no hits
            "relaxed": self.relaxed,
        }


def parse_filters(filters: Mapping[str, object] | None) -> dict[str, list[str]]:
    """Filters by facet field (``type``, or its column name 資料種別) → wanted values."""
    out: dict[str, list[str]] = {}
    for key, value in (filters or {}).items():
        name = _FILTER_ALIASES.get(str(key).strip(), str(key).strip())
        if name not in FACETS and name != "year":
            known = ", ".join([*FACETS, "year"])
            raise FilterError(
                pick(
                    f"絞り込みの項目「{key}」はありません (使えるもの: {known})",
                    f"unknown filter {key!r} (known: {known})",
                )
            )
        values = value if isinstance(value, list | tuple | set) else [value]
        out.setdefault(name, []).extend(str(v).strip() for v in values if str(v).strip())
    return out


def _year_filter(value: str) -> Q.Query:
    text = normalize(value).replace("〜", "-").replace("~", "-").replace("～", "-")
    lo, _, hi = text.partition("-") if "-" in text.lstrip("-") else (text, "", text)
    try:
        start = int(lo) if lo.strip() else -100000
        end = int(hi) if hi.strip() else 100000
    except ValueError:
        span = kq.era_range(value)
        if span is None:
            raise FilterError(
                pick(
                    f"年の絞り込み「{value}」が読めません (例: 1800-1900, 1834, 江戸時代)",
                    f"cannot read the year filter {value!r} (e.g. 1800-1900, 1834, 江戸時代)",
                )
            ) from None
        return kq.overlap_query(span)
    return kq.overlap_query(YearRange(min(start, end), max(start, end)))


def filter_query(filters: dict[str, list[str]]) -> Q.Query | None:
    parts: list[Q.Query] = []
    for name, values in filters.items():
        options: list[Q.Query] = []
        for value in values:
            if name == "year":
                options.append(_year_filter(value))
            elif name == "images":
                v = value.lower()
                options.append(Q.Term("images", "yes" if v in _YES else "no" if v in _NO else v))
            elif name == "period":
                options.append(Q.Term("period", value.removesuffix("時代")))
            else:
                options.append(Q.Term(name, value))
        if options:
            parts.append(options[0] if len(options) == 1 else Q.Or(options))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


class _FacetTable:
    """For each facet field, every (doc, value) pair as numpy arrays: counting a result's
    facets is then one bincount over the docs it matched."""

    def __init__(self, reader) -> None:
        self.size = reader.doc_count_all()
        self.fields: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
        for name in FACETS:
            values: list[str] = []
            docs: list[np.ndarray] = []
            for term in reader.lexicon(name):
                value = term.decode("utf-8") if isinstance(term, bytes) else term
                ids = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int64)
                docs.append(ids)
                values.append(value)
            value_ids = np.concatenate(
                [np.full(len(d), i, dtype=np.int64) for i, d in enumerate(docs)] or [np.zeros(0)]
            ).astype(np.int64)
            doc_ids = np.concatenate(docs or [np.zeros(0, dtype=np.int64)]).astype(np.int64)
            self.fields[name] = (values, doc_ids, value_ids)

    def counts(self, matched: np.ndarray) -> dict[str, dict[str, int]]:
        mask = np.zeros(self.size, dtype=bool)
        mask[matched] = True
        out: dict[str, dict[str, int]] = {}
        for name, (values, doc_ids, value_ids) in self.fields.items():
            counts = np.bincount(value_ids[mask[doc_ids]], minlength=len(values))
            pairs = [(values[i], int(c)) for i, c in enumerate(counts) if c]
            if name == "period":
                order = {p: i for i, p in enumerate(FACET_PERIODS)}
                pairs.sort(key=lambda p: order.get(p[0], len(order)))
            elif name == "images":
                pairs.sort(key=lambda p: p[0] != "yes")
            else:
                pairs.sort(key=lambda p: (-p[1], p[0]))
            out[name] = dict(pairs)
        return out


class SearchIndex:
    """One index folder with a warm searcher; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = self._marker_stamp()
        self._open()

    def _open(self) -> None:
        self._searcher = open_index(self.path).searcher()
        self._facets = _FacetTable(self._searcher.reader())
        self._arrays = IndexArrays(self._searcher, load_vocabulary(self.path))

    def _marker_stamp(self) -> tuple[int, int]:
        """Changes when a rebuild swaps a new index folder in."""
        try:
            st = (self.path / MARKER).stat()
        except OSError:
            return (0, 0)
        return (st.st_ino, st.st_mtime_ns)

    def _current(self):
        with self._lock:
            stamp = self._marker_stamp()
            if stamp != self._stamp or not self._searcher.up_to_date():
                # a rebuild swapped a new folder in, or an update committed: open afresh
                # (Searcher.refresh reuses segment readers and misses new deletions)
                self._searcher.close()
                self._open()
                self._stamp = stamp
            return self._searcher, self._facets, self._arrays

    def close(self) -> None:
        self._searcher.close()

    def thesaurus(self) -> Thesaurus:
        """Kura's thesaurus with the project's own (read again when it changes)."""
        project = self.path.parent
        return load_thesaurus(project if (project / "kura.toml").is_file() else None)

    def search(
        self,
        text: str = "",
        filters: Mapping[str, object] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        curation: bool = True,
        lang: str | None = None,
    ) -> SearchResult:
        """Search; ``text`` may be anything (the worst case is zero hits). With
        ``curation``, the lessons and collections matching ``text`` come beside the items
        (whatever the item filters and page: they are not items). ``lang`` is the language
        of the hits' ``why``."""
        searcher, facets, arrays = self._current()
        parsed = kq.parse(text)
        wanted = filter_query(parse_filters(filters))
        thesaurus = self.thesaurus()
        page = max(1, int(page or 1))
        per_page = min(max(1, int(per_page or 20)), MAX_PER_PAGE)
        sort = sort if sort in SORTS else "relevance"
        if sort == "relevance" and parsed.empty:
            sort = "id"
        trace: list[tuple[str, np.ndarray]] = []
        mask, scores = arrays.evaluate(_filtered(kq.build(parsed, thesaurus), wanted), trace)
        alone = {why: len(ids) > 0 for why, ids in trace if why.startswith("word:")}
        relaxed = False
        strict = int(mask.sum())
        if strict < _FEW and not parsed.empty:
            tries = kq.loosened(parsed, thesaurus, arrays.near_terms)
            memo: dict = {}  # the tries share their parts: each evaluated once
            for q in tries if strict == 0 else tries[:1]:
                more: list[tuple[str, np.ndarray]] = []
                loose, loose_scores = arrays.evaluate(_filtered(q, wanted), more, memo)
                if (loose & ~mask).any():
                    # below every hit of the query as typed, in their own order
                    top = float(loose_scores.max()) + 1.0
                    scores = np.where(mask, scores + top, loose_scores)
                    mask = mask | loose
                    trace += more
                    relaxed = True
                    break
        matched = np.flatnonzero(mask)
        total = len(matched)
        hits: list[Hit] = []
        first = (page - 1) * per_page
        if total > first:
            needles = parsed.needles
            for docnum in _page(arrays, matched, scores, sort, first, per_page):
                with arrays.read_lock:
                    stored = searcher.stored_fields(int(docnum))
                display = stored.get("display") or {}
                highlights = {"title": mark(display.get("title", ""), needles)}
                if display.get("summary"):
                    highlights["summary"] = mark(display["summary"], needles, snippet=True)
                hits.append(
                    Hit(
                        id=stored["id"],
                        title=display.get("title", ""),
                        score=round(float(scores[docnum]), 4) if sort == "relevance" else 0.0,
                        highlights=highlights,
                        title_en=display.get("title_en", ""),
                        date=display.get("date", ""),
                        start=stored.get("start"),
                        end=stored.get("end"),
                        type=display.get("type", ""),
                        pages=int(display.get("pages", 0)),
                        why=explain(
                            [why for why, ids in trace if _holds(ids, int(docnum))],
                            needles,
                            display,
                            stored.get("start"),
                            stored.get("end"),
                            lang,
                        ),
                    )
                )
        result = SearchResult(
            total=total,
            hits=hits,
            facets=facets.counts(matched),
            page=page,
            per_page=per_page,
            query=parsed.text(),
            relaxed=relaxed,
        )
        if curation and not parsed.empty:
            found = search_curation(self.path, parsed)
            result.lessons, result.collections = found["lessons"], found["collections"]
        if (total == 0 or relaxed) and not parsed.empty:
            result.suggestion = suggest(
                parsed,
                wanted,
                lambda q: bool(arrays.evaluate(q)[0].any()),
                arrays.near_terms,
                arrays.spoken_word,
                [alone.get(f"word:{i}", False) for i in range(len(parsed.words))],
            )
        return result


def _holds(ids: np.ndarray, docnum: int) -> bool:
    """Whether the ascending ``ids`` hold ``docnum``."""
    at = int(np.searchsorted(ids, docnum))
    return at < len(ids) and int(ids[at]) == docnum


def _filtered(q: Q.Query, wanted: Q.Query | None) -> Q.Query:
    if wanted is None:
        return q
    return wanted if isinstance(q, Q.Every) else Q.And([q, wanted])


def _page(
    arrays: IndexArrays, matched: np.ndarray, scores: np.ndarray, sort: str, first: int, count: int
) -> np.ndarray:
    """The document numbers of one page of ``matched`` in ``sort`` order (ties by ID)."""
    rank = arrays.id_rank[matched]
    if sort == "relevance":
        keys: tuple = (rank, -scores[matched])
    elif sort == "date":
        keys = (rank, arrays.sort_date[matched])
    elif sort == "-date":  # newest first, undated items still last
        dates = arrays.sort_date[matched]
        keys = (-rank, -dates, dates == _UNDATED)
    else:
        keys = (rank,)
    wanted = first + count
    if sort == "relevance" and len(matched) > 4 * wanted:
        # only the best ``wanted`` scores (and their ties) need a full sort
        cut = -np.partition(-scores[matched], wanted - 1)[wanted - 1]
        keep = scores[matched] >= cut
        matched, keys = matched[keep], tuple(k[keep] for k in keys)
    order = np.lexsort(keys)
    return matched[order[first:wanted]]


_OPEN: dict[Path, SearchIndex] = {}
_OPEN_LOCK = threading.Lock()


def open_search_index(where: Path | str) -> SearchIndex:
    """The warm :class:`SearchIndex` of a project folder or an index folder."""
    path = index_dir(Path(where)).resolve()
    with _OPEN_LOCK:
        found = _OPEN.get(path)
        if found is None or not found.path.exists():
            found = _OPEN[path] = SearchIndex(path)
        return found


def forget(where: Path | str) -> None:
    """Close and drop the warm index of ``where`` (after a rebuild swapped it)."""
    path = index_dir(Path(where)).resolve()
    with _OPEN_LOCK:
        found = _OPEN.pop(path, None)
    if found:
        found.close()


def search(
    where: Path | str,
    text: str = "",
    filters: Mapping[str, object] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    curation: bool = True,
    lang: str | None = None,
) -> SearchResult:
    """Search the index of the project (or index folder) ``where``; see SearchIndex.search."""
    return open_search_index(where).search(text, filters, sort, page, per_page, curation, lang)


__all__ += ["forget", "open_search_index"]
