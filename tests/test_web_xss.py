"""Hostile text in the archive's own content is inert on every page.

A project whose sheet has a payload (``<script>``, ``"><img onerror=…>``, ``javascript:``
URLs …) in every text column, whose lesson and curated collection carry them in every field,
and whose kura.toml title carries one, is ingested for real. Then every page the viewer has
(every route of ``app.url_map``, filled with the project's ids, in every display mode and
language, plus every link found on those pages) must show the payloads escaped: no payload
verbatim, no inline script, no event-handler attribute, no ``javascript:`` link. One check
in Debian's Chromium confirms that no dialog opens and no injected element exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from archive.config import load_config
from archive.project import init_project, toml_string
from kura.cli import cli
from tests.conftest import import_or_missing, make_scan, needs, write_sheet
from tests.rendered import documents
from tests.viewer_demo import running
from tests.web_checks import (
    PAYLOADS,
    converter_kinds,
    fill,
    get_rules,
    injection_problems,
    without_jsonld,
)
from viewer import create_app

SCRIPT = "<script>window.__xss=1;alert(1)</script>"
IMG = '"><img src=x id=injected onerror="window.__xss=1;alert(1)">'
SVG = "'><svg id=injected onload=alert(1)>"
JS_URL = "javascript:window.__xss=1;alert(1)"
HOSTILE = (SCRIPT, IMG, SVG, JS_URL, *PAYLOADS)
ITEM = "xss-item"
PLAIN = "xss-plain"
LESSON = "xss-lesson"
COLLECTION = "xss-collection"
TEXT_COLUMNS = (
    "名称",
    "名称_カナ",
    "名称_英語",
    "文化財分類",
    "種類",
    "資料種別",
    "年代",
    "概要",
    "概要_英語",
    "説明",
    "説明_英語",
    "場所名称",
    "住所",
    "員数（単位）",
    "所有者等",
    "キーワード",
    "備考",
)


def hostile(n: int) -> str:
    """Every payload, rotated so that each column starts with a different one."""
    k = n % len(HOSTILE)
    return " 武蔵村山 ".join(HOSTILE[k:] + HOSTILE[:k])


def yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON strings are YAML flow scalars


LESSON_TEXT = f"""---
title: {yaml_string("学習 " + SCRIPT)}
title_reading: {yaml_string("がくしゅう " + IMG)}
title_en: {yaml_string("Lesson " + SVG)}
grade: 3
subject: {yaml_string("社会 " + SCRIPT)}
audience: kids
summary: {yaml_string("概要 " + IMG + " " + JS_URL)}
summary_en: {yaml_string("Summary " + SCRIPT)}
cover: {ITEM}
readings:
  武蔵村山: {yaml_string(SCRIPT)}
---

## 見出し {SCRIPT}
item: {ITEM}
page: 1
region: 0,0,200,150

