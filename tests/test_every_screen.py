"""Every page type, on every screen, for every reader (issue 13): real Chromium (Debian's,
driven by Playwright) walks home, search with hits and with none, an item with one page and
one with many, a lesson step, a worksheet, the lessons index, a collection and a 404, at four
viewports (390x844 phone, 768x1024 tablet, 1024x768 projector, 1280x800 laptop) in the
standard, kids (grade 3) and seniors modes, and checks on each:

- no horizontal overflow;
- the page's primary controls (search box; zoom; previous/next page; the lesson's question
  and つぎへ) inside the first screen or in a sticky bar;
- touch targets of at least 44 px in kids and seniors modes (inline links in running text
  are exempt, as in WCAG 2.5.8);
- seniors text of at least 20 px;
- no kanji above the chosen grade without ruby in kids mode, site chrome included;
- axe-core: no WCAG 2.1 A/AA violation;
- a focus indicator with at least 3:1 contrast against what surrounds it, measured from the
  computed styles of the first focus stops reached with the Tab key;
- nothing overlapping what it should not: cards and their notes, page sections, the footer.

One browser and one page per viewport and mode, reused for every page. With
``KURA_SCREENSHOTS=DIR`` the README's screenshots (home, item, lesson step in every mode at
phone and laptop size) are saved there; ``KURA_SCREEN_REPORT=FILE`` writes the measured
figures (header heights, smallest focus contrast, smallest target, smallest text) as JSON.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive.furigana import kanji_grade
from tests.conftest import REQUIRE_COMPONENTS, import_or_missing, needs
from tests.viewer_demo import chromium, demo_served

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "viewer/static/vendor/axe-core/axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
GRADE = 3
VIEWPORTS = [(390, 844), (768, 1024), (1024, 768), (1280, 800)]
MODES = ["standard", "kids", "senior"]
LESSON = "/lessons/mukashi-no-dogu"
SEARCH_BOX = "#header-q"
FIRST_HIT = ".hits > .hit:first-child .hit-title"  # before the matching lessons and collections

# page type → (path, the primary controls that must be on the first screen or in a sticky bar)
PAGES: dict[str, tuple[str, list[str]]] = {
    "home": ("/", [SEARCH_BOX]),
    "search": ("/search?q=日記", [SEARCH_BOX, "#q", FIRST_HIT]),
    "search-none": ("/search?q=zzqqxxyy", [SEARCH_BOX, "#q"]),
    "item": ("/items/mingu-senbakoki", ["#osd-zoom-in", "#osd-zoom-out"]),
    "item-pages": (
        "/items/sashida-nikki",
        ["#osd-zoom-in", "#osd-zoom-out", "#osd-prev", "#osd-next"],
    ),
    "step": (f"{LESSON}/2", ["#question-title", ".question-text", "#nav-next", "#nav-back"]),
    "worksheet": (f"{LESSON}/worksheet", [SEARCH_BOX]),
    "lessons": ("/lessons/", [SEARCH_BOX]),
    "collection": ("/collections/mukashi-no-murayama", [SEARCH_BOX]),
    "404": ("/items/no-such-item", [SEARCH_BOX]),
}
README_SHOTS = {"home", "item-pages", "step"}

pytestmark = needs(CHROMIUM.exists(), "Debian's chromium")

FIGURES: dict[str, object] = {"header": {}, "focus": {}, "target": {}, "text": {}}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium(playwright_api, CHROMIUM) as browser:
        yield browser
    report = os.environ.get("KURA_SCREEN_REPORT")
    if report:
        Path(report).write_text(json.dumps(FIGURES, ensure_ascii=False, indent=1), "utf-8")


# --- what is measured in the page (one script per check, returning problems as text) ------

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"

FIRST_SCREEN = """selectors => selectors.flatMap(sel => {
  const el = document.querySelector(sel);
  if (!el) return [`${sel}: missing`];
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return [`${sel}: not shown`];
  // a sticky or fixed bar holding it, and every other bar stuck to the window's bottom
  // below its top (the back/next bar; the lesson's question stuck above it) covers it
  let sticky = null;
  for (let n = el; n && n !== document.body; n = n.parentElement) {
    const pos = getComputedStyle(n).position;
    if (pos === "sticky" || pos === "fixed") { sticky = n; break; }
  }
  let bottom = window.innerHeight;
  document.querySelectorAll(".player-nav, .question-prompt").forEach(bar => {
    const top = bar.getBoundingClientRect().top;
    if (bar !== sticky && !bar.contains(el) && top >= r.top) bottom = Math.min(bottom, top);
  });
  if (r.top >= 0 && r.bottom <= bottom + 0.5) return [];
  return [`${sel}: at ${Math.round(r.top)}-${Math.round(r.bottom)}, first screen ends at ${Math.round(bottom)}`];
})"""

TARGETS = """() => {
  const out = [];
  let smallest = 1e9;
  const sel = 'a[href], button, input:not([type=hidden]), select, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  document.querySelectorAll(sel).forEach(el => {
    if (el.closest("[hidden], .visually-hidden, .skip-link, template")) return;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return;
    if (el.tagName === "A" && style.display === "inline") return;  // a link in running text
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return;
    const size = Math.min(r.width, r.height);
    smallest = Math.min(smallest, size);
    if (r.width < 43.5 || r.height < 43.5) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className} "${(el.textContent || el.title || "").trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  });
  return {problems: out.slice(0, 8), smallest: smallest};
}"""

TEXT_SIZES = """min => {
  const out = [];
  let smallest = 1e9;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.data.trim()) continue;
    const el = node.parentElement;
    if (el.closest("rt, rp, script, style, noscript, template, [hidden], .visually-hidden, .skip-link, svg")) continue;
    if (el.getClientRects().length === 0) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    smallest = Math.min(smallest, size);
    if (size < min - 0.01) out.push(`${el.tagName.toLowerCase()}.${el.className} "${node.data.trim().slice(0, 20)}" ${size}px`);
  }
  return {problems: out.slice(0, 8), smallest: smallest};
}"""

KANJI_WITHOUT_RUBY = """taught => {
  const out = [];
  const kanji = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
  const check = (text, where) => {
    const bad = [...text].filter(ch => kanji.test(ch) && !taught.includes(ch));
    if (bad.length) out.push(`${where}: ${bad.join("")} in "${text.trim().slice(0, 30)}"`);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el.closest("ruby, script, style, noscript, template, [hidden], .visually-hidden, .skip-link, code")) continue;
    if (el.getClientRects().length === 0 && el.tagName !== "OPTION") continue;
    check(node.data, el.tagName.toLowerCase() + (el.className ? "." + el.className : ""));
  }
  document.querySelectorAll("input[placeholder]").forEach(el => check(el.placeholder, "placeholder"));
  return out.slice(0, 10);
}"""

# The focused element's indicator (outline, else box-shadow) against the first opaque
# background around it: the ring is drawn outside the element, over its surroundings.
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1]; };
  let ring = null, width = 0;
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
    ring = parse(style.outlineColor); width = parseFloat(style.outlineWidth);
  } else if (style.boxShadow && style.boxShadow !== "none") {
    ring = parse(style.boxShadow); const m = style.boxShadow.match(/(\\d+(?:\\.\\d+)?)px\\s*$/) || style.boxShadow.match(/ (\\d+(?:\\.\\d+)?)px(?!.*px)/); width = m ? parseFloat(m[1]) : 0;
  }
  let bg = [255, 255, 255, 1];
  for (let n = el.parentElement; n; n = n.parentElement) {
    const c = parse(getComputedStyle(n).backgroundColor);
    if (c && c[3] > 0.5) { bg = c; break; }
  }
  const lum = c => { const f = x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.textContent || "").trim().slice(0, 16)}"`;
  if (!ring) return {name: name, contrast: 0, width: 0};
  const a = lum(ring), b = lum(bg);
  return {name: name, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), width: width};
}"""

