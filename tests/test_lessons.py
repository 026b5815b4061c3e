"""Lesson and curated-collection files: parsing, every error with its file and line, safe
Markdown, compiling into valid IIIF, and the player's pages (Flask test client, demo archive)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import jsonschema
import pytest

from archive.config import load_config
from archive.curated import check_collection, parse_collection
from archive.curation_files import LessonError
from archive.lesson_markdown import render_markdown
from archive.lessons import check_lesson, parse_lesson
from archive.model import Page, Record
from manifests.lesson import build_curated_collection, build_lesson_manifest
from manifests.urls import Urls
from tests.rendered import all_documents
from tests.viewer_demo import build_demo_once
from viewer import create_app

GOOD = """---
title: むかしの道具
title_reading: むかしのどうぐ
grade: 3
subject: 社会
audience: kids
summary: 道具を見よう。
cover: tool
readings: {千歯扱き: せんばこき}
---

## 千歯扱き
item: tool
page: 1
region: 10,20,300,200

鉄の**歯**が{唐箕|とうみ}とちがいます。

question: 何に使ったでしょう？
- [ ] 米をたく
- [x] 穂から実を落とす
explain: 歯のあいだで引きます。
hint: 歯をかぞえよう。
closer: 50,50,100,100

## 二つめ
item: tool
page: 2

question: 思ったことを書こう。
"""

RECORDS = {
    "tool": Record(
        id="tool",
        title="千歯扱き",
        rights="http://creativecommons.org/licenses/by/4.0/",
        pages=(
            Page(1, "p1", "scans/tool-1.jpg", 0, 800, 600, ((400, 300),)),
            Page(2, "p2", "scans/tool-2.jpg", 0, 500, 500, ((250, 250),)),
        ),
    ),
    "no-image": Record(id="no-image", title="記録だけ"),
}


def test_a_lesson_file_is_read() -> None:
    lesson = parse_lesson(GOOD, "lessons/dogu.md")
    assert lesson.id == "dogu"
    assert (lesson.title, lesson.title_reading, lesson.grade, lesson.audience) == (
        "むかしの道具",
        "むかしのどうぐ",
        3,
        "kids",
    )
    assert len(lesson.steps) == 2
    first, second = lesson.steps
    assert (first.title, first.item, first.page, first.region) == (
        "千歯扱き",
        "tool",
        1,
        (10, 20, 300, 200),
    )
    assert first.html == "<p>鉄の<strong>歯</strong>が唐箕とちがいます。</p>"
    assert first.question.choices == ["米をたく", "穂から実を落とす"]
    assert first.question.answer == 1
    assert first.question.explain == "歯のあいだで引きます。"
    assert (first.hint, first.closer) == ("歯をかぞえよう。", (50, 50, 100, 100))
    assert lesson.readings == {"唐箕": "とうみ", "千歯扱き": "せんばこき"}
    assert second.page == 2 and second.region is None
    assert second.question.choices == [] and second.question.answer is None
    assert check_lesson(lesson, RECORDS) == []


def test_markdown_is_sanitised() -> None:
    html = render_markdown(
        "<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org) "
        "![i](https://example.org/a.png) <b onclick=x>b</b>"
    )
    tags = " ".join(re.findall(r"<[^>]+>", html))
    assert "script" not in tags and "onclick" not in tags and "javascript:" not in tags
    assert "&lt;script&gt;" in html  # raw HTML is shown as text, never run
    assert "<img" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in html


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (lambda t: t.replace("---\n", "", 1), 1, "front matter"),
        (lambda t: t.replace("grade: 3", "grade: 9"), 4, "grade must be 1 to 6"),
        (lambda t: t.replace("audience: kids", "audience: adults"), 6, "audience must be one of"),
        (lambda t: t.replace("subject: 社会", "colour: red"), 5, "unknown front matter key"),
        (lambda t: t.replace("summary: 道具を見よう。", "summary: a: b"), 7, "not valid YAML"),
        (lambda t: t.replace("item: tool\npage: 1", "page: 1"), 12, "step has no item"),
        (lambda t: t.replace("page: 2", "page: two"), 28, "page must be a number"),
        (lambda t: t.replace("region: 10,20,300,200", "region: 10,20,300"), 15, "x,y,w,h"),
        (lambda t: t.replace("- [ ] 米をたく", "- [x] 米をたく"), 21, "two choices are marked"),
        (lambda t: t.replace("- [ ] 米をたく\n", ""), 19, "two choices or none"),
        (lambda t: t.replace("hint: 歯をかぞえよう。", "あとがき"), 23, "text after the question"),
    ],
)
def test_errors_name_the_file_and_line(change, line: int, words: str) -> None:
    with pytest.raises(LessonError) as err:
        parse_lesson(change(GOOD), "lessons/dogu.md")
    assert str(err.value).startswith(f"lessons/dogu.md:{line}: "), str(err.value)
    assert words in str(err.value)


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (
            lambda t: t.replace("item: tool\npage: 1", "item: nothing\npage: 1"),
            13,
            "unknown item 'nothing'",
        ),
        (lambda t: t.replace("page: 2", "page: 3"), 28, "has no page 3 (it has 2)"),
        (
            lambda t: t.replace("10,20,300,200", "600,20,300,200"),
            15,
            "region is outside the page (800×600",
        ),
        (lambda t: t.replace("50,50,100,100", "50,550,100,100"), 24, "closer is outside the page"),
        (lambda t: t.replace("cover: tool", "cover: gone"), 8, "unknown cover item 'gone'"),
    ],
)
def test_archive_problems_name_the_file_and_line(change, line: int, words: str) -> None:
    problems = check_lesson(parse_lesson(change(GOOD), "lessons/dogu.md"), RECORDS)
    assert len(problems) == 1
    assert problems[0].line == line and words in problems[0].message, problems[0]
    assert problems[0].text().startswith(f"lessons/dogu.md:{line}: ")


COLLECTION = """title = "むかしの村山"
audience = "seniors"
description = "絵図と写真。"

