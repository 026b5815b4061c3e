"""Highlighted snippets: the query's words marked in a hit's title and summary.

Matching is done on normalised text (so 学 marks 學 and むさし marks ムサシ) and mapped back
to the original characters; the result is HTML-escaped with ``<mark>`` around each match.
"""

from __future__ import annotations

import html
from functools import lru_cache

from archive.search.analysis import normalize

SNIPPET_CHARS = 120


_fold_char = lru_cache(maxsize=16384)(normalize)  # one character at a time: few distinct ones


@lru_cache(maxsize=4096)  # titles and texts come back page after page
def _normalised_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        where += [i] * len(folded)
    return "".join(out), tuple(where)


def spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Merged (start, end) spans of ``text`` where any normalised needle occurs."""
    folded, where = _normalised_with_map(text)
    found = []
    for needle in {normalize(n) for n in needles if n.strip()}:
        start = folded.find(needle)
        while start >= 0 and needle:
            end = start + len(needle)
            found.append((where[start], where[end - 1] + 1))
            start = folded.find(needle, end)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, needles: list[str], *, snippet: bool = False) -> str:
    """``text`` as HTML with ``<mark>`` around matches; a window around the first one if
    ``snippet`` (with … where cut)."""
    found = spans(text, needles)
    lo, hi = 0, len(text)
    if snippet and len(text) > SNIPPET_CHARS:
        first = found[0][0] if found else 0
        lo = max(0, first - SNIPPET_CHARS // 3)
        hi = min(len(text), lo + SNIPPET_CHARS)
    out = ["…" if lo > 0 else ""]
    at = lo
    for start, end in found:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out.append(html.escape(text[at:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        at = end
    out.append(html.escape(text[at:hi]))
    out.append("…" if hi < len(text) else "")
    return "".join(out)
