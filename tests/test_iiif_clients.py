"""Issue 14 item 8: third-party IIIF clients over Kura's documents. Mirador 4, Universal
Viewer 4.4 and Clover 3 (npm packages pinned in package-lock.json, loaded from node_modules/
by small host pages in tests/iiif_clients/, on another origin than the archive) open the demo's
right-to-left book and its map, in Debian's Chromium, over ``kura serve`` and over a plain
static file server with CORS (the documents rendered to files, the tiles as ingested). Every
request to the archive must succeed (a level-0 tree answers only what it wrote: a client that
asks for another size gets a 404), every page of the book must show, and a strip of page
thumbnails must run right to left.
"""

from __future__ import annotations

import json
import posixpath
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote, unquote, urlsplit

import pytest

from tests.conftest import import_or_missing, needs
from tests.viewer_demo import build_demo_once, chromium, running

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NODE = ROOT / "node_modules"
HOST_PAGES = Path(__file__).resolve().parent / "iiif_clients"
# Each client's browser build in its npm package (make vendor runs npm ci).
CLIENTS = {
    "mirador": NODE / "mirador" / "dist",
    "uv": NODE / "universalviewer" / "dist",
    "clover": NODE / "@samvera" / "clover-iiif" / "dist" / "web-components",
}
BOOK = "sashida-nikki"  # 6 pages, right to left (古文書)
MAP = "sayama-muraezu"  # one large page (絵図)

pytestmark = [
    needs(CHROMIUM.exists(), "Debian's chromium"),
    needs(
        all(p.is_dir() for p in CLIENTS.values()),
        "Mirador, Universal Viewer and Clover in node_modules/",
        "make vendor (npm ci) installs them",
    ),
]


# --------------------------------------------------------------------------------------
# Servers


class _Files(SimpleHTTPRequestHandler):
    """Plain static files with CORS: URL path prefix → folders tried in turn."""

    mounts: ClassVar[dict[str, list[Path]]] = {}

    def translate_path(self, path: str) -> str:
        path = posixpath.normpath(unquote(urlsplit(path).path))
        for prefix, folders in sorted(self.mounts.items(), key=lambda m: -len(m[0])):
            if path == prefix.rstrip("/") or path.startswith(prefix):
                rest = path[len(prefix) :].lstrip("/")
                for folder in folders:
                    candidate = folder / rest
                    if ".." not in Path(rest).parts and candidate.exists():
                        return str(candidate)
        return "/nonexistent"

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(mounts: dict[str, list[Path]]) -> Iterator[str]:
    handler = type("Handler", (_Files,), {"mounts": mounts})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_once(tmp_path_factory)


@pytest.fixture(scope="module")
def clients() -> Iterator[str]:
    """The host pages and the clients' builds, on their own origin."""
    with static_server(
        {"/vendor/" + n + "/": [p] for n, p in CLIENTS.items()} | {"/": [HOST_PAGES]}
    ) as url:
        yield url


@pytest.fixture(scope="module")
def served(demo: Path) -> Iterator[str]:
    """The demo over ``kura serve``'s application."""
    from archive.config import load_config
    from viewer import create_app

    with running(lambda url: create_app(load_config(demo), listening=(url,))) as url:
        yield url


@pytest.fixture(scope="module")
def static(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo as static files: every IIIF document rendered for the static server's
    address into a folder, the tiles from the store as they are."""
    from archive.config import load_config
    from archive.store import open_store
    from manifests.documents import Documents
    from manifests.urls import Urls

    folder = tmp_path_factory.mktemp("static-documents")
    config = load_config(demo)
    with static_server({"/": [folder, demo / "public"]}) as url:
        docs = Documents(open_store(config.store, config.root), config, Urls(url))
        for key in docs.document_keys():
            body = docs.render_bytes(key)
            assert body is not None, key
            (folder / key).parent.mkdir(parents=True, exist_ok=True)
            (folder / key).write_bytes(body)
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api, CHROMIUM) as b:
        yield b


# --------------------------------------------------------------------------------------
# One client, one item


def pages_of(demo: Path, item: str) -> dict[str, int]:
    """Image service name → page number."""
    record = json.loads((demo / "public" / "records" / f"{item}.json").read_text("utf-8"))
    return {p["image"]: p["page"] for p in record["pages"]}


def open_in_client(browser, clients: str, client: str, archive: str, item: str) -> dict:
    """Open ``item``'s manifest in ``client``; what the archive answered and what showed."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    failed: list[str] = []
    loaded: list[str] = []

    def on_response(response) -> None:
        if not response.url.startswith(archive):
            return
        if response.status >= 400:
            failed.append(f"{response.status} {response.url}")
        elif response.request.resource_type == "image" or response.url.endswith(".jpg"):
            loaded.append(response.url)

    def on_failed(request) -> None:
        if request.url.startswith(archive):
            failed.append(f"{request.failure} {request.url}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    manifest = f"{archive}/iiif/{item}/manifest.json"
    try:
        page.goto(f"{clients}/{client}.html?manifest={quote(manifest, safe='')}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(2500)  # thumbnails load lazily after the first paint
        page.wait_for_load_state("networkidle")
        thumbs = page.evaluate(
            """(item) => Array.from(document.querySelectorAll('img')).concat(
                 ...Array.from(document.querySelectorAll('*')).filter(e => e.shadowRoot)
                   .map(e => Array.from(e.shadowRoot.querySelectorAll('img'))))
               .filter(img => img.currentSrc.includes('/iiif/' + item + '/'))
               .map(img => { const r = img.getBoundingClientRect();
                 return {src: img.currentSrc, x: r.x, y: r.y, w: r.width, h: r.height,
                         ok: img.complete && img.naturalWidth > 0}; })
               .filter(t => t.w > 0 && t.h > 0)""",
            item,
        )
    finally:
        context.close()
    return {"failed": failed, "loaded": loaded, "thumbs": thumbs}


def image_of(url: str) -> str:
    """The image service name in a tile or thumbnail URL (``…/iiif/{item}/{image}/…``)."""
    parts = urlsplit(url).path.split("/")
    return parts[parts.index("iiif") + 2]


def rows(thumbs: list[dict]) -> list[list[dict]]:
    """Thumbnails shown side by side (the same top edge), each row left to right."""
    by_y: dict[int, list[dict]] = {}
    for t in thumbs:
        by_y.setdefault(round(t["y"] / 8), []).append(t)
    return [sorted(r, key=lambda t: t["x"]) for r in by_y.values() if len(r) > 1]


@pytest.mark.parametrize("where", ["serve", "static"])
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_client_opens_the_book_and_the_map(
    request, browser, clients: str, demo: Path, client: str, where: str
) -> None:
    archive = request.getfixturevalue("served" if where == "serve" else "static")
    book = open_in_client(browser, clients, client, archive, BOOK)
    pages = pages_of(demo, BOOK)
    shown = {pages[image_of(u)] for u in book["loaded"]}
    thumb_pages = [[pages[image_of(t["src"])] for t in row] for row in rows(book["thumbs"])]
    atlas = open_in_client(browser, clients, client, archive, MAP)
    assert book["failed"] == [] and atlas["failed"] == []  # not one request failed
    assert shown == set(pages.values())  # every page's image arrived (thumbnails at least)
    assert atlas["loaded"]
    assert all(t["ok"] for t in book["thumbs"] + atlas["thumbs"])
    # thumbnails side by side run right to left: page 1 at the right (Mirador's and
    # Clover's strips; Universal Viewer's two columns, pairs of facing pages)
    assert thumb_pages and all(row == sorted(row, reverse=True) for row in thumb_pages), thumb_pages
