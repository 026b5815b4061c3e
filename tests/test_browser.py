"""The viewer in a real browser: Debian's Chromium driven by Playwright, against the demo
archive served by waitress on 127.0.0.1. OpenSeadragon loads and deepens tiles, the share
link restores a view, search works in Japanese, seniors mode and English switch, and axe-core
finds no WCAG 2.1 A/AA violation on home, search, item and collection pages in every mode.

``KURA_SCREENSHOTS=docs/screenshots`` also saves the README's screenshots.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import import_or_missing, needs
from tests.viewer_demo import chromium, demo_served
from viewer.content_state import encode

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")

CHROMIUM = Path("/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parents[1] / "viewer" / "static" / "vendor" / "axe-core" / "axe.min.js"
)
DIARY = "sashida-nikki"
TILE = re.compile(r"/iiif/[^/]+/[^/]+/(\d+),(\d+),(\d+),(\d+)/(\d+),(\d*)/0/default\.jpg$")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = needs(CHROMIUM.exists(), "Debian's chromium")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api, CHROMIUM) as browser:
        yield browser


class Watched:
    """A page with its tile responses, failed requests and console errors recorded."""

    def __init__(self, browser, base_url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base_url
        self.tiles: list[tuple[str, float]] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _failed(self, request) -> None:
        # leaving a page cancels the tile requests still in flight: not a failure
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} {response.status}")
        if match := TILE.search(response.url):
            scale = int(match[3]) / int(match[5])  # region width / tile width
            self.tiles.append((response.url, scale))

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def wait_for_tiles(self, count: int, finer_than: float | None = None) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            wanted = [s for _, s in self.tiles if finer_than is None or s < finer_than]
            if len(wanted) >= count:
                return
            self.page.wait_for_timeout(100)
        pytest.fail(f"tiles not loaded: {self.tiles}")

    def assert_clean(self) -> None:
        assert self.failed == []
        assert self.errors == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser, base_url: str) -> Iterator[Watched]:
    w = Watched(browser, base_url)
    yield w
    w.close()


def screenshot(w: Watched, name: str) -> None:
    folder = os.environ.get("KURA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        w.page.screenshot(path=str(Path(folder) / f"{name}.png"))


def test_item_page_loads_tiles_and_zooms_deeper(watched: Watched) -> None:
    watched.goto(f"/items/{DIARY}")
    watched.wait_for_tiles(2)
    coarsest = min(s for _, s in watched.tiles)
    for _ in range(5):
        watched.page.click("#osd-zoom-in")
        watched.page.wait_for_timeout(150)
    watched.wait_for_tiles(1, finer_than=coarsest)
    screenshot(watched, "item")
    watched.assert_clean()


def test_page_strip_and_share_link_restore_the_view(watched: Watched, browser) -> None:
    watched.goto(f"/items/{DIARY}")
    watched.wait_for_tiles(1)
    watched.page.click('.strip-page[data-page="2"]')
    watched.page.wait_for_function("document.getElementById('osd-status').textContent === '2 / 6'")
    for _ in range(3):
        watched.page.click("#osd-zoom-in")
    watched.page.wait_for_timeout(1500)  # let the animation end; the link follows the view
    link = watched.page.input_value("#share-link")
    assert "?iiif-content=" in link and "/canvas/" not in link  # encoded, not plain
    # encoded as Content State §6.1 says (encodeURIComponent, then base64url without padding),
    # to the same string the server's encoder gives
    value = link.split("?iiif-content=", 1)[1]
    text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    assert text.startswith("%7B%22%40context%22%3A%22http%3A%2F%2Fiiif.io%2F")
    state = json.loads(unquote(text))
    assert state["target"]["id"].startswith(f"{watched.base}/iiif/{DIARY}/canvas/2#xywh=")
    assert encode(state) == value
    again = Watched(browser, watched.base)
    try:
        again.page.goto(link)
        again.wait_for_tiles(1)
        assert again.page.text_content("#osd-status") == "2 / 6"
        zoomed = again.page.evaluate(
            "window.kuraViewer.viewport.getZoom() / window.kuraViewer.viewport.getHomeZoom()"
        )
        assert zoomed > 2
        again.assert_clean()
    finally:
        again.close()
    watched.assert_clean()


def test_search_in_japanese_and_open_a_hit(watched: Watched) -> None:
    watched.goto("/")
    screenshot(watched, "home")
    watched.page.fill("#home-q", "にっき")
    watched.page.press("#home-q", "Enter")
    watched.page.wait_for_url(re.compile(r"/search\?q="))
    assert "1 件" in watched.page.text_content("#results-heading")
    screenshot(watched, "search")
    watched.page.click(".hit-link")
    watched.page.wait_for_url(re.compile(f"/items/{DIARY}$"))
    assert watched.page.text_content("h1").strip().startswith("指田日記")
    watched.assert_clean()


def test_seniors_mode_and_english(watched: Watched) -> None:
    watched.goto(f"/items/{DIARY}")
    watched.page.click('a[data-mode="senior"]')
    watched.page.wait_for_url(re.compile(r"mode=senior"))
    size = watched.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 20
    assert watched.page.is_visible("[data-read-aloud]")  # Chromium has speech synthesis
    watched.page.click('a[hreflang="en"]')
    watched.page.wait_for_url(re.compile(r"lang=en"))
    assert watched.page.get_attribute("html", "lang") == "en"
    assert "About this item" in watched.page.text_content("#metadata-heading")
    watched.goto("/")  # both remembered
    assert watched.page.get_attribute("html", "lang") == "en"
    assert "mode-senior" in watched.page.get_attribute("html", "class")
    watched.assert_clean()


@pytest.mark.parametrize("mode", ["standard", "senior", "kids"])
def test_no_accessibility_violations(watched: Watched, mode: str) -> None:
    source = AXE.read_text(encoding="utf-8")
    for path in ("/", "/search?q=日記", f"/items/{DIARY}", "/collections/top"):
        sep = "&" if "?" in path else "?"
        watched.goto(f"{path}{sep}mode={mode}")
        if path.startswith("/items/"):
            watched.wait_for_tiles(1)
        watched.page.evaluate(source)  # by the DevTools protocol: the CSP stays in force
        violations = watched.page.evaluate(
            """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
                .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))})))""",
            WCAG,
        )
        assert violations == [], f"{path} ({mode})"
    watched.assert_clean()
