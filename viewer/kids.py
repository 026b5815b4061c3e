"""Kids mode: furigana over every kanji above the visitor's grade on every page, site chrome
included (header, menus, footer, item and collection pages), not only where a template asked.

The finished page is read once, its text between tags given ruby by :mod:`archive.furigana`
with the city's own readings (狭山丘陵 is さやまきゅうりょう, not what the dictionary says).
Markup is never touched inside tags or attributes, inside existing ``<ruby>`` (lesson text
is already done with the lesson's readings), code, scripts, styles, the page title, or an
element marked ``data-no-ruby`` (the text read aloud). Text that cannot hold ruby, the
choices of a ``<select>`` and a search box's placeholder, gets the reading written in
kana instead of the kanji (交ぜ書き, as children's books do).
"""

from __future__ import annotations

import functools
import html
import re

from flask import Response

from archive.furigana import DEFAULT_GRADE, GRADES, furigana_text, segments
from viewer import prefs

_TAG = re.compile(r"(<[^>]*>)")
_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")
_SKIP = {"ruby", "rt", "rp", "code", "pre", "script", "style", "textarea", "kbd", "samp", "title"}
_KANA_ONLY = {"option"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}
_PLACEHOLDER = re.compile(r'(placeholder=")([^"]*)(")')
_KANJI = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@functools.cache
def local_readings() -> tuple[tuple[str, str], ...]:
    """The city's place, family and tool names the dictionary misreads: the search's table
    and the lessons' table (the lessons' wins)."""
    from archive.lessons import LOCAL_READINGS as LESSON_READINGS
    from archive.search.local_names import LOCAL_READINGS as SEARCH_READINGS

    return tuple({**SEARCH_READINGS, **LESSON_READINGS}.items())


def ruby_text(text: str, grade: int | None) -> str:
    """Escaped text with ``<ruby>`` over the kanji above ``grade`` (quotes escaped too, as
    Jinja's autoescape does, so no text ever reads as an attribute); ``None``: for every
    grade at once (a static site, see ``archive.furigana.every_grade``)."""
    return furigana_text(text, grade, dict(local_readings()))


def kana_text(text: str, grade: int | None) -> str:
    """The text with the kanji above ``grade`` written in their reading (交ぜ書き); for
    ``None``, the default grade's (see ``kana_by_grade``)."""
    grade = DEFAULT_GRADE if grade is None else grade
    return "".join(seg.reading or seg.text for seg in segments(text, grade, dict(local_readings())))


def kana_by_grade(text: str) -> str:
    """For a static site's kids pages: a ``data-fg-*`` attribute value giving the 交ぜ書き of
    ``text`` in each grade as ``1=…|2=…`` (the browser swaps it in for the reader's grade),
    or "" when every grade writes it the same."""
    forms = {g: kana_text(text, g) for g in GRADES}
    if len(set(forms.values())) == 1:
        return ""
    return html.escape("|".join(f"{g}={form}" for g, form in forms.items()))


def add_furigana(page: str, grade: int | None) -> str:
    """The page with ruby on its text (see the module's notes on what is left alone);
    ``grade`` None: for every grade at once (a static site's kids pages), the text of
    ``<option>`` and placeholders in the default grade's 交ぜ書き with every grade's in
    ``data-fg-text`` and ``data-fg-placeholder``."""
    out: list[str] = []
    skip_name, skip_depth = "", 0  # the element being skipped, and how deep inside it
    kana_only = False
    option_at = -1  # where in ``out`` the open <option> tag is (every-grade pages)
    for piece in _TAG.split(page):
        if not piece:
            continue
        if piece.startswith("<"):
            match = _NAME.match(piece)
            if match and not piece.startswith("<!"):
                closing, name = match[1] == "/", match[2].lower()
                if skip_name:
                    if name == skip_name and name not in _VOID and not piece.endswith("/>"):
                        skip_depth += -1 if closing else 1
                        if skip_depth == 0:
                            skip_name = ""
                elif not closing and name not in _VOID and not piece.endswith("/>"):
                    # an element marked data-no-ruby, or a static page's per-grade stretch
                    # (archive.furigana.every_grade), which already has its ruby
                    if name in _SKIP or "data-no-ruby" in piece or 'class="fg"' in piece:
                        skip_name, skip_depth = name, 1
                    elif name in _KANA_ONLY:
                        kana_only, option_at = True, len(out)
                elif closing and name in _KANA_ONLY:
                    kana_only = False
                if not closing and not skip_name and "placeholder=" in piece:
                    piece = _placeholder(piece, grade)
            out.append(piece)
        elif skip_name or not _KANJI.search(piece):
            out.append(piece)
        elif kana_only:
            text = html.unescape(piece)
            if grade is None and option_at >= 0 and (forms := kana_by_grade(text)):
                out[option_at] = _with_attribute(out[option_at], "data-fg-text", forms)
            out.append(html.escape(kana_text(text, grade)))
        else:
            out.append(ruby_text(html.unescape(piece), grade))
    return "".join(out)


def _placeholder(tag: str, grade: int | None) -> str:
    match = _PLACEHOLDER.search(tag)
    if match is None:
        return tag
    text = html.unescape(match[2])
    tag = _PLACEHOLDER.sub(
        lambda m: m[1] + html.escape(kana_text(text, grade)) + m[3], tag, count=1
    )
    if grade is None and (forms := kana_by_grade(text)):
        tag = _with_attribute(tag, "data-fg-placeholder", forms)
    return tag


def _with_attribute(tag: str, name: str, value: str) -> str:
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end]} {name}="{value}"{tag[end:]}'


def furigana_everywhere(response: Response) -> Response:
    """After each request: in kids mode (Japanese), furigana over the whole HTML page."""
    chosen = prefs.current()
    if (
        chosen.mode != "kids"
        or chosen.lang != "ja"
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    response.set_data(add_furigana(response.get_data(as_text=True), chosen.grade))
    return response
