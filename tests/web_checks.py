"""What the web tests look for in a response: hostile payloads, the structural signs of an
injection in an HTML page, and URLs filled in from the app's own routes (so routes added
later are covered without editing the tests)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

from flask import Flask
from werkzeug.routing import Rule

# Each payload contains "<" or a quote: escaped output never contains it verbatim.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    '" autofocus onfocus=alert(1) x="',
    "' autofocus onfocus=alert(1) x='",
    "</textarea></title><script>alert(1)</script>",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "<a href=javascript:alert(1)>x</a>",
    "{{7*7}}<%= 7*7 %>${7*7}",
)
MARKUP_PAYLOADS = tuple(p for p in PAYLOADS if re.search(r"[<\"']", p))

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


class _Inspector(HTMLParser):
    """Collects every sign of markup that the site's templates never write themselves."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script" and values.get("type") == "application/ld+json" and len(attrs) == 1:
            self._in_jsonld = True  # schema.org data on item pages: never run, must be JSON
        elif tag == "script":
            self._in_script = True
            if not (values.get("src") or "").startswith("/static/"):
                self.problems.append(f"<script> not from /static/: {attrs}")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in URL_ATTRIBUTES and value:
                folded = _CONTROL.sub("", value).lower()
                if folded.startswith(BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False
            self._in_jsonld = False

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            try:
                json.loads(data)
            except ValueError:
                self.problems.append(f"JSON-LD that is not JSON: {data[:80]!r}")
            return
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")


def injection_problems(page: str) -> list[str]:
    """Signs of injected markup in an HTML page: inline scripts, scripts not from the site,
    event-handler attributes, javascript:/vbscript: URLs, frames and objects."""
    inspector = _Inspector()
    inspector.feed(page)
    inspector.close()
    return inspector.problems


_JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def without_jsonld(page: str) -> str:
    """The page without its schema.org JSON-LD data blocks, which hold metadata as JSON
    strings (quotes backslash-escaped, ``<`` ``>`` ``&`` as ``\\u003c`` …): a browser never runs
    them, and nothing in them can end the block early (checked here)."""
    for block in _JSONLD.findall(page):
        assert "<" not in block and ">" not in block, block[:200]
        json.loads(block)
    return _JSONLD.sub("", page)


def reflected(page: str, values: list[str]) -> list[str]:
    """The payloads among ``values`` that appear in ``page`` verbatim (that is, unescaped)."""
    found = []
    for value in values:
        for payload in MARKUP_PAYLOADS:
            if payload in value and payload in page:
                found.append(payload)
    return found


def get_rules(app: Flask) -> list[Rule]:
    """Every GET route of the app, in a stable order."""
    rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ())]
    return sorted(rules, key=lambda r: r.rule)


_PLACEHOLDER = re.compile(r"<(?:(?P<conv>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def converter_kinds(rule: Rule) -> dict[str, str]:
    """Argument name → converter (``default``, ``path``, ``int`` …) as written in the rule."""
    return {m["name"]: m["conv"] or "default" for m in _PLACEHOLDER.finditer(rule.rule)}


def fill(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with its arguments replaced by ``values``, percent-encoded as a
    browser would send them (``/`` kept only in path arguments)."""

    def replace(match: re.Match) -> str:
        value = str(values[match["name"]])
        return quote(value, safe="/" if match["conv"] == "path" else "")

    return _PLACEHOLDER.sub(replace, rule.rule)
