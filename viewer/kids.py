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

from archive.furigana import segments
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


def ruby_text(text: str, grade: int) -> str:
    """Escaped text with ``<ruby>`` over the kanji above ``grade`` (quotes escaped too, as
    Jinja's autoescape does, so no text ever reads as an attribute)."""
    out = []
    for seg in segments(text, grade, dict(local_readings())):
        body = html.escape(seg.text)
        if seg.reading is None:
            out.append(body)
        else:
            out.append(
                f"<ruby>{body}<rp>(</rp><rt>{html.escape(seg.reading)}</rt><rp>)</rp></ruby>"
            )
    return "".join(out)


def kana_text(text: str, grade: int) -> str:
    """The text with the kanji above ``grade`` written in their reading (交ぜ書き)."""
    return "".join(seg.reading or seg.text for seg in segments(text, grade, dict(local_readings())))


def add_furigana(page: str, grade: int) -> str:
    """The page with ruby on its text (see the module's notes on what is left alone)."""
    out: list[str] = []
    skip_name, skip_depth = "", 0  # the element being skipped, and how deep inside it
    kana_only = False
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
                    if name in _SKIP or "data-no-ruby" in piece:
                        skip_name, skip_depth = name, 1
                    elif name in _KANA_ONLY:
                        kana_only = True
                elif closing and name in _KANA_ONLY:
                    kana_only = False
                if not closing and not skip_name and "placeholder=" in piece:
                    piece = _PLACEHOLDER.sub(
                        lambda m: m[1] + html.escape(kana_text(html.unescape(m[2]), grade)) + m[3],
                        piece,
                    )
            out.append(piece)
        elif skip_name or not _KANJI.search(piece):
            out.append(piece)
        elif kana_only:
            out.append(html.escape(kana_text(html.unescape(piece), grade)))
        else:
            out.append(ruby_text(html.unescape(piece), grade))
    return "".join(out)


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
