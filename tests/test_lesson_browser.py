"""The lesson player in real Chromium (Debian's, driven by Playwright) over the demo archive:
the deep zoom animates to each step's region, the arrow keys and the big buttons move between
steps, answers get gentle feedback, "look closer" zooms in, and axe-core finds no WCAG 2.1
A/AA violation on the lesson pages in every display mode.

``KURA_SCREENSHOTS=docs/screenshots`` also saves the README's screenshot of the player.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import import_or_missing, needs
from tests.viewer_demo import chromium, demo_served

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "viewer/static/vendor/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
LESSON = "/lessons/mukashi-no-dogu"

pytestmark = needs(CHROMIUM.exists(), "Debian's chromium")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api, CHROMIUM) as browser:
        yield browser


@pytest.fixture
def page(browser, base_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.base = base_url
    yield page
    context.close()
    assert errors == []


SHOWN = """() => {
  const s = window.kuraLesson, v = s.viewer, item = v.world.getItemAt(0);
  const r = item.viewportToImageRectangle(v.viewport.getBounds(true));
  return [r.x, r.y, r.width, r.height];
}"""


def shown_when_still(page) -> list[float]:
    """The image rectangle on screen once the animation has ended."""
    page.wait_for_function("() => window.kuraLesson && window.kuraLesson.arrived")
    last = None
    for _ in range(60):
        page.wait_for_timeout(150)
        now = [round(v) for v in page.evaluate(SHOWN)]
        if now == last:
            return now
        last = now
    return last


def assert_shows(shown: list[float], box: tuple[int, int, int, int]) -> None:
    """The viewport holds the region, centred, and not much more of the page."""
    x, y, w, h = box
    sx, sy, sw, sh = shown
    assert sx <= x + 2 and sy <= y + 2 and sx + sw >= x + w - 2 and sy + sh >= y + h - 2, shown
    assert abs((sx + sw / 2) - (x + w / 2)) < max(w, h) * 0.05, shown
    assert sw <= w * 1.5 or sh <= h * 1.5, shown


def test_step_through_a_lesson_with_the_keyboard(page) -> None:
    page.goto(f"{page.base}{LESSON}/2?mode=kids&grade=3")
    assert page.locator(".progress-text").inner_text() == "2 / 7"
    assert page.locator("#step-title ruby").count() >= 1  # 扱 is not taught in grade 3
    assert_shows(shown_when_still(page), (150, 200, 1700, 1150))
    screenshot(page, "lesson-player-kids")

    # a wrong answer gets a gentle nudge, the right one a well done and why
    page.get_by_role("button", name=re.compile("土をほって")).click()
    assert page.locator("#feedback .fb-again").is_visible()
    page.get_by_role("button", name=re.compile("手前に引く")).click()
    assert page.locator("#feedback .fb-right").is_visible()
    assert "しごき落とされます" in page.locator("#feedback").inner_text()

    # "look closer" zooms further in and shows the hint
    assert not page.locator("#closer-hint").is_visible()
    page.locator("#closer-button").click()
    page.wait_for_function("() => window.kuraLesson.closerShown")
    assert page.locator("#closer-hint").is_visible()
    assert_shows(shown_when_still(page), (380, 260, 640, 470))

    # → next step, ← back
    page.locator("body").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(f"{LESSON}/3"))
    assert page.locator(".progress-text").inner_text() == "3 / 7"
    assert_shows(shown_when_still(page), (100, 150, 1900, 1350))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(f"{LESSON}/2"))

    # and with the big buttons to the end: the summary
    page.goto(f"{page.base}{LESSON}/7")
    page.locator("#nav-next").click()
    page.wait_for_url(re.compile(f"{LESSON}/summary"))
    assert page.locator(".summary-list li").count() == 7


@pytest.mark.parametrize("mode", ["standard", "senior", "kids"])
def test_no_accessibility_violations(page, mode: str) -> None:
    source = AXE.read_text(encoding="utf-8")
    for path in (
        "/lessons/",
        LESSON,
        f"{LESSON}/3",
        f"{LESSON}/summary",
        f"{LESSON}/worksheet",
        "/collections/mukashi-no-murayama",
    ):
        page.goto(f"{page.base}{path}?mode={mode}")
        if path.endswith("/3"):
            shown_when_still(page)
        page.evaluate(source)  # by the DevTools protocol: the CSP stays in force
        violations = page.evaluate(
            """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
                .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))})))""",
            WCAG,
        )
        assert violations == [], f"{path} ({mode})"


def test_worksheet_prints_every_step(page) -> None:
    pictures: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda r: pictures.append((r.url, r.status)) if r.url.endswith("default.jpg") else None,
    )
    page.goto(f"{page.base}{LESSON}/worksheet?mode=kids", wait_until="networkidle")
    page.emulate_media(media="print")
    assert page.locator(".ws-step").count() == 8  # 7 steps and the last box
    assert not page.locator(".grade-switch").is_visible()
    page.wait_for_function(
        """() => [...document.querySelectorAll('.ws-image svg')].filter(
            s => s.querySelector('image')).length === 7"""
    )
    # every picture of every still (listed sizes, or tiles for small details) was fetched
    drawn = page.evaluate(
        "[...document.querySelectorAll('.ws-image image')].map(i => i.href.baseVal)"
    )
    assert len(drawn) > 7  # the small details come as several tiles
    assert {url for url, _ in pictures} == set(drawn), (drawn, pictures)
    assert all(status == 200 for _, status in pictures), pictures
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def screenshot(page, name: str) -> None:
    folder = os.environ.get("KURA_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _axe(page) -> list:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # by the DevTools protocol: CSP in force
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
            .then(r => r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 160))})))""",
        WCAG,
    )


