"""The static site (``kura build``) in a real browser: Debian's Chromium driven by Playwright
over ``python -m http.server``, in every display variant. Home → search (a Japanese query,
answered by the static index in the browser) → item (the deep-zoom viewer loads its tiles)
→ lesson step (a question answered, with feedback) → collection, with axe-core finding no
WCAG 2.1 A/AA violation and no request failing; kids pages show the furigana of the grade
chosen, remembered from page to page; a shared view (IIIF Content State) opens where it was
shared."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import import_or_missing, needs
from tests.static_site import Site, served_site
from tests.viewer_demo import chromium
from viewer.content_state import encode
from viewer.static_pages import VARIANTS

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")

CHROMIUM = Path("/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parents[1] / "viewer" / "static" / "vendor" / "axe-core" / "axe.min.js"
)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TILE = re.compile(r"/iiif/[^/]+/[^/]+/\d+,\d+,\d+,\d+/\d+,\d*/0/default\.jpg$")
DIARY = "sashida-nikki"
LESSON = "mukashi-no-dogu"

pytestmark = needs(CHROMIUM.exists(), "Debian's chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory, "build-browser") as built:
        yield built


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api, CHROMIUM) as browser:
        yield browser


class Visit:
    """A browser tab with its failed requests, console errors and tile responses."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.base = base
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.tiles: list[str] = []
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._failed)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url} {response.status}")
        elif TILE.search(response.url):
            self.tiles.append(response.url)

    def _failed(self, request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):  # a page left with tiles in flight
            self.failed.append(f"{request.url} {request.failure}")

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.base}/{path}")

    def axe(self) -> list:
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        return self.page.evaluate(
            """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
                .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))})))""",
            WCAG,
        )

    def wait_for(self, check, what: str, seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            self.page.wait_for_timeout(100)
        pytest.fail(f"{what}: not within {seconds} s")


@pytest.fixture
def visit(browser, site: Site) -> Iterator[Visit]:
    v = Visit(browser, site.url)
    yield v
    v.context.close()


@pytest.mark.parametrize("prefix", [prefix for prefix, _ in VARIANTS], ids=lambda p: p or "ja")
def test_walk_every_variant(visit: Visit, prefix: str) -> None:
    lang = "en" if prefix.startswith("en/") else "ja"
    visit.goto(prefix)  # the folder's index.html
    assert visit.page.get_attribute("html", "lang") == lang
    assert visit.axe() == [], "home"

    # search: the header's form, answered in the browser from the static index
    visit.page.fill("#header-q", "日記")
    visit.page.press("#header-q", "Enter")
    visit.page.wait_for_selector("#kura-static-search .hit", timeout=15000)
    assert visit.page.url.startswith(f"{visit.base}/{prefix}search/index.html?")
    assert visit.page.locator(f"a.hit-link[href*='{DIARY}']").count() >= 1
    assert visit.axe() == [], "search"

    # item: from the hit, the deep-zoom viewer loads tiles from the folder
    visit.page.click(f"a.hit-link[href*='{DIARY}']")
    visit.page.wait_for_url(re.compile(rf"/{prefix}items/{DIARY}/index\.html$"))
    visit.wait_for(lambda: len(visit.tiles) >= 2, "tiles")
    assert visit.axe() == [], "item"

    # lesson: a step's question answered in the page
    visit.goto(f"{prefix}lessons/{LESSON}/2/index.html")
    visit.page.click("button.choice >> nth=0")
    visit.wait_for(lambda: visit.page.get_attribute("#feedback", "data-kind"), "feedback")
    assert visit.page.inner_text("#feedback").strip()
    assert visit.axe() == [], "lesson"

    # back and next are links between files
    visit.page.click("#nav-next")
    visit.page.wait_for_url(re.compile(rf"/{prefix}lessons/{LESSON}/3/index\.html$"))

    visit.goto(f"{prefix}collections/top/index.html")
    assert visit.page.locator(f"a[href$='items/{DIARY}/index.html']").count() == 1
    assert visit.axe() == [], "collection"
    assert visit.failed == [] and visit.errors == []


def test_an_answer_without_javascript(browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site.url}/lessons/{LESSON}/2/index.html")
        page.click("button.choice >> nth=1")
        page.wait_for_url(re.compile(rf"/lessons/{LESSON}/2/choice-1/index\.html"))
        assert page.locator("#feedback p").count() >= 1
        assert page.get_attribute("button.choice >> nth=1", "aria-pressed") == "true"
    finally:
        context.close()


def test_the_switches_lead_to_the_same_page(visit: Visit) -> None:
    visit.goto(f"items/{DIARY}/index.html")
    visit.page.click("a[hreflang='en']")
    visit.page.wait_for_url(re.compile(rf"/en/items/{DIARY}/index\.html$"))
    visit.page.click("a[data-mode='senior']")
    visit.page.wait_for_url(re.compile(rf"/en/senior/items/{DIARY}/index\.html$"))
    assert "mode-senior" in visit.page.get_attribute("html", "class")
    visit.page.click("a[hreflang='ja']")
    visit.page.wait_for_url(re.compile(rf"/senior/items/{DIARY}/index\.html$"))
    assert visit.failed == []


def visible_readings(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("main rt")]
            .filter(rt => rt.offsetParent !== null || rt.getClientRects().length)
            .map(rt => rt.textContent)"""
    )


def test_kids_grade_is_chosen_in_the_browser_and_kept(visit: Visit) -> None:
    step = f"kids/lessons/{LESSON}/2/index.html"
    visit.goto(step)
    assert visit.page.get_attribute("html", "data-grade") == "3"  # the default, as the server's
    third = visible_readings(visit.page)
    visit.page.click(".grade-switch a:text('1年')")
    visit.wait_for(lambda: visit.page.get_attribute("html", "data-grade") == "1", "grade 1")
    first = visible_readings(visit.page)
    assert len(first) > len(third)
    assert visit.page.get_attribute(".grade-switch a:text('1年')", "aria-current") == "true"
    visit.page.click("#nav-next")  # the next page keeps the grade chosen
    visit.page.wait_for_url(re.compile(rf"/kids/lessons/{LESSON}/3/index\.html$"))
    assert visit.page.get_attribute("html", "data-grade") == "1"
    visit.goto(step + "?grade=6")
    sixth = visible_readings(visit.page)
    assert len(sixth) < len(third)
    assert visit.axe() == []
    assert visit.failed == []


def test_a_shared_view_opens_where_it_was_shared(visit: Visit, site: Site) -> None:
    canvas = f"{site.url}/iiif/{DIARY}/canvas/2"
    state = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{site.url}/items/{DIARY}#view",
        "type": "Annotation",
        "motivation": ["contentState"],
        "target": {
            "id": f"{canvas}#xywh=100,200,300,400",
            "type": "Canvas",
            "partOf": [{"id": f"{site.url}/iiif/{DIARY}/manifest.json", "type": "Manifest"}],
        },
    }
    # the share link as the item page writes it: the server's page address
    visit.page.goto(f"{site.url}/items/{DIARY}?iiif-content={encode(state)}")
    visit.wait_for(lambda: len(visit.tiles) >= 1, "tiles")
    visit.wait_for(
        lambda: visit.page.evaluate("window.kuraViewer && window.kuraViewer.currentPage()") == 1,
        "page 2",
    )
    assert visit.failed == []