本文の {SCRIPT} と {IMG} と [リンク]({JS_URL}) と [外]("onmouseover="alert(1)) と
<img src=x onerror=alert(1)> と [題](https://example.com "a>漢字 x&quot; onmouseover=alert(1) y=&quot;")。
{{武蔵|{SCRIPT}}} の読み。

question: 質問 {IMG}
- [ ] 選択 {SCRIPT}
- [x] 正解 {SVG}
explain: 説明 {SCRIPT}
hint: ヒント {IMG}
closer: 10,10,50,50

## 二つめ {SVG}
item: {ITEM}
page: 1

question: 書こう {SCRIPT}
"""

COLLECTION_TEXT = f"""title = {toml_string("コレクション " + SCRIPT)}
title_reading = "これくしょん"
title_en = {toml_string("Collection " + IMG)}
audience = "seniors"
description = {toml_string("説明 " + SCRIPT + " " + JS_URL)}
description_en = {toml_string("Description " + SVG)}

[[items]]
id = "{ITEM}"
note = {toml_string("メモ " + IMG + " " + SCRIPT + " " + JS_URL)}
"""


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss") / "proj"
    init_project(root, f"文書館 {SCRIPT}", f"Archive {IMG}", holder_ja=f"所蔵 {SVG}", holder_en=IMG)
    assert load_config(root).title["ja"] == f"文書館 {SCRIPT}"  # kura init escapes for TOML
    row = {column: hostile(i) for i, column in enumerate(TEXT_COLUMNS)}
    rows = [
        {**row, "ID": ITEM, "画像ファイル": "page.png", "利用条件": "CC BY 4.0"},
        {**row, "ID": PLAIN, "利用条件": "CC0"},
        {"ID": "xss-rights-js", "名称": "権利 js", "利用条件": JS_URL},
        {"ID": "xss-rights-tag", "名称": "権利 tag", "利用条件": IMG},
    ]
    write_sheet(root, rows)
    make_scan(root / "scans" / "page.png", (400, 300), seed=3)
    (root / "lessons" / f"{LESSON}.md").write_text(LESSON_TEXT, encoding="utf-8")
    (root / "collections" / f"{COLLECTION}.toml").write_text(COLLECTION_TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "ingest", "-j", "1"])
    (root.parent / "ingest-output.txt").write_text(result.output, encoding="utf-8")
    # the two rows with a hostile rights value may be refused (one line each): the rest is in
    assert (root / "public" / "records" / f"{ITEM}.json").is_file(), result.output
    assert (root / "public" / "records" / f"{PLAIN}.json").is_file(), result.output
    return root


@pytest.fixture(scope="module")
def app(root: Path) -> Flask:
    return create_app(load_config(root), {"TESTING": False})


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client(use_cookies=False)


class _Links(HTMLParser):
    """The page's links, and the ids of its elements."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "href" and value:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def element_ids(page: str) -> set[str]:
    parser = _Links()
    parser.feed(page)
    return parser.ids


def links(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return [
        split.path + (f"?{split.query}" if split.query else "")
        for split in map(urlsplit, parser.links)
        if split.netloc in ("", "localhost") and split.path.startswith("/")
    ]


def start_pages(app: Flask, root: Path) -> list[str]:
    """Every route filled with the project's ids (a few in every mode and language)."""
    public = root / "public"
    ids = {
        "item_id": [ITEM, PLAIN, "xss-rights-js", "xss-rights-tag"],
        "lid": [LESSON],
        "cid": [COLLECTION, "top"],
        "n": [1, 2],
        "key": [f"{ITEM}/manifest.json", f"collection/{COLLECTION}.json", f"lesson/{LESSON}.json"],
        "filename": ["kura.css"],
    }
    assert documents(root).render(f"iiif/{ITEM}/manifest.json") is not None  # rendered
    assert not (public / "iiif" / f"{ITEM}" / "manifest.json").exists()  # never stored
    pages = []
    for rule in get_rules(app):
        names = list(converter_kinds(rule))
        combos = [{}]
        for name in names:
            combos = [{**c, name: v} for c in combos for v in ids.get(name, ["1"])]
        pages += [fill(rule, combo) for combo in combos]
    pages += [f"/search?q={q}" for q in ("script", "武蔵村山", "alert", "onerror", "xss")]
    pages += ["/api/search?q=script"]
    return pages


MODES = ("", "?mode=kids&grade=1", "?mode=senior&lang=en", "?lang=en", "?mode=kids&lang=en")


def with_mode(url: str, mode: str) -> str:
    if not mode:
        return url
    return url + ("&" if "?" in url else "?") + mode[1:]


SHOWN = (
    f"/items/{ITEM}",
    f"/items/{PLAIN}",
    f"/lessons/{LESSON}",
    f"/lessons/{LESSON}/1",
    f"/lessons/{LESSON}/2",
    f"/lessons/{LESSON}/summary",
    f"/lessons/{LESSON}/worksheet",
    f"/collections/{COLLECTION}",
    f"/iiif/collection/{COLLECTION}.json",
    f"/iiif/lesson/{LESSON}.json",
)


def test_hostile_metadata_is_inert_on_every_page(app: Flask, client: FlaskClient, root) -> None:
    for url in SHOWN:  # the hostile content was published: the pages below show it
        assert client.get(url).status_code == 200, url
    seen: set[str] = set()
    queue = [with_mode(p, m) for p in start_pages(app, root) for m in MODES]
    html_pages = 0
    while queue and len(seen) < 500:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        body = response.get_data()
        response.close()
        assert response.status_code < 500, url
        if response.mimetype != "text/html":
            continue
        html_pages += 1
        page = body.decode("utf-8")
        markup = without_jsonld(page)
        for payload in (SCRIPT, IMG, SVG, *PAYLOADS):
            if re.search(r"[<\"']", payload):
                assert payload not in markup, (url, payload)
        assert injection_problems(page) == [], url
        assert "injected" not in element_ids(page), url
        if response.status_code == 200 and not url.startswith(("/iiif/", "/static/")):
            queue += [link for link in links(page) if link not in seen]
    # the payloads did reach the pages (escaped): the test looked at the right thing
    item = client.get(f"/items/{ITEM}").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;" in item
    lesson = client.get(f"/lessons/{LESSON}/1?mode=kids&grade=1").get_data(as_text=True)
    assert "&lt;script&gt;" in lesson
    assert html_pages >= 100, html_pages
    print(f"\nxss: {html_pages} HTML pages ({len(seen)} URLs) checked, payloads escaped")


chromium = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def server(app: Flask) -> Iterator[str]:
    with running(lambda _url: app) as url:
        yield url


@needs(chromium.exists(), "Debian's chromium")
def test_no_script_runs_in_chromium(server: str) -> None:
    playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")
    pages = [
        f"/items/{ITEM}",
        f"/items/{ITEM}?lang=en&mode=senior",
        f"/items/{PLAIN}",
        "/search?q=武蔵村山",
        f"/lessons/{LESSON}",
        f"/lessons/{LESSON}/1?mode=kids&grade=1",
        f"/lessons/{LESSON}/1?choice=1",
        f"/lessons/{LESSON}/summary?mode=kids&grade=1",
        f"/lessons/{LESSON}/worksheet",
        f"/collections/{COLLECTION}",
        "/collections/",
        "/lessons/",
        "/",
    ]
    dialogs: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium))
        try:
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for path in pages:
                response = page.goto(server + path, wait_until="load")
                assert response is not None and response.status == 200, path
                page.wait_for_timeout(150)
                # pointer and focus events on every element, for any on* handler
                page.evaluate(
                    """() => document.querySelectorAll('*').forEach(e => {
                        for (const t of ['mouseover', 'mouseenter', 'focus', 'animationstart'])
                            e.dispatchEvent(new Event(t));
                    })"""
                )
                found = page.evaluate(
                    """() => ({
                        flag: window.__xss || null,
                        injected: document.querySelectorAll('#injected, svg[onload], [onerror]').length,
                        handlers: [...document.querySelectorAll('*')].filter(
                            e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
                        inline: [...document.scripts].filter(
                            s => !s.src && s.type !== 'application/ld+json').length,
                        data: [...document.scripts].filter(s => s.type === 'application/ld+json')
                            .every(s => { try { JSON.parse(s.textContent); return true; }
                                          catch (e) { return false; } }),
                        jsLinks: [...document.querySelectorAll('[href]')].filter(
                            e => /^\\s*javascript:/i.test(e.getAttribute('href'))).length,
                    })"""
                )
                assert found == {
                    "flag": None,
                    "injected": 0,
                    "handlers": 0,
                    "inline": 0,
                    "data": True,
                    "jsLinks": 0,
                }, (path, found)
        finally:
            browser.close()
    assert dialogs == []


def test_hostile_rights_are_refused_at_ingest(root: Path, client: FlaskClient) -> None:
    """A rights value that is markup or a javascript: URL is no rights statement: the row is
    refused with a one-line error naming the column, and no page exists for it."""
    output = (root.parent / "ingest-output.txt").read_text(encoding="utf-8")
    for item in ("xss-rights-js", "xss-rights-tag"):
        assert client.get(f"/items/{item}").status_code == 404
        lines = [line for line in output.splitlines() if item in line or "利用条件" in line]
        assert any("利用条件" in line for line in lines), output
