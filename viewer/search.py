"""``/search``: the archive's Japanese search with facets, filters, sort, paging, highlighted
snippets and "did you mean"; the whole state is in the URL, so any result page can be shared
or bookmarked."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request

from archive.errors import KuraError
from archive.search import SearchResult, search
from archive.search.searcher import FilterError
from viewer.images import PageImage, thumbnail
from viewer.search_params import PER_PAGE_CHOICES, SearchParams
from viewer.state import request_urls, served

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)

# facet field → (Japanese label, English label)
FACET_LABELS = {
    "type": ("資料種別", "Material type"),
    "designation": ("文化財分類", "Designation"),
    "period": ("時代", "Period"),
    "place": ("場所", "Place"),
    "images": ("画像", "Images"),
}
IMAGES_VALUES = {"yes": ("画像あり", "With images"), "no": ("画像なし", "Without images")}
SORT_LABELS = {
    "relevance": ("関連度順", "Relevance"),
    "date": ("年代の古い順", "Oldest first"),
    "-date": ("年代の新しい順", "Newest first"),
    "id": ("ID 順", "ID"),
}


def run_search(params: SearchParams) -> SearchResult:
    """Search the served archive; a bad filter value is a 400, a missing index a 503."""
    try:
        return search(
            served().config.root,
            params.q,
            params.filters,
            params.sort,
            params.page,
            params.per_page,
        )
    except FilterError as exc:
        abort(400, str(exc))
    except KuraError as exc:
        log.warning("search unavailable: %s", exc)
        abort(
            503,
            "検索インデックスがありません。`kura index` で作ってください / "
            "the search index is missing; build it with `kura index`",
        )


@dataclass(frozen=True)
class HitCard:
    id: str
    title_html: str  # escaped by the search's highlighter, with <mark> around matches
    title_en: str
    summary_html: str
    date: str
    type: str
    pages: int
    image: PageImage | None


def facet_value_label(name: str, value: str) -> tuple[str, str]:
    if name == "images":
        return IMAGES_VALUES.get(value, (value, value))
    if name == "period":
        return (f"{value}時代", "")
    return (value, "")


def hit_cards(result: SearchResult) -> list[HitCard]:
    urls = request_urls()
    archive = served()
    cards = []
    for hit in result.hits:
        try:
            record = archive.record(hit.id)
        except KuraError:
            record = None
        cards.append(
            HitCard(
                id=hit.id,
                title_html=hit.highlights.get("title") or "",
                title_en=hit.title_en,
                summary_html=hit.highlights.get("summary") or "",
                date=hit.date,
                type=hit.type,
                pages=hit.pages,
                image=thumbnail(record, urls) if record else None,
            )
        )
    return cards


def page_numbers(current: int, last: int, around: int = 2) -> list[int | None]:
    """Page links to show: first, last and a window around the current page (None = gap)."""
    shown = sorted({1, last, *range(max(1, current - around), min(last, current + around) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@bp.get("/search")
def page() -> tuple[str, int] | str:
    params = SearchParams.from_args(request.args)
    result = run_search(params)
    last = min(result.pages, 500)
    return render_template(
        "search/results.html",
        params=params,
        result=result,
        cards=hit_cards(result),
        facet_labels=FACET_LABELS,
        facet_value_label=facet_value_label,
        sort_labels=SORT_LABELS,
        per_page_choices=PER_PAGE_CHOICES,
        page_numbers=page_numbers(result.page, last),
        last_page=last,
        header_query=params.q,
    )
