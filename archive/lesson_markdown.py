"""The Markdown of lessons and curated collections: rendering, sanitising, ruby.

Markdown is rendered with markdown-it-py (CommonMark, raw HTML off) and then sanitised by nh3
(the Rust ``ammonia`` sanitiser) to a short list of tags, so a lesson file can never put a
script or a style into a page. ``{漢字|かんじ}`` in the text gives a reading for furigana.
"""

from __future__ import annotations

import functools
import re

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "ul", "ol", "li", "blockquote",
    "h3", "h4", "code", "a", "ruby", "rt", "rp", "hr", "small", "sup", "sub",
}  # fmt: skip
_RUBY = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: "<script>" in a lesson is text, not markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def inline_readings(text: str) -> tuple[str, dict[str, str]]:
    """``{千歯扱き|せんばこき}`` → ``千歯扱き`` and the reading for furigana."""
    found: dict[str, str] = {}

    def keep(match: re.Match) -> str:
        found[match[1].strip()] = match[2].strip()
        return match[1].strip()

    return _RUBY.sub(keep, text), found


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML (links only to http(s), opened safely)."""
    import nh3

    raw = _markdown().render(text)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def plain_text(text: str) -> str:
    """Markdown as plain text (for IIIF labels, search and read-aloud)."""
    import nh3

    html = render_markdown(inline_readings(text)[0])
    html = re.sub(r"</(p|li|h3|h4|blockquote)>", "\n", html)
    return re.sub(r"\n{2,}", "\n", nh3.clean(html, tags=set())).strip().replace("&amp;", "&")