[[items]]
id = "tool"
note = "脱穀の道具。"

[[items]]
id = "no-image"
"""


def test_a_collection_file_is_read_and_checked() -> None:
    collection = parse_collection(COLLECTION, "collections/murayama.toml")
    assert collection.items == [("tool", "脱穀の道具。"), ("no-image", "")]
    problems = check_collection(collection, RECORDS)
    assert [(p.line, "no images" in p.message) for p in problems] == [(10, True)]
    md = parse_collection(
        "---\ntitle: 道具\nitems:\n  - tool\n---\n説明です。\n", "collections/d.md"
    )
    assert (md.items, md.description) == ([("tool", "")], "説明です。")
    with pytest.raises(LessonError, match=r"collections/x.toml:1: .*no title"):
        parse_collection('audience = "all"\n', "collections/x.toml")


class _Config:
    provider: ClassVar[dict] = {"label": {"ja": "武蔵村山市", "en": ""}}


def test_compiled_documents_are_valid_iiif(iiif_schema) -> None:
    urls = Urls("https://archive.example.jp")
    lesson = parse_lesson(GOOD, "lessons/dogu.md")
    manifest = build_lesson_manifest(lesson, RECORDS, _Config(), urls)
    validator = jsonschema.Draft7Validator(iiif_schema)
    assert not list(validator.iter_errors(manifest))
    canvas = manifest["items"][0]
    assert manifest["start"] == {"id": canvas["id"], "type": "Canvas"}
    comments = canvas["annotations"][0]["items"]
    assert {c["motivation"] for c in comments} == {"commenting"}
    assert comments[0]["target"] == f"{canvas['id']}#xywh=10,20,300,200"
    assert comments[-1]["target"] == f"{canvas['id']}#xywh=50,50,100,100"  # the hint
    assert canvas["items"][0]["items"][0]["body"]["service"][0]["id"] == urls.image_service(
        "tool", "p1"
    )
    collection = parse_collection(COLLECTION, "collections/murayama.toml")
    doc = build_curated_collection(collection, RECORDS, _Config(), urls)
    assert not list(validator.iter_errors(doc))
    assert [ref["id"] for ref in doc["items"]] == [urls.manifest("tool")]


# --- the demo archive through the viewer ----------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_once(tmp_path_factory)


@pytest.fixture(scope="module")
def client(demo: Path):
    return create_app(
        load_config(demo), {"TESTING": True}, listening=("http://localhost",)
    ).test_client()


def test_demo_documents_are_valid(demo: Path, iiif_schema) -> None:
    """Every Presentation document of the demo (rendered: the store holds none), the lesson
    manifests and curated collections among them, validates."""
    validator = jsonschema.Draft7Validator(iiif_schema)
    docs = {k: v for k, v in all_documents(demo).items() if k.startswith("iiif/")}
    assert {
        "iiif/lesson/mukashi-no-dogu.json",
        "iiif/lesson/oshima-tsumugi.json",
        "iiif/collection/mukashi-no-murayama.json",
        "iiif/collection/top.json",
    } <= set(docs)
    assert not (demo / "public" / "iiif" / "lesson").exists()
    for key, document in docs.items():
        errors = list(validator.iter_errors(document))
        assert not errors, (key, errors[0].message)


def test_lessons_index_and_intro(client) -> None:
    page = client.get("/lessons/").get_data(as_text=True)
    assert "むかしの道具とくらし" in page and "村山大島紬ができるまで" in page
    intro = client.get("/lessons/oshima-tsumugi").get_data(as_text=True)
    assert (
        'href="/lessons/oshima-tsumugi/1"' in intro and "/lessons/oshima-tsumugi/worksheet" in intro
    )
    assert "学習" in client.get("/").get_data(as_text=True)


def test_a_step_page(client) -> None:
    page = client.get("/lessons/mukashi-no-dogu/2?mode=standard").get_data(as_text=True)
    assert "2 / 7" in page
    assert 'data-region="150,200,1700,1150"' in page and 'data-closer="380,260,640,470"' in page
    assert 'href="/lessons/mukashi-no-dogu/1" rel="prev"' in page
    assert 'href="/lessons/mukashi-no-dogu/3" rel="next"' in page
    assert "<ruby>" not in page
    last = client.get("/lessons/mukashi-no-dogu/7").get_data(as_text=True)
    assert 'href="/lessons/mukashi-no-dogu/summary" rel="next"' in last
    assert client.get("/lessons/mukashi-no-dogu/8").status_code == 404
    assert client.get("/lessons/mukashi-no-dogu/0").status_code == 404
    assert client.get("/lessons/nothing/1").status_code == 404


def test_answers_without_javascript(client) -> None:
    right = client.get("/lessons/mukashi-no-dogu/2?choice=0").get_data(as_text=True)
    assert 'class="fb-right"' in right.split('id="feedback"')[1].split("<template")[0]
    wrong = client.get("/lessons/mukashi-no-dogu/2?choice=2").get_data(as_text=True)
    assert 'class="fb-again"' in wrong.split('id="feedback"')[1].split("<template")[0]


def test_kids_mode_furigana_follows_the_grade(client) -> None:
    grade3 = client.get("/lessons/mukashi-no-dogu/2?mode=kids&grade=3").get_data(as_text=True)
    assert "<ruby>稲<rp>(</rp><rt>いね</rt><rp>)</rp></ruby>" in grade3
    assert "<ruby>道具" not in grade3  # 道 (2) and 具 (3) are taught by grade 3
    grade1 = client.get("/lessons/mukashi-no-dogu/2?mode=kids&grade=1").get_data(as_text=True)
    assert "<ruby>道具<rp>(</rp><rt>どうぐ</rt><rp>)</rp></ruby>" in grade1
    assert 'aria-current="true">1年' in grade1


def test_summary_and_worksheet(client) -> None:
    summary = client.get("/lessons/oshima-tsumugi/summary").get_data(as_text=True)
    assert summary.count('class="still"') == 6
    sheet = client.get("/lessons/oshima-tsumugi/worksheet?mode=kids").get_data(as_text=True)
    assert sheet.count('class="ws-write"') == 1  # one per open question; choices are ticked
    assert 'viewBox="900 800 800 700"' in sheet
    assert "<ruby>" in sheet


def test_the_senior_collection(client) -> None:
    page = client.get("/collections/mukashi-no-murayama?mode=senior").get_data(as_text=True)
    assert "絵図と写真で見るむかしの村山" in page
    assert "/items/sayama-muraezu" in page
    assert 'class="card-note"' in page and "金属供出を免れ" in page  # the curator's notes
    assert 'data-read-aloud="#collection-text"' in page


def test_worksheet_stills_are_sharp_and_every_picture_exists(client) -> None:
    """A level-0 server has no arbitrary regions: a still is a listed size of the page when
    that is sharp enough, else the tiles of the coarsest level that is. Every picture exists,
    is the size it is drawn at (in level pixels), and together they cover the region."""
    from io import BytesIO

    from PIL import Image

    image_tag = re.compile(
        r'<image href="http://localhost(?P<path>[^"]+)" x="(?P<x>\d+)" y="(?P<y>\d+)" '
        r'width="(?P<w>\d+)" height="(?P<h>\d+)"'
    )
    tiled = 0
    for lid in ("mukashi-no-dogu", "oshima-tsumugi"):
        sheet = client.get(f"/lessons/{lid}/worksheet").get_data(as_text=True)
        for svg in re.findall(r'<svg class="still".*?</svg>', sheet, re.S):
            left, top, width, height = map(int, re.search(r'viewBox="([\d ]+)"', svg)[1].split())
            pictures = [m.groupdict() for m in image_tag.finditer(svg)]
            assert pictures, svg
            scales = set()
            for p in pictures:
                response = client.get(p["path"])
                data = response.get_data()
                response.close()
                assert response.status_code == 200 and response.mimetype == "image/jpeg", p
                with Image.open(BytesIO(data)) as im:
                    scales.add(round(int(p["w"]) / im.width))  # page pixels per level pixel
            assert len(scales) == 1, (lid, svg)  # one level per still
            scale = scales.pop()
            assert width / scale >= 500 or scale == 1, (lid, width, scale)  # sharp enough
            if len(pictures) > 1:
                tiled += 1
                assert all("/full/" not in p["path"] for p in pictures)
                xs = sorted({int(p["x"]) for p in pictures})
                ys = sorted({int(p["y"]) for p in pictures})
                assert xs[0] <= left and ys[0] <= top
                right = max(int(p["x"]) + int(p["w"]) for p in pictures)
                bottom = max(int(p["y"]) + int(p["h"]) for p in pictures)
                assert right >= left + width and bottom >= top + height
                assert len(pictures) == len(xs) * len(ys)  # a full grid, no holes
    assert tiled >= 1  # the demo's small details (e.g. 450×500 px regions) come as tiles


BILLION_LAUGHS = """---
title: &a ["むかし","むかし","むかし","むかし","むかし","むかし","むかし","むかし","むかし"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
---
"""


def test_yaml_aliases_are_refused() -> None:
    """Issue 17 item 5: 440 bytes of nested aliases are 9⁹ strings once expanded (the
    lesson checker walks every value); aliases are refused at the first ``*``."""
    assert len(BILLION_LAUGHS.encode()) < 600
    with pytest.raises(LessonError) as err:
        parse_lesson(BILLION_LAUGHS, "lessons/warai.md")
    assert str(err.value).startswith("lessons/warai.md:3: ")
    assert "aliases (*name) are not accepted" in str(err.value)
    assert "\n" not in str(err.value)
    with pytest.raises(LessonError, match="aliases"):
        parse_lesson(GOOD.replace("grade: 3", "grade: &g 3\nsubject2: *g"), "lessons/dogu.md")


def test_deeply_nested_yaml_is_refused() -> None:
    deep = "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n"
    with pytest.raises(LessonError) as err:
        parse_lesson(deep, "lessons/fukai.md")
    assert "nested more than 16 levels deep" in str(err.value)
    assert str(err.value).startswith("lessons/fukai.md:2: ")
