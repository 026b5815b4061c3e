""" "Did you mean": for a query with no hits, a nearby query that has some.

Each word that finds nothing alone is replaced by the closest indexed word (Whoosh's
Levenshtein corrector over title words and readings for Japanese, romaji and English words
for Latin) or dropped; the suggestion is offered only if it finds something.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as Q

from archive.search import query as kq
from archive.search.analysis import normalize

_FIELDS_JA = ("words",)
_FIELDS_LATIN = ("romaji", "english", "words")


def _whoosh_finds(searcher) -> Callable[[Q.Query], bool]:
    return lambda q: searcher.search(q, limit=1, terms=False).scored_length() > 0


def _hits(finds: Callable[[Q.Query], bool], q: Q.Query, wanted: Q.Query | None) -> bool:
    if wanted is not None:
        q = Q.And([q, wanted])
    return finds(q)


def _correct(searcher, word: str) -> str | None:
    folded = normalize(word)
    fields = _FIELDS_LATIN if folded.isascii() else _FIELDS_JA
    maxdist = 1 if len(folded) <= 4 else 2
    for name in fields:
        try:
            found = searcher.corrector(name).suggest(folded, limit=1, maxdist=maxdist)
        except (KeyError, ValueError):  # a field without terms
            continue
        if found and found[0] != folded:
            return found[0]
    return None


def suggest(
    searcher,
    parsed: kq.ParsedQuery,
    wanted: Q.Query | None,
    finds: Callable[[Q.Query], bool] | None = None,
) -> str | None:
    """A query close to ``parsed`` that finds something, or None; ``finds(query)`` tells
    whether a query has hits (by default a Whoosh search)."""
    finds = finds or _whoosh_finds(searcher)
    words: list[str] = []
    changed = False
    for word in parsed.words:
        q = kq.word_query(normalize(word))
        if q is not None and _hits(finds, q, wanted):
            words.append(word)
            continue
        changed = True
        better = _correct(searcher, word)
        if better:
            words.append(better)
    if not changed:  # every word finds something alone, but not all together
        words = parsed.words[:1]
    candidate = kq.ParsedQuery(words, list(parsed.phrases) if not changed else [])
    if candidate.empty or candidate.text() == parsed.text():
        return None
    if _hits(finds, kq.build(candidate), wanted):
        return candidate.text()
    return None