def test_toggle_kids_and_seniors_modes_with_the_switch(page) -> None:
    """The display-mode switch on the page (not a URL typed in): kids mode puts furigana on
    the step, seniors mode large type and read-aloud; each remembered on the next step and
    free of axe-core violations."""
    page.goto(f"{page.base}{LESSON}/2")  # a fresh visitor: standard mode
    assert "mode-standard" in page.locator("html").get_attribute("class").split()
    assert page.locator("#step-title ruby, #step-text ruby").count() == 0
    assert page.locator("[data-read-aloud]").count() == 0
    standard_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    page.locator(".prefs a[data-mode='kids']").click()
    page.wait_for_url(re.compile(r"mode=kids"))
    assert "mode-kids" in page.locator("html").get_attribute("class").split()
    assert page.locator(".prefs a[data-mode='kids']").get_attribute("aria-current") == "true"
    # 扱 (千歯扱き) is not taught by grade 3: ruby with its reading over the step
    ruby = page.locator("#step-title ruby").first
    assert ruby.is_visible()
    assert page.locator("#step-title rt").first.inner_text().strip()
    assert page.locator("#step-text ruby").count() >= 1
    shown_when_still(page)
    assert _axe(page) == [], "kids"

    page.locator(".prefs a[data-mode='senior']").click()
    page.wait_for_url(re.compile(r"mode=senior"))
    assert "mode-senior" in page.locator("html").get_attribute("class").split()
    assert page.locator("#step-title ruby").count() == 0  # furigana are for kids mode
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    text_px = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('#step-text p')).fontSize)"
    )
    assert body_px >= 20 and text_px >= 20 and body_px > standard_px, (body_px, text_px)
    read = page.locator("[data-read-aloud]").first
    assert read.is_visible()
    assert "読み上げる" in read.inner_text()
    assert read.bounding_box()["height"] >= 44
    shown_when_still(page)
    assert _axe(page) == [], "senior"

    # the choice is remembered (cookie) on the next step, reached with the big button
    page.locator("#nav-next").click()
    page.wait_for_url(re.compile(f"{LESSON}/3"))
    assert "mode-senior" in page.locator("html").get_attribute("class").split()
    assert page.locator("[data-read-aloud]").first.is_visible()

    page.locator(".prefs a[data-mode='standard']").click()
    page.wait_for_url(re.compile(r"mode=standard"))
    assert page.locator("[data-read-aloud]").count() == 0
    shown_when_still(page)
    assert _axe(page) == [], "standard"


@pytest.mark.parametrize("mode", ["standard", "senior", "kids"])
def test_search_shows_lessons_without_accessibility_violations(page, mode: str) -> None:
    page.goto(f"{page.base}/search?q=千歯扱き&mode={mode}")
    group = page.locator(".curation-hits")
    assert group.is_visible()
    page.locator(".curation-part a").first.click()  # to the step where it is taught
    page.wait_for_url(re.compile(f"{LESSON}/2"))
    page.go_back()
    assert _axe(page) == [], mode
