""" "Did you mean": for a query whose words are not all found, a nearby query that is.

Each word that finds nothing alone is replaced by the closest indexed word one edit away
(a title word or reading for Japanese; romaji, English or a title word for Latin), or
dropped; the suggestion is offered only if it finds something. The search is bounded: the
indexed words of one length, compared by rapidfuzz (see
:meth:`archive.search.engine.IndexArrays.near_terms`), at most one candidate tried a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from whoosh import query as Q

from archive.search import query as kq
from archive.search.analysis import kana_only, normalize
from archive.search.readings import fold_romaji

__all__ = ["suggest"]

_FIELDS_JA = ("words",)
_FIELDS_LATIN = ("romaji", "english", "words")

Finds = Callable[[Q.Query], bool]
Near = Callable[..., list[str]]
Spoken = Callable[[str], str | None]


def _hits(finds: Finds, q: Q.Query, wanted: Q.Query | None) -> bool:
    return finds(q if wanted is None else Q.And([q, wanted]))


_KUNREI = re.compile(r"si|ti|tu|hu|zi|sy|ty|zy")


def _correct(word: str, near: Near, spoken: Spoken | None) -> str | None:
    """The indexed word one edit from ``word`` (never shorter than it by more than one
    character, never one character alone), as people write it."""
    folded = normalize(word)
    latin = folded.isascii()
    if latin:
        folded = fold_romaji(folded)
    if len(folded) < (4 if latin or kana_only(folded) else 2):
        return None  # one letter of a short kana word is half of it: a random word (えぽ → えき)
    for name in _FIELDS_LATIN if latin else _FIELDS_JA:
        found = [w for w in near(name, folded, 3, whole=True) if len(w) >= max(2, len(folded) - 1)]
        if not found:
            continue
        if name != "romaji":
            return found[0]
        # romaji is offered as the title word it reads (さしだにっき for sashidanikky), or as
        # romaji when the folded spelling reads as people write it (sayama; not sasidanikki)
        said = spoken(found[0]) if spoken is not None else None
        if said or not _KUNREI.search(found[0]):
            return said or found[0]
    return None


def suggest(
    parsed: kq.ParsedQuery,
    wanted: Q.Query | None,
    finds: Finds,
    near: Near,
    spoken: Spoken | None = None,
    alone: list[bool] | None = None,
) -> str | None:
    """A query close to ``parsed`` that finds something, or None. ``finds(query)`` tells
    whether a query has hits; ``near(field, text, limit, whole=True)`` gives indexed words
    one edit away; ``spoken(romaji)`` the title word (kana) a romaji word reads; ``alone``
    whether each word finds something by itself, when the search knows it already."""
    words: list[str] = []
    changed = False
    for i, word in enumerate(parsed.words):
        if alone is not None and i < len(alone):
            found_alone = alone[i]
        else:
            q = kq.word_query(normalize(word))
            found_alone = q is not None and _hits(finds, q, wanted)
        if found_alone:
            words.append(word)
            continue
        changed = True
        better = _correct(word, near, spoken)
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
