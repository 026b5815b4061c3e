"""The viewer's pages as files (``kura build``, see :mod:`viewer.freeze`): which files the
pages become, and the links between them.

A static site cannot answer by query string or cookie, so each display variant is a tree of
its own: ``/`` is Japanese in the standard mode, ``/senior/`` and ``/kids/`` the other modes,
``/en/``, ``/en/senior/`` and ``/en/kids/`` the same in English. Every page is a folder with
an ``index.html`` (``/items/ID`` → ``items/ID/index.html``), so the page addresses the server
uses (in manifests, the sitemap, shared links) still lead to it: a plain web server, a bucket
or ``python -m http.server`` redirects ``/items/ID`` to ``/items/ID/``. A lesson step's
answer, ``?choice=N`` on the server, is the page ``…/step/choice-N/index.html``.

The app serves a frozen page's address through ``StaticPages``, a WSGI layer that turns it
back into the server's path and query and fixes the page's preferences
(``viewer.prefs.STATIC_PREFS``); ``rewrite_links`` then makes every link of the finished page
relative to it and to the file it names (``…/index.html``, so the folder also works from a
sub-path and from a disk), and turns the language and mode switches (``?lang=en``) into
links to the same page in the other tree. IIIF ids and links to other sites stay absolute.

Kids pages in Japanese carry every grade's furigana at once (``archive.furigana.every_grade``);
``kura-head.js`` shows the grade chosen in the browser (``?grade=N``, then kept).
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from flask import Flask, Response, g, request

from viewer.prefs import STATIC_PREFS, Prefs

# the display variants: (tree prefix, preferences); the grade None is every grade at once
VARIANTS: tuple[tuple[str, Prefs], ...] = tuple(
    (f"{lang_prefix}{mode_prefix}", Prefs(lang, mode, None))
    for lang, lang_prefix in (("ja", ""), ("en", "en/"))
    for mode, mode_prefix in (("standard", ""), ("senior", "senior/"), ("kids", "kids/"))
)
DEFAULT_PREFS = VARIANTS[0][1]
HERE = "kura.static_url"  # the WSGI environ key holding the frozen page's own address

# attributes holding a link the browser follows or a script resolves against the page
_LINKED = re.compile(
    r'(\s(?:href|src|action|formaction|data-prev|data-next|data-prefix|data-index|data-pages)=")([^"]*)(")'
)


def prefix_of(prefs: Prefs) -> str:
    for prefix, chosen in VARIANTS:
        if (chosen.lang, chosen.mode) == (prefs.lang, prefs.mode):
            return prefix
    return ""


def page_file(path: str, query: str = "") -> str:
    """The file (in a variant's tree) of the server page ``path`` (with the step's
    ``choice=N`` query, if any): ``/items/ID`` → ``items/ID/index.html``."""
    folder = path.strip("/")
    if query:
        choice = dict(parse_qsl(query)).get("choice", "")
        folder = f"{folder}/choice-{choice}"
    return f"{folder}/index.html" if folder else "index.html"


@dataclass(frozen=True)
class Route:
    """What a frozen page's address is on the server: its path, query and preferences."""

    path: str
    query: str
    prefs: Prefs


@dataclass
class SiteMap:
    """Every frozen page: its address (``/en/items/ID/index.html``, a file of the folder)
    and what it is on the server; and the site's root path (``/kura`` when ``base_url`` has
    one), base URL and the files outside the pages' trees."""

    base_url: str
    root: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    _pages: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def add(self, path: str, query: str = "") -> list[str]:
        """Add a server page in every variant; its frozen addresses."""
        added = []
        for prefix, prefs in VARIANTS:
            url = f"/{prefix}{page_file(path, query)}"
            self.routes[url] = Route(path, query, prefs)
            self._pages[(path, query, prefix)] = url
            added.append(url)
        return added

    def frozen(self, path: str, query: str, prefs: Prefs) -> str | None:
        return self._pages.get((path, query, prefix_of(prefs)))

    def __contains__(self, key: tuple[str, str]) -> bool:
        return (key[0], key[1], "") in self._pages


