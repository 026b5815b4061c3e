"""The search state carried in a URL (``/search`` and ``/api/search`` read the same one):
``q``, one or more of each facet filter (``type``, ``designation``, ``period``, ``place``,
``images``), ``year``, ``sort``, ``page`` and ``per_page``. Every value is bounded here, so
no request can ask the index for unbounded work; a year filter with a number of seven or more
digits (no year has one) is dropped like any unknown value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from archive.search import SORTS
from archive.search.schema import FACETS

MAX_QUERY = 200  # characters of q kept
MAX_VALUE = 100  # characters of one filter value
MAX_VALUES = 10  # values per filter
MAX_PAGE = 500
PER_PAGE_CHOICES = (10, 20, 50, 100)  # offered on the page; the API takes any 1..100
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
FILTER_NAMES = (*FACETS, "year")
# a number no year has (the index's numeric fields hold 32 bits; int() reads "1_000")
HUGE_NUMBER = re.compile(r"\d[\d_]{6,}")


def _int(value: str | None, default: int) -> int:
    value = (value or "").strip()
    # ASCII digits only: "²".isdigit() is true but int("²") fails
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else default


def _huge(value: str) -> bool:
    return bool(HUGE_NUMBER.search(unicodedata.normalize("NFKC", value)))


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchParams:
        q = " ".join((args.get("q") or "").split())[:MAX_QUERY]
        filters: dict[str, list[str]] = {}
        for name in FILTER_NAMES:
            values = [v.strip()[:MAX_VALUE] for v in args.getlist(name) if v.strip()]
            if name == "year":
                values = [v for v in values if not _huge(v)]
            if values:
                filters[name] = list(dict.fromkeys(values))[:MAX_VALUES]
        sort = args.get("sort", "relevance")
        per_page = _int(args.get("per_page"), DEFAULT_PER_PAGE)
        return cls(
            q=q,
            filters=filters,
            sort=sort if sort in SORTS else "relevance",
            page=min(max(1, _int(args.get("page"), 1)), MAX_PAGE),
            per_page=per_page if 1 <= per_page <= MAX_PER_PAGE else DEFAULT_PER_PAGE,
        )

    @property
    def empty(self) -> bool:
        return not self.q and not self.filters

    def query_pairs(self, **changes: object) -> list[tuple[str, str]]:
        """The state as query parameters, defaults left out, with ``changes`` applied
        (``page``, ``sort``, ``q``, or ``filters`` as a whole dict)."""
        q = changes.get("q", self.q)
        filters = changes.get("filters", self.filters)
        sort = changes.get("sort", self.sort)
        page = changes.get("page", self.page)
        per_page = changes.get("per_page", self.per_page)
        pairs: list[tuple[str, str]] = []
        if q:
            pairs.append(("q", str(q)))
        for name in FILTER_NAMES:
            pairs += [(name, v) for v in filters.get(name, [])]  # type: ignore[union-attr]
        if sort != "relevance":
            pairs.append(("sort", str(sort)))
        if per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(per_page)))
        if page != 1:
            pairs.append(("page", str(page)))
        return pairs

    def query_string(self, **changes: object) -> str:
        return urlencode(self.query_pairs(**changes))

    def toggled(self, name: str, value: str) -> str:
        """The query string with one filter value added (or removed if already chosen),
        back on page 1."""
        filters = {k: list(v) for k, v in self.filters.items()}
        chosen = filters.setdefault(name, [])
        if value in chosen:
            chosen.remove(value)
        else:
            chosen.append(value)
        return self.query_string(filters={k: v for k, v in filters.items() if v}, page=1)
