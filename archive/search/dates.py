"""Dates in search: years named inside a record's text, how close a record's date is to the
year asked for, and the era form of a year for "why this matched" (1877 = 明治10年).

A query for a year ranks the records by how well their year range fits it: the same year
first, then written ranges that contain it (narrower first), then whole periods. The fit is
the share of the two ranges they have in common (overlap / union, 1.0 for the same range).
A summary or description that names a year (文政7年に…) counts as a date of the record too,
a little below its own 年代.
"""

from __future__ import annotations

import re

from whoosh import query as Q

from archive.era import ERAS, THIS_YEAR, era_range
from archive.model import YearRange

__all__ = ["DateQuery", "era_label", "fit", "years_named_in"]

_ERA_NAMES = "|".join(sorted({re.escape(e.name) for e in ERAS}, key=len, reverse=True))
_NUM = r"(?:元|[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})"
_NAMED_YEAR = re.compile(rf"(?:{_ERA_NAMES}){_NUM}年|(?<![0-9０-９])[0-9０-９]{{4}}年(?!代)")
_MAX_NAMED = 12  # years taken from one record's text


def years_named_in(text: str) -> list[int]:
    """The years a text names (文政7年, 1824年), in order, each once; ranges and decades
    (明治10年代) are not single years and are left out."""
    years: list[int] = []
    for m in _NAMED_YEAR.finditer(text or ""):
        span = era_range(m.group())
        if span is not None and span.start == span.end and span.start not in years:
            years.append(span.start)
            if len(years) >= _MAX_NAMED:
                break
    return years


def fit(span: YearRange, start: int, end: int) -> float:
    """How well a record's range (start, end) fits the asked ``span``: overlap / union."""
    overlap = min(end, span.end) - max(start, span.start) + 1
    if overlap <= 0:
        return 0.0
    return overlap / (max(end, span.end) - min(start, span.start) + 1)


def era_label(year: int) -> str:
    """The era form of a Gregorian year: 1877 → 明治10年, 1868 → 明治元年 (the later era of a
    change year; the northern court's during the split)."""
    for era in reversed(ERAS):
        if era.court != "南朝" and era.start <= year <= era.end:
            n = year - era.start + 1
            return f"{era.name}{'元' if n == 1 else n}年"
    return f"{year}年"


class DateQuery(Q.And):
    """Records whose year range overlaps ``span``, or whose text names a year in it; the
    search engine scores them by :func:`fit`. To Whoosh itself it is the plain overlap."""

    def __init__(self, span: YearRange, label: str, boost: float = 1.0) -> None:
        super().__init__(
            [Q.NumericRange("start", None, span.end), Q.NumericRange("end", span.start, None)],
            boost=boost,
        )
        self.span = span
        self.label = label  # the date as the person typed it (1877, 明治10年, 江戸時代)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DateQuery) and other.span == self.span and other.boost == self.boost
        )

    def __hash__(self) -> int:
        return hash((DateQuery, self.span, self.boost))

    @property
    def named_years(self) -> range:
        """The years of the span a text may name (bounded: a long period has too many)."""
        if self.span.end - self.span.start > 400:
            return range(0)
        return range(max(self.span.start, 1), min(self.span.end, THIS_YEAR) + 1)
