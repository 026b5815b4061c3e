"""``/search``: the archive's Japanese search with facets, filters, sort, paging, highlighted
snippets and "did you mean"; the whole state is in the URL, so any result page can be shared
or bookmarked. Lessons and curated collections that match are shown above the items, as a
group of their own (they are not items: never in the count, the facets or the pages), with
the step or the item whose text matched."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.datastructures import MultiDict

from archive.errors import KuraError
from archive.furigana import furigana_html
from archive.search import SearchResult, search
from archive.search.curation import CurationHit
from archive.search.searcher import FilterError
from viewer import prefs
from viewer.images import PageImage, thumbnail
from viewer.kids import local_readings
from viewer.search_params import PER_PAGE_CHOICES, SearchParams
from viewer.state import request_urls, served
from viewer.vocabulary import english_date, english_value

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
            lang=prefs.current().lang,
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
    why: tuple[str, ...] = ()  # what matched: 所有者等: 指田家, 年代 天保5年: 1834 = 天保5年


# audience → (Japanese, English), as on the lessons' pages
AUDIENCE_LABELS = {
    "kids": ("子ども・学校向け", "For children and schools"),
    "seniors": ("シニア向け", "For seniors"),
    "all": ("どなたでも", "For everyone"),
}


@dataclass(frozen=True)
class CurationCard:
    """A lesson or collection in the search results."""

    kind: str  # "lesson" or "collection"
    id: str
    url: str
    title_html: str  # escaped, with <mark>
    title_en: str
    summary_html: str
    kind_label: tuple[str, str]
    audience_label: tuple[str, str]
    part_url: str  # the step (lesson) or item (collection) whose text matched, or ""
    part_label: tuple[str, str]


def _ruby() -> Callable[[str], str]:
    """In kids mode (Japanese), a function adding furigana above the visitor's grade to
    highlighted HTML (never inside ``<mark>`` or other tags); otherwise the HTML as it is."""
    chosen = prefs.current()
    if chosen.mode != "kids" or chosen.lang != "ja":
        return lambda markup: markup
    readings = dict(local_readings())  # 狭山丘陵 is さやまきゅうりょう here too
    return lambda markup: furigana_html(markup, chosen.grade, readings) if markup else markup


def curation_cards(result: SearchResult) -> list[CurationCard]:
    """Cards for the lessons, then the collections, that matched."""
    ruby = _ruby()
    return [_curation_card(hit, ruby) for hit in [*result.lessons, *result.collections]]


def _curation_card(hit: CurationHit, ruby: Callable[[str], str]) -> CurationCard:
    part_html = hit.highlights.get("part_title", "")
    if hit.kind == "lesson":
        url = request_urls().pages.lesson(hit.id)
        grade = f" {hit.grade}年" if hit.grade else ""
        kind_label = (f"学習{grade}", f"Lesson{f', grade {hit.grade}' if hit.grade else ''}")
        part_url = request_urls().pages.lesson(hit.id, hit.step) if hit.step else ""
        part_label = (
            (f"ステップ {hit.step}「{part_html}」", f"Step {hit.step}: {part_html}")
            if hit.step
            else ("", "")
        )
    else:
        url = request_urls().pages.collection(hit.id)
        kind_label = ("コレクション", "Collection")
        part_url = request_urls().pages.item(hit.item) if hit.item else ""
        part_label = (f"資料「{part_html}」", f"Item: {part_html}") if hit.item else ("", "")
    return CurationCard(
        kind=hit.kind,
        id=hit.id,
        url=url,
        title_html=ruby(hit.highlights.get("title") or ""),
        title_en=hit.title_en,
        summary_html=ruby(hit.highlights.get("summary") or ""),
        kind_label=kind_label,
        audience_label=AUDIENCE_LABELS.get(hit.audience, ("", "")),
        part_url=part_url,
        part_label=part_label,
    )


def facet_value_label(name: str, value: str) -> tuple[str, str]:
    if name == "images":
        return IMAGES_VALUES.get(value, (value, value))
    if name == "period":
        return (f"{value}時代", english_date(f"{value}時代"))
    if name == "type":
        return (value, english_value("資料種別", value))
    if name == "designation":
        return (value, english_value("文化財分類", value))
    return (value, "")


def hit_cards(result: SearchResult) -> list[HitCard]:
    urls = request_urls()
    archive = served()
    ruby = _ruby()
    cards = []
    for hit in result.hits:
        try:
            record = archive.record(hit.id)
        except KuraError:
            record = None
        cards.append(
            HitCard(
                id=hit.id,
                title_html=ruby(hit.highlights.get("title") or ""),
                title_en=hit.title_en,
                summary_html=ruby(hit.highlights.get("summary") or ""),
                date=hit.date,
                type=hit.type,
                pages=hit.pages,
                image=thumbnail(record, urls) if record else None,
                why=tuple(hit.why),
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


def static_page() -> str:
    """The search page of a static site (``kura build``): the form, and an empty place the
    browser fills from the static index under ``/search/`` (``static/search/page.js``)."""
    urls = request_urls()
    script = Path(current_app.static_folder or "", "search", "page.js")
    return render_template(
        "search/results.html",
        params=SearchParams.from_args(MultiDict()),
        static_search={
            "index": f"{urls.pages.root}/search/",
            "script": urls.pages.static("search/page.js") if script.is_file() else "",
        },
        sort_labels=SORT_LABELS,
        per_page_choices=PER_PAGE_CHOICES,
        header_query="",
    )


@bp.get("/search")
def page() -> tuple[str, int] | str:
    if current_app.config.get("KURA_STATIC"):
        return static_page()
    params = SearchParams.from_args(request.args)
    result = run_search(params)
    last = min(result.pages, 500)
    return render_template(
        "search/results.html",
        params=params,
        result=result,
        cards=hit_cards(result),
        curation=curation_cards(result) if result.page == 1 else [],
        facet_labels=FACET_LABELS,
        facet_value_label=facet_value_label,
        sort_labels=SORT_LABELS,
        per_page_choices=PER_PAGE_CHOICES,
        page_numbers=page_numbers(result.page, last),
        last_page=last,
        header_query=params.q,
    )
