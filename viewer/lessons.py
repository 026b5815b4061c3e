"""``/lessons/``: curated lessons for classes and seniors.

``/lessons/`` lists them by audience and grade; ``/lessons/<lid>`` introduces one;
``/lessons/<lid>/<n>`` is step n (from 1) of the player — one view per screen, deep zoom
animating to the step's region (``static/lessons.js``), next/back links that also work
without JavaScript, the question (answered in the page, or with ``?choice=`` without
JavaScript); ``/lessons/<lid>/summary`` recalls every step; ``/lessons/<lid>/worksheet`` is
the printable worksheet. In kids mode every text gets furigana above the visitor's grade.

Lessons are read from what ``kura ingest``/``kura index`` compiled into the store
(``lessons/<id>.json``), never from the source files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request
from markupsafe import Markup, escape

from archive import keys
from archive.curation_files import LESSON_ID
from archive.errors import StoreError
from archive.furigana import furigana_html, furigana_text
from archive.lessons import Lesson, Step
from archive.model import Page, Record
from archive.store import json_names
from manifests.lesson import AUDIENCE_LABELS
from manifests.tiles import level_tiles, scale_factors
from manifests.urls import Urls
from viewer import prefs
from viewer.images import thumbnail
from viewer.state import request_urls, served

bp = Blueprint("lessons", __name__, url_prefix="/lessons")


def load_lesson(lid: str) -> Lesson | None:
    if not LESSON_ID.fullmatch(lid):
        return None
    data = served().json_document(keys.lesson_data(lid))
    if data is None:
        return None
    try:
        return Lesson.from_json(data)
    except (TypeError, ValueError):
        return None


def all_lessons() -> list[Lesson]:
    found = []
    for name in json_names(served().store, "lessons"):
        if lesson := load_lesson(name):
            found.append(lesson)
    return sorted(found, key=lambda x: (x.audience != "kids", x.grade or 9, x.id))


class Ruby:
    """Text helpers for templates: furigana in kids mode (Japanese), plain text otherwise."""

    def __init__(self, readings: dict[str, str] | None = None) -> None:
        chosen = prefs.current()
        self.on = chosen.mode == "kids" and chosen.lang == "ja"
        self.grade = chosen.grade
        self.readings = readings or {}

    def __call__(self, text: str) -> Markup:
        if not self.on or not text:
            return escape(text)
        return Markup(furigana_text(text, self.grade, self.readings))

    def html(self, markup: str) -> Markup:
        if not self.on or not markup:
            return Markup(markup)
        return Markup(furigana_html(markup, self.grade, self.readings))

    def t(self, ja: str, en: str) -> Markup:
        return self(prefs.t(ja, en))


@dataclass(frozen=True)
class Picture:
    """One image file of a still, placed in page pixels."""

    src: str
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Still:
    """A region of a page as a still picture: an SVG whose viewBox is the region (page
    pixels) over the images that cover it. A level-0 server has no arbitrary regions, so the
    pictures are a listed size of the whole page when one is sharp enough, else the tiles of
    the coarsest pyramid level that is (a small detail never comes out blurred, and a big map
    is never sent whole)."""

    pictures: tuple[Picture, ...]
    box: tuple[int, int, int, int]

    @property
    def view_box(self) -> str:
        return " ".join(map(str, self.box))


def _page(item_id: str, number: int) -> tuple[Record, Page] | None:
    try:
        record = served().record(item_id)
    except StoreError:
        return None
    page = record.page_number(number) if record else None
    return None if record is None or page is None else (record, page)


def _tile_size(item_id: str, image: str) -> int | None:
    """The tile width of a page's image service, as its ``info.json`` says."""
    info = served().json_document(f"{keys.image(item_id, image)}/info.json") or {}
    try:
        return int(info["tiles"][0]["width"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _tiles_over(
    step: Step, page: Page, box: tuple[int, int, int, int], want: int, tile: int, urls: Urls
) -> tuple[Picture, ...]:
    width, height = page.width, page.height
    factors = scale_factors(width, height, tile)
    scale = max([s for s in factors if box[2] / s >= want] or [1])
    service = urls.image_service(step.item, page.image)
    left, top, right, bottom = box[0], box[1], box[0] + box[2], box[1] + box[3]
    pictures = []
    for f in level_tiles(width, height, tile, scale):
        x, y = f.box[0] * scale, f.box[1] * scale
        w, h = min(width - x, f.size[0] * scale), min(height - y, f.size[1] * scale)
        if x < right and y < bottom and x + w > left and y + h > top:
            # drawn one level pixel wider and taller where another tile follows, so that the
            # browser's anti-aliased tile edges overlap instead of showing hairline seams
            w += scale if x + w < width else 0
            h += scale if y + h < height else 0
            pictures.append(Picture(f"{service}/{f.path}", x, y, w, h))
    return tuple(pictures)


def still(
    step: Step, box: tuple[int, int, int, int] | None = None, want: int = 700
) -> Still | None:
    found = _page(step.item, step.page)
    if found is None:
        return None
    _, page = found
    width, height = page.width, page.height
    box = box or step.region or (0, 0, width, height)
    urls = request_urls()
    for w, h in sorted(page.sizes, key=lambda s: s[0]):
        if box[2] * w / width >= want:
            whole = Picture(urls.image(step.item, page.image, f"{w},{h}"), 0, 0, width, height)
            return Still((whole,), box)
    tile = _tile_size(step.item, page.image)
    if tile:
        return Still(_tiles_over(step, page, box, want, tile, urls), box)
    whole = Picture(urls.image(step.item, page.image, "max"), 0, 0, width, height)
    return Still((whole,), box)


def _lesson_or_404(lid: str) -> Lesson:
    lesson = load_lesson(lid)
    if lesson is None:
        abort(404, f"学習「{lid}」はありません / no lesson with id {lid!r}")
    return lesson


def _context(lesson: Lesson) -> dict:
    ruby = Ruby(lesson.all_readings())
    return {
        "lesson": lesson,
        "r": ruby,
        "audience": AUDIENCE_LABELS.get(lesson.audience, ("", "")),
        "manifest": request_urls().lesson(lesson.id),
        "speech": prefs.current().mode in ("senior", "kids"),
    }


def _cover(lesson: Lesson) -> object:
    try:
        record = served().record(lesson.cover)
    except StoreError:
        return None
    return thumbnail(record, request_urls()) if record else None


@bp.get("/")
def index() -> str:
    lessons = all_lessons()
    kids = [x for x in lessons if x.audience == "kids"]
    others = [x for x in lessons if x.audience != "kids"]
    return render_template(
        "lessons/index.html",
        kids=kids,
        others=others,
        covers={x.id: _cover(x) for x in lessons},
        r=Ruby(),
    )


@bp.get("/<lid>")
def show(lid: str) -> str:
    lesson = _lesson_or_404(lid)
    return render_template("lessons/show.html", cover=_cover(lesson), **_context(lesson))


def _choice(step: Step) -> int | None:
    value = request.args.get("choice", "")
    # ASCII digits only ("²".isdigit() is true but int("²") fails), and short
    if not (value.isascii() and value.isdigit() and len(value) <= 3):
        return None
    if step.question and int(value) < len(step.question.choices):
        return int(value)
    return None


@bp.get("/<lid>/<int:n>")
def step(lid: str, n: int) -> str:
    lesson = _lesson_or_404(lid)
    if not 1 <= n <= len(lesson.steps):
        abort(
            404,
            f"学習「{lid}」に {n} 番目のステップはありません ({len(lesson.steps)} ステップ) / "
            f"lesson {lid!r} has no step {n}",
        )
    current = lesson.steps[n - 1]
    found = _page(current.item, current.page)
    urls = request_urls()
    viewer = None
    if found:
        record, page = found
        viewer = {
            "tile": urls.info(current.item, page.image),
            "region": ",".join(map(str, current.region or ())),
            "closer": ",".join(map(str, current.closer or ())),
            "width": page.width,
            "height": page.height,
            "item_title": record.title or current.item,
        }
    return render_template(
        "lessons/step.html",
        n=n,
        total=len(lesson.steps),
        step=current,
        viewer=viewer,
        still=still(current),
        choice=_choice(current),
        **_context(lesson),
    )


@bp.get("/<lid>/summary")
def summary(lid: str) -> str:
    lesson = _lesson_or_404(lid)
    stills = [still(s, want=300) for s in lesson.steps]
    return render_template("lessons/summary.html", stills=stills, **_context(lesson))


@bp.get("/<lid>/worksheet")
def worksheet(lid: str) -> str:
    lesson = _lesson_or_404(lid)
    stills = [still(s, want=500) for s in lesson.steps]
    return render_template("lessons/worksheet.html", stills=stills, **_context(lesson))


_SPACES = re.compile(r"\s+")


def speech_text(*parts: str) -> str:
    """Plain text for read-aloud (tags dropped, spaces folded)."""
    return _SPACES.sub(" ", re.sub(r"<[^>]+>", " ", " ".join(parts))).strip()


bp.add_app_template_global(speech_text, "speech_text")
bp.add_app_template_filter(lambda v: json.dumps(v, ensure_ascii=False), "tojson_ja")