class StaticPages:
    """WSGI: a frozen page's address (``/en/items/ID/index.html``) served as the server's
    page (``/items/ID``) with the variant's preferences; anything else (static files, the
    sitemap) as it is, in Japanese."""

    def __init__(self, app: Callable, site: SiteMap) -> None:
        self.app = app
        self.site = site

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        here = environ.get("PATH_INFO", "")
        route = self.site.routes.get(here)
        environ = dict(environ)
        environ[HERE] = here
        if route is None:
            environ[STATIC_PREFS] = DEFAULT_PREFS
        else:
            environ.update(PATH_INFO=route.path, QUERY_STRING=route.query)
            environ[STATIC_PREFS] = route.prefs
        return self.app(environ, start_response)


def install(app: Flask, site: SiteMap) -> None:
    """Serve ``site``'s frozen addresses and rewrite every HTML page's links for them."""
    app.config["KURA_STATIC"] = True
    app.wsgi_app = StaticPages(app.wsgi_app, site)  # type: ignore[method-assign]

    def relative_links(response: Response) -> Response:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            here = request.environ.get(HERE, "/")
            route = site.routes.get(here)
            prefs = route.prefs if route else DEFAULT_PREFS
            absolute = route is None  # an error page (404.html) is served at any depth
            page = response.get_data(as_text=True)
            response.set_data(rewrite_links(page, site, here, route, prefs, absolute=absolute))
        return response

    app.after_request(relative_links)

    def fresh_globals() -> None:
        """Frozen-Flask requests every page inside one app context of its own, so ``g`` (where
        views keep this request's preferences and addresses) would outlive each page."""
        for name in list(g):
            g.pop(name)

    app.before_request(fresh_globals)


def rewrite_links(
    page: str,
    site: SiteMap,
    here: str,
    route: Route | None,
    prefs: Prefs,
    *,
    absolute: bool = False,
) -> str:
    """``page`` with each link of ``_LINKED`` pointing at the file it names in the static
    folder, relative to ``here`` (or, with ``absolute``, from the site's root path)."""

    def one(match: re.Match) -> str:
        value = html.unescape(match[2])
        linked = resolve(value, site, here, route, prefs, absolute=absolute)
        return f"{match[1]}{html.escape(linked)}{match[3]}"

    return _LINKED.sub(one, page)


def resolve(
    value: str,
    site: SiteMap,
    here: str,
    route: Route | None,
    prefs: Prefs,
    *,
    absolute: bool = False,
) -> str:
    """One link of a frozen page, as the static folder has it (see ``rewrite_links``)."""
    if not value or value.startswith(("#", "mailto:", "data:", "javascript:")):
        return value
    if value.startswith("?"):
        return _switch(value, site, here, route, prefs, absolute)
    origin = site.base_url.rstrip("/")
    if value == origin or value.startswith(f"{origin}/"):
        split = urlsplit(site.base_url)
        value = value[len(f"{split.scheme}://{split.netloc}") :] or "/"
    elif "://" in value or value.startswith("//") or not value.startswith("/"):
        return value  # another site, or already relative
    if site.root:
        if value != site.root and not value.startswith(f"{site.root}/"):
            return value  # outside the site
        value = value[len(site.root) :] or "/"
    rest, hash_mark, fragment = value.partition("#")
    path, question, query = rest.partition("?")
    path = unquote(path)
    target = site.frozen(path, query, prefs)
    if target is not None:
        question, query = "", ""
    else:
        target = site.frozen(path, "", prefs) or path
    return _from(here, target, site, absolute) + question + query + hash_mark + fragment


def _switch(
    value: str, site: SiteMap, here: str, route: Route | None, prefs: Prefs, absolute: bool
) -> str:
    """A query-only link (``url_with``): a change of language or mode goes to the same
    page in that tree; a grade (``?grade=N``) stays on the page, whose script keeps it."""
    params = dict(parse_qsl(value[1:]))
    if "grade" in params and not {"lang", "mode"} & params.keys():
        return "?" + urlencode({"grade": params["grade"]})
    if route is None:
        return value
    wanted = Prefs(params.get("lang", prefs.lang), params.get("mode", prefs.mode), None)
    target = site.frozen(route.path, route.query, wanted)
    return value if target is None else _from(here, target, site, absolute)


def _from(here: str, target: str, site: SiteMap, absolute: bool) -> str:
    """The link from the page at ``here`` to ``target`` (both addresses in the folder)."""
    if absolute:
        return f"{site.root}{target}"
    folder = posixpath.dirname(here) or "/"
    relative = posixpath.relpath(target, folder)
    if target.endswith("/") and not relative.endswith("/"):
        relative += "/"
    return relative
