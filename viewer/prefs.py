"""A visitor's preferences: language (``ja``/``en``) and display mode, from the query string
(``?lang=en``, ``?mode=senior``, ``?grade=3``) or else the cookie that remembers them.

A preference given in the query string is kept in a cookie for a year, so one click on the
switch is enough for the whole visit and the next ones. Unknown values are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, g, request
from werkzeug.datastructures import MultiDict

from viewer.errors import MAX_QUERY_STRING

LANGS = ("ja", "en")
MODES = ("standard", "senior", "kids")
MODE_ALIASES = {"seniors": "senior", "kid": "kids", "normal": "standard"}
GRADES = range(1, 7)
COOKIE_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Prefs:
    lang: str = "ja"
    mode: str = "standard"
    # None: every grade at once (a static site's kids pages, where the reader's grade is
    # chosen in the browser; see archive.furigana)
    grade: int | None = 3

    @property
    def other_lang(self) -> str:
        return "en" if self.lang == "ja" else "ja"


def _lang(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:5]
    return value if value in LANGS else None


def _mode(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:10]
    value = MODE_ALIASES.get(value, value)
    return value if value in MODES else None


def _grade(value: str | None) -> int | None:
    value = (value or "").strip()[:2]
    # ASCII digits only: "²".isdigit() is true but int("²") fails
    return int(value) if value.isascii() and value.isdigit() and int(value) in GRADES else None


# a static build (viewer.freeze) gives each page's preferences in the WSGI environ
STATIC_PREFS = "kura.static_prefs"


def current() -> Prefs:
    """This request's preferences (query string first, then cookies, then defaults; in a
    static build, the page's variant)."""
    if "kura_prefs" not in g:
        fixed = request.environ.get(STATIC_PREFS)
        if isinstance(fixed, Prefs):
            g.kura_prefs = fixed
            return fixed
        args, cookies = request.args, request.cookies
        g.kura_prefs = Prefs(
            lang=_lang(args.get("lang")) or _lang(cookies.get("lang")) or "ja",
            mode=_mode(args.get("mode")) or _mode(cookies.get("mode")) or "standard",
            grade=_grade(args.get("grade")) or _grade(cookies.get("grade")) or 3,
        )
    return g.kura_prefs


def remember(response: Response) -> Response:
    """Keep preferences given in the query string in cookies."""
    if request.path.startswith(("/iiif/", "/static/", "/records/")):
        return response
    chosen = {
        "lang": _lang(request.args.get("lang")),
        "mode": _mode(request.args.get("mode")),
        "grade": _grade(request.args.get("grade")),
    }
    for name, value in chosen.items():
        if value is not None:
            response.set_cookie(name, str(value), max_age=COOKIE_AGE, samesite="Lax", httponly=True)
    return response


def url_with(**changes: object) -> str:
    """A link to the current page with some query parameters changed (None removes one).

    A query string over the limit (an error page) is not carried on."""
    args = request.args if len(request.query_string) <= MAX_QUERY_STRING else MultiDict()
    params = [(k, v) for k, v in args.items(multi=True) if k not in changes]
    params += [(k, str(v)) for k, v in changes.items() if v is not None]
    # a reference relative to the page itself: right under any path the site is served at
    # (a proxy's /kura, a static copy), with no address in it
    return f"?{urlencode(params)}"


def t(ja: str, en: str) -> str:
    """The text in the visitor's language."""
    return en if current().lang == "en" else ja