# Boxes that must not overlap: the sections of the page, cards in a grid, the footer; and
# a card's contents (its note) stay inside the card.
OVERLAPS = """() => {
  const out = [];
  const box = el => el.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const shown = el => { const r = box(el); return r.width > 0 && r.height > 0 && getComputedStyle(el).position !== "absolute"; };
  const name = el => `${el.tagName.toLowerCase()}.${el.className}`.slice(0, 40);
  const groups = [document.querySelectorAll("main > *"), ...[...document.querySelectorAll(".item-grid, .lesson-grid, .hits, .summary-list, .player-body")].map(g => g.children)];
  groups.forEach(group => {
    const els = [...group].filter(shown);
    els.forEach((a, i) => els.slice(i + 1).forEach(b => {
      if (getComputedStyle(a).position === "sticky" || getComputedStyle(b).position === "sticky") return;
      if (hit(box(a), box(b))) out.push(`${name(a)} overlaps ${name(b)}`);
    }));
  });
  document.querySelectorAll(".item-card, .lesson-card").forEach(card => {
    const c = box(card);
    card.querySelectorAll("*").forEach(el => { const r = box(el);
      if (r.height > 0 && (r.bottom > c.bottom + 1 || r.right > c.right + 1)) out.push(`${name(el)} spills out of its card`); });
  });
  const footer = document.querySelector(".site-footer");
  const main = document.querySelector("main");
  if (footer && main) {
    const top = box(footer).top;
    main.querySelectorAll("*").forEach(el => {
      if (!shown(el) || el.closest(".player-nav, .openseadragon-container")) return;
      if (box(el).bottom > top + 1) out.push(`${name(el)} runs into the footer`);
    });
  }
  return [...new Set(out)].slice(0, 8);
}"""


def taught_kanji() -> str:
    """Every kanji taught by the end of GRADE (学年別漢字配当表); any other kanji on a
    kids-mode page needs a ruby."""
    from archive.furigana import _grades

    return "".join(ch for ch, g in _grades().items() if g <= GRADE)


class Screen:
    """One browser page at one viewport and mode, reused for every page type."""

    def __init__(self, browser, base: str, viewport: tuple[int, int], mode: str) -> None:
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.base, self.viewport, self.mode = base, viewport, mode
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str) -> None:
        sep = "&" if "?" in path else "?"
        query = f"mode={self.mode}" + (f"&grade={GRADE}" if self.mode == "kids" else "")
        self.page.goto(f"{self.base}{path}{sep}{query}", wait_until="load")
        self.page.wait_for_function("document.fonts.status === 'loaded'")
        if self.page.locator(".osd, .lesson-osd").count():
            self.page.wait_for_selector(".openseadragon-canvas", timeout=10_000)
            self.page.wait_for_timeout(300)

    def focus_stops(self, count: int = 14) -> list[dict]:
        """Tab from the top of the page through the first ``count`` focus stops."""
        self.page.evaluate(
            "window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()"
        )
        self.page.locator("body").focus()
        stops = []
        for _ in range(count):
            self.page.keyboard.press("Tab")
            stop = self.page.evaluate(FOCUS)
            if stop:
                stops.append(stop)
        self.page.evaluate("window.scrollTo(0, 0)")
        return stops


def check_page(screen: Screen, name: str, axe: str, taught: str) -> list[str]:
    path, primary = PAGES[name]
    screen.open(path)
    page, mode = screen.page, screen.mode
    key = f"{name} {mode} {screen.viewport[0]}x{screen.viewport[1]}"
    problems: list[str] = []

    overflow = page.evaluate(OVERFLOW)
    if overflow > 0:
        problems.append(f"{overflow}px wider than the window")
    header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    FIGURES["header"][f"{mode} {screen.viewport[0]}x{screen.viewport[1]}"] = round(header)
    if name == "step" and screen.viewport[0] >= 768:
        primary = [*primary, "#lesson-zoom-in", "#closer-button"]  # not under the sticky bar
    if name == "step":
        # the step's title too; on a phone the question sticks above the back/next bar
        # until the reader scrolls down to it, and must not hide the title
        primary = [*primary, "#step-title"]
    problems += page.evaluate(FIRST_SCREEN, primary)

    if mode in ("kids", "senior"):
        targets = page.evaluate(TARGETS)
        FIGURES["target"][key] = round(targets["smallest"], 1)
        problems += [f"small target: {t}" for t in targets["problems"]]
    if mode == "senior":
        text = page.evaluate(TEXT_SIZES, 20)
        FIGURES["text"][key] = text["smallest"]
        problems += [f"small text: {t}" for t in text["problems"]]
    if mode == "kids":
        problems += [
            f"kanji above grade {GRADE} without ruby: {t}"
            for t in page.evaluate(KANJI_WITHOUT_RUBY, taught)
        ]

    problems += page.evaluate(OVERLAPS)

    page.evaluate(axe)  # by the DevTools protocol: the CSP stays in force
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
            .then(r => r.violations.map(v => `${v.id}: ` + v.nodes.slice(0, 2).map(n => n.html.slice(0, 100)).join(" | ")))""",
        WCAG,
    )
    problems += [f"axe {v}" for v in violations]

    if README_SHOTS and name in README_SHOTS and screen.viewport in ((390, 844), (1280, 800)):
        folder = os.environ.get("KURA_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}-{mode}-{screen.viewport[0]}.png"))

    stops = screen.focus_stops()
    for stop in stops:
        if stop["contrast"] < 3 or stop["width"] < 2:
            problems.append(
                f"focus indicator of {stop['name']}: {stop['contrast']:.2f}:1, {stop['width']}px"
            )
    if stops:
        FIGURES["focus"][key] = round(min(s["contrast"] for s in stops), 2)
    return [f"{key}: {p}" for p in problems]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def test_every_page_on_this_screen(browser, base_url: str, viewport, mode: str) -> None:
    axe = AXE.read_text(encoding="utf-8")
    taught = taught_kanji()
    screen = Screen(browser, base_url, viewport, mode)
    try:
        problems: list[str] = []
        for name in PAGES:
            problems += check_page(screen, name, axe, taught)
        assert problems == [], "\n".join(problems)
        assert screen.errors == []
    finally:
        screen.context.close()


def test_the_taught_kanji_are_the_grade_table() -> None:
    """The page script's taught kanji come from the furigana's own table: 440 by grade 3."""
    taught = taught_kanji()
    assert len(taught) == 440 and "山" in taught and kanji_grade("模") == 6
    assert "模" not in taught and "扱" not in taught


PRINT_SIZES = """() => {
  const sizes = {text: 1e9, ruby: 1e9};
  const walker = document.createTreeWalker(document.querySelector(".worksheet"), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || el.closest(".screen-only, .grade-switch, rp, [hidden]")) continue;
    if (el.getClientRects().length === 0) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    const kind = el.closest("rt") ? "ruby" : "text";
    sizes[kind] = Math.min(sizes[kind], px * 0.75);  // CSS px to pt
  }
  return sizes;
}"""


@pytest.mark.parametrize("mode", MODES)
def test_the_worksheet_prints_on_two_a4_pages(browser, base_url: str, mode: str) -> None:
    """Chromium's own PDF of the worksheet: A4, at most two pages, body text 14 pt or more
    and furigana 8 pt or more in kids mode (sizes from the print styles' computed values)."""
    import shutil
    import subprocess

    page = browser.new_page()
    try:
        query = f"mode={mode}" + (f"&grade={GRADE}" if mode == "kids" else "")
        page.goto(f"{base_url}{LESSON}/worksheet?{query}", wait_until="networkidle")
        page.emulate_media(media="print")
        sizes = page.evaluate(PRINT_SIZES)
        pdf = page.pdf(prefer_css_page_size=True)
    finally:
        page.close()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    box = [float(x) for x in re.search(rb"/MediaBox\s*\[([^\]]*)\]", pdf)[1].split()]
    FIGURES.setdefault("worksheet", {})[mode] = {"pages": pages, **sizes}
    assert 1 <= pages <= 2
    assert abs(box[2] - 595.3) < 1.5 and abs(box[3] - 841.9) < 1.5, box  # A4 in points
    assert sizes["text"] >= 14 - 0.01, sizes
    if mode == "kids":
        assert 8 - 0.01 <= sizes["ruby"] < 100, sizes
    if shutil.which("pdfinfo"):  # poppler's own reading of the same file (make test installs it)
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True)
        assert re.search(rb"Pages:\s+[12]\n", info.stdout), info.stdout
        assert b"(A4)" in info.stdout, info.stdout
    elif REQUIRE_COMPONENTS:
        pytest.fail("pdfinfo (poppler-utils) is missing, but `make test` installs it")


SPOKEN = """() => { const b = document.querySelector("[data-read-aloud]"); b.click();
  const text = b.getAttribute("data-spoken"); b.click(); return [text, b.getAttribute("data-lang")]; }"""


def test_read_aloud_speaks_the_content_in_the_pages_language(browser, base_url: str) -> None:
    """Read-aloud hands the voice the item's title, summary and description (or the lesson's
    text) in the page's language: no buttons, no ID, no furigana, no English in a Japanese
    voice; its icon is an SVG, and no page uses emoji."""
    page = browser.new_page()
    try:
        page.goto(f"{base_url}/items/mingu-senbakoki?mode=senior&lang=ja")
        spoken, lang = page.evaluate(SPOKEN)
        assert lang == "ja" and spoken.startswith("千歯扱き。稲や麦の穂を"), spoken
        for word in ("コピー", "拡大", "読み上げ", "mingu-senbakoki", "Thresher"):
            assert word not in spoken
        assert page.locator("[data-read-aloud] svg").count() == 1
        page.goto(f"{base_url}/items/mingu-senbakoki?mode=senior&lang=en")
        spoken, lang = page.evaluate(SPOKEN)
        assert lang == "en" and spoken.startswith("Senba-koki (Comb Thresher). A threshing"), spoken
        assert not re.search("[\u3040-\u30ff\u4e00-\u9fff]", spoken)
        page.goto(f"{base_url}{LESSON}/2?mode=kids&grade={GRADE}&lang=ja")
        spoken, lang = page.evaluate(SPOKEN)
        assert spoken.startswith("千歯扱き（せんばこき）。横にならんだ") and "しご" not in spoken
        assert "もっと近く" not in spoken and "つぎへ" not in spoken
        for path in (
            "/",
            "/items/mingu-senbakoki",
            f"{LESSON}/2",
            "/collections/mukashi-no-murayama",
        ):
            page.goto(f"{base_url}{path}?mode=senior")
            html = page.content()
            assert not re.search("[\U0001f000-\U0001faff\u2600-\u27bf]", html), path
    finally:
        page.close()


def test_teachers_pick_a_region_for_a_lesson_step(browser, base_url: str) -> None:
    """Zoom into an item and the page offers the step to paste into a lesson file: item,
    page and the region on screen in page pixels (the same numbers the player zooms to)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1440})
    try:
        page.goto(f"{base_url}/items/sashida-nikki?mode=standard&lang=ja")
        page.wait_for_function("() => window.kuraViewer && window.kuraViewer.world.getItemCount()")
        page.click('.strip-page[data-page="2"]')
        page.wait_for_function("document.getElementById('osd-status').textContent === '2 / 6'")
        for _ in range(3):
            page.click("#osd-zoom-in")
        page.wait_for_timeout(1500)
        page.locator("#region-picker summary").click()
        step = page.input_value("#region-step")
        match = re.fullmatch(
            r"## （ステップの題）\nitem: sashida-nikki\npage: 2\nregion: (\d+),(\d+),(\d+),(\d+)\n",
            step,
        )
        assert match, step
        x, y, w, h = map(int, match.groups())
        size = page.evaluate("window.kuraViewer.world.getItemAt(0).getContentSize()")
        assert 0 < w < size["x"] / 2 and 0 < h < size["y"] / 2  # zoomed in: a detail
        assert x + w <= size["x"] and y + h <= size["y"]
        assert page.text_content("#region-xywh") == f"{x},{y},{w},{h}"
    finally:
        page.close()


# The drawn rectangle in page pixels, worked out here from where the page's image lies on
# screen (not by the viewer script's own conversion).
EXPECTED_REGION = """([x0, y0, x1, y1]) => {
  const viewer = window.kuraViewer, item = viewer.world.getItemAt(0);
  const size = item.getContentSize();
  const shown = viewer.viewport.viewportToViewerElementRectangle(item.getBounds(true));
  const frame = viewer.element.getBoundingClientRect();
  const px = x => (x - frame.left - shown.x) * size.x / shown.width;
  const py = y => (y - frame.top - shown.y) * size.y / shown.height;
  return [px(x0), py(y0), px(x1) - px(x0), py(y1) - py(y0)];
}"""


def test_teachers_draw_a_region_on_the_image(browser, base_url: str) -> None:
    """A teacher presses "draw", drags over the picture: a rectangle is drawn where the mouse
    went (an overlay on the image, kept within the CSP) and its x,y,w,h in page pixels are
    those of the drag, in the lesson step ready to paste; the view did not move meanwhile."""
    page = browser.new_page(viewport={"width": 1280, "height": 1440})  # picture and panel
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    try:
        page.goto(f"{base_url}/items/sashida-nikki?mode=standard&lang=ja")
        page.wait_for_function("() => window.kuraViewer && window.kuraViewer.world.getItemCount()")
        page.click('.strip-page[data-page="2"]')
        page.wait_for_function("document.getElementById('osd-status').textContent === '2 / 6'")
        page.wait_for_timeout(1200)
        page.locator("#region-picker summary").click()
        page.click("#region-draw")
        assert page.get_attribute("#region-draw", "aria-pressed") == "true"
        page.wait_for_timeout(300)
        before = page.evaluate("JSON.stringify(window.kuraViewer.viewport.getBounds(true))")
        frame = page.locator("#osd").bounding_box()
        x0, y0 = frame["x"] + frame["width"] * 0.35, frame["y"] + frame["height"] * 0.3
        x1, y1 = x0 + 160, y0 + 120
        expected = page.evaluate(EXPECTED_REGION, [x0, y0, x1, y1])
        page.mouse.move(x0, y0)
        page.mouse.down()
        for step in range(1, 9):
            page.mouse.move(x0 + (x1 - x0) * step / 8, y0 + (y1 - y0) * step / 8)
        page.mouse.up()
        page.wait_for_timeout(300)
        assert page.evaluate("JSON.stringify(window.kuraViewer.viewport.getBounds(true))") == before
        # the rectangle on screen covers the drag
        drawn = page.locator(".region-box").bounding_box()
        assert drawn, "no rectangle drawn"
        for got, want in ((drawn["x"], x0), (drawn["y"], y0), (drawn["width"], 160)):
            assert abs(got - want) <= 3, (drawn, x0, y0)
        assert abs(drawn["height"] - 120) <= 3, drawn
        assert page.locator(".region-box").evaluate("e => getComputedStyle(e).borderTopWidth") == (
            "3px"
        )
        # its coordinates: the drag in page pixels, within a pixel of the screen's rounding
        xywh = [int(v) for v in page.text_content("#region-xywh").split(",")]
        scale = expected[2] / 160  # page pixels per screen pixel
        for got, want in zip(xywh, expected, strict=True):
            assert abs(got - want) <= scale + 1, (xywh, expected)
        step = page.input_value("#region-step")
        assert step == (
            f"## （ステップの題）\nitem: sashida-nikki\npage: 2\nregion: {','.join(map(str, xywh))}\n"
        )
        folder = os.environ.get("KURA_SCREENSHOTS")
        if folder:  # the lessons guide's picture of the picker
            page.evaluate("document.querySelector('.viewer-toolbar').scrollIntoView()")
            page.wait_for_timeout(300)
            page.screenshot(path=str(Path(folder) / "teachers-region.png"))
        # another page: the rectangle goes with its page
        page.click('.strip-page[data-page="3"]')
        page.wait_for_function("document.getElementById('osd-status').textContent === '3 / 6'")
        assert page.locator(".region-box").count() == 0
        assert errors == []
    finally:
        page.close()


def test_the_site_css_spaces_with_the_spacing_scale() -> None:
    """Margins, paddings and gaps in the site's CSS come from the spacing scale defined once
    in kura.css (the design system's 4/8 px steps), not from lengths scattered through it;
    only 0, auto, em (relative to the text) and the worksheet's print millimetres remain."""
    static = Path(__file__).resolve().parents[1] / "viewer/static"
    scale = re.findall(r"--spacing-(\d+):\s*([\d.]+)rem;", (static / "kura.css").read_text())
    assert [int(px) for px, _ in scale] == [2, 4, 8, 12, 16, 20, 24, 32, 48]
    assert all(float(rem) * 16 == int(px) for px, rem in scale)
    declaration = re.compile(
        r"(?<![\w-])(?:margin|padding|gap|row-gap|column-gap)[\w-]*\s*:\s*([^;}]+)"
    )
    stray = []
    for name in ("kura.css", "lessons.css"):
        css = re.sub(r"/\*.*?\*/", "", (static / name).read_text(), flags=re.S)
        for value in declaration.findall(css):
            rest = re.sub(r"var\(--spacing-\d+\)|calc\(-1 \* var\(--spacing-\d+\)\)", "", value)
            if re.search(r"\d(?:px|rem|vh|vw|%)", rest):
                stray.append(f"{name}: {value.strip()}")
    assert stray == []
