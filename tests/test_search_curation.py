"""Lessons and curated collections in search: indexed by ``kura index`` and ``kura ingest``
(``kura demo``) in a small index of their own, found by the same Japanese analysis (kana for
kanji through readings, katakana, romaji, phrases in order), never counted among the items,
and shown on the viewer's search page and in ``kura search --json``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import load_config
from archive.search import rebuild, search
from archive.search.curation import curation_dir
from archive.search.indexer import index_dir
from kura.cli import cli
from tests.test_search_cli import SEARCH_JSON_KEYS
from tests.viewer_demo import build_demo_once
from viewer import create_app

LESSON = """---
title: むかしの農具
title_reading: むかしののうぐ
title_en: Old farm tools
grade: 3
subject: 社会
audience: kids
summary: 米をつくる道具を見よう。
cover: tomi
---

## 風でわける
item: tomi
page: 1
region: 10,10,200,100

唐箕は、ハンドルを回して風をおこし、軽い籾殻を吹き飛ばします。

question: 重い実はどこへ落ちるでしょう。
- [x] 下の口
- [ ] 右の口

## 実を落とす
item: senba
page: 1

千歯扱きで、稲の穂から実を落としました。
hint: 歯の数をかぞえよう。
"""

OTHER = """---
title: 港の話
audience: all
---

## 船の荷物
item: senba
page: 1

砂糖は東京の港に、海をこえて運ばれてきました。
"""

COLLECTION = """title = "村の祭りと道具"
title_reading = "むらのまつりとどうぐ"
title_en = "Village festivals and tools"
audience = "seniors"
description = "祭りの日と、ふだんの仕事の道具。"

[[items]]
id = "tomi"
note = "風を起こして籾殻を飛ばす道具。秋の取り入れのあとに使いました。"

[[items]]
id = "senba"
note = "鉄の歯で穂をしごく道具。後家倒しとも呼ばれました。"
"""


def _record(item_id: str, title: str, kana: str) -> dict:
    return {
        "id": item_id,
        "title": title,
        "fields": {"名称": title, "名称_カナ": kana, "資料種別": "民具"},
        "pages": [
            {
                "page": 1,
                "image": "p1",
                "file": f"scans/{item_id}.jpg",
                "frame": 0,
                "width": 800,
                "height": 600,
                "sizes": [[400, 300]],
            }
        ],
    }


@pytest.fixture
def curated(project: Callable[..., Path]) -> Path:
    """A project with two item records, a lesson and a collection, after ``kura index``."""
    root = project()
    records = root / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    for record in (_record("tomi", "唐箕", "トウミ"), _record("senba", "千歯扱き", "センバコキ")):
        (records / f"{record['id']}.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )
    (root / "lessons" / "nougu.md").write_text(LESSON, encoding="utf-8")
    (root / "lessons" / "satou.md").write_text(OTHER, encoding="utf-8")
    (root / "collections" / "matsuri.toml").write_text(COLLECTION, encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "index"])
    assert result.exit_code == 0, result.output
    return root


def _found(root: Path, query: str) -> list[tuple[str, str, int | None, str]]:
    result = search(root, query)
    return [(h.kind, h.id, h.step, h.item) for h in [*result.lessons, *result.collections]]


def test_kana_finds_the_kanji_in_a_step_and_marks_it(curated: Path) -> None:
    # とうみ is the reading of 唐箕, written only in kanji in step 1's text
    result = search(curated, "とうみ")
    lesson = result.lessons[0]
    assert (lesson.id, lesson.step, lesson.step_title) == ("nougu", 1, "風でわける")
    assert "<mark>唐箕</mark>は" in lesson.highlights["summary"]
    assert lesson.highlights["title"] == "むかしの農具"
    # the same in katakana, in half-width katakana and in romaji
    for query in ("トウミ", "ﾄｳﾐ", "toumi", "Tomi"):
        assert ("lesson", "nougu", 1, "") in _found(curated, query), query


def test_readings_words_and_phrases(curated: Path) -> None:
    assert _found(curated, "千歯扱き")[0] == ("lesson", "nougu", 2, "")
    # the lesson file's reading of the word (LOCAL_READINGS: せんばこき, Sudachi: せんばしごき)
    assert ("lesson", "nougu", 2, "") in _found(curated, "せんばこき")
    # 千歯扱き is read せんばこき by the city's one readings table
    # (archive/data/local_readings.toml), in search as in furigana; the dictionary's
    # misreading せんばしごき is no longer indexed beside it
    # every word must be found, in any of the steps
    assert [f[1] for f in _found(curated, "唐箕 千歯扱き")] == ["nougu", "matsuri"]
    assert _found(curated, "唐箕 自転車") == []
    # a word's characters in order: 砂糖 (さとう) or 東京 (とうきょう) and 海 (うみ) hold
    # every bigram of とうみ, but not とうみ
    assert [h.id for h in search(curated, "とうみ").lessons] == ["nougu"]
    assert [h.id for h in search(curated, "うみ").lessons] == ["satou"]
    assert _found(curated, "とううみ") == []
    # the title's reading, and a lone kana matches no lesson prose
    assert ("lesson", "nougu", None, "") in _found(curated, "むかしののうぐ")
    assert _found(curated, "の") == []
    # English from title_en
    assert ("lesson", "nougu", None, "") in _found(curated, "farm tools")


def test_collections_match_their_notes_and_items(curated: Path) -> None:
    assert _found(curated, "後家倒し") == [("collection", "matsuri", None, "senba")]
    hit = search(curated, "ごけたおし").collections
    assert [(h.id, h.item, h.item_title) for h in hit] == [("matsuri", "senba", "千歯扱き")]
    assert "<mark>後家倒し</mark>" in hit[0].highlights["summary"]
    assert _found(curated, "まつり")[0][:2] == ("collection", "matsuri")


def test_items_are_counted_without_lessons(curated: Path) -> None:
    with_lessons = search(curated, "唐箕")
    items_only = search(curated, "唐箕", curation=False)
    assert with_lessons.total == items_only.total == 1
    assert [h.id for h in with_lessons.hits] == ["tomi"]
    assert with_lessons.facets == items_only.facets
    assert items_only.lessons == items_only.collections == []
    data = with_lessons.to_json()
    assert set(data) == SEARCH_JSON_KEYS
    assert {"kind", "id", "title", "score", "highlights", "step", "item"} <= set(data["lessons"][0])
    # an empty query (browse every item) lists no lessons
    assert search(curated, "").lessons == []


def test_index_follows_the_lesson_files(curated: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(curated), "search", "石臼", "--json"])
    assert json.loads(result.output)["lessons"] == []
    lesson = curated / "lessons" / "nougu.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n石臼で粉をひきました。\n", "utf-8")
    assert runner.invoke(cli, ["-C", str(curated), "index"]).exit_code == 0
    data = json.loads(
        runner.invoke(cli, ["-C", str(curated), "search", "いしうす", "--json"]).output
    )
    assert [(h["id"], h["step"]) for h in data["lessons"]] == [("nougu", 2)]
    # a rebuild of the items' index leaves the lessons' index alone
    rebuild(curated)
    assert curation_dir(index_dir(curated)).is_dir()
    assert _found(curated, "いしうす") == [("lesson", "nougu", 2, "")]
    # a lesson whose file is removed is no longer found
    lesson.unlink()
    assert runner.invoke(cli, ["-C", str(curated), "index"]).exit_code == 0
    assert _found(curated, "いしうす") == []
    assert _found(curated, "後家倒し")[0][1] == "matsuri"


# -- the demo archive (built by ``kura demo``: ingest, then lessons compiled and indexed) ----


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_once(tmp_path_factory)


def test_demo_search_shows_the_lesson_beside_the_item(demo: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(demo), "search", "千歯扱き", "--json"])
    data = json.loads(result.output)
    assert [h["id"] for h in data["hits"]] == ["mingu-senbakoki"]
    assert data["total"] == 1
    assert [(h["id"], h["title"], h["step"]) for h in data["lessons"]] == [
        ("mukashi-no-dogu", "むかしの道具とくらし", 2)
    ]
    assert [h["id"] for h in search(demo, "からくさ").lessons] == []
    assert [(h.id, h.step) for h in search(demo, "とうみ").lessons] == [("mukashi-no-dogu", 3)]
    assert [(h.id, h.item) for h in search(demo, "ししまい").collections] == [
        ("mukashi-no-murayama", "yokonakaba-shishimai")
    ]


def test_demo_search_page_links_to_lessons_and_collections(demo: Path) -> None:
    client = create_app(
        load_config(demo), {"TESTING": True}, listening=("http://localhost",)
    ).test_client()
    html = client.get("/search?q=千歯扱き&lang=ja").get_data(as_text=True)
    assert 'class="curation-hits"' in html
    assert "学習教材・コレクション" in html and "Lessons and collections" in html
    assert 'href="/lessons/mukashi-no-dogu"' in html
    assert 'href="/lessons/mukashi-no-dogu/2"' in html
    assert "ステップ 2「<mark>千歯扱き</mark>（せんばこき）」を見る" in html
    assert 'href="/items/mingu-senbakoki"' in html  # the item is still listed
    assert "「千歯扱き」の検索結果: 1 件" in html
    # the items first (the first hit on the first screen), the lessons and collections after
    assert html.index('id="results-heading"') < html.index('id="curation-heading"')
    html = client.get("/search?q=獅子舞&lang=en").get_data(as_text=True)
    assert 'href="/collections/mukashi-no-murayama"' in html
    assert "Item: 横中馬<mark>獅子舞</mark>" in html
    assert 'href="/items/yokonakaba-shishimai"' in html
    # only on the first page of items, and not at all for an empty query
    html = client.get("/search?q=千歯扱き&page=2").get_data(as_text=True)
    assert "curation-hits" not in html
    assert "curation-hits" not in client.get("/search").get_data(as_text=True)
    # no item, but a lesson: say so instead of "nothing was found"
    html = client.get("/search?q=かてうどん&lang=ja").get_data(as_text=True)
    assert "curation-hits" in html
    body = client.get("/api/search?q=とうみ").get_json()
    assert [(h["id"], h["step"]) for h in body["lessons"]] == [("mukashi-no-dogu", 3)]
    assert body["total"] == len(body["hits"]) == 1


def test_english_search_shows_the_english_title_first(demo: Path) -> None:
    """In English, a hit's (and a lesson's) English title leads, the Japanese beside it; a
    record without one keeps its Japanese title alone."""
    client = create_app(
        load_config(demo), {"TESTING": True}, listening=("http://localhost",)
    ).test_client()
    html = client.get("/search?q=千歯扱き&lang=en").get_data(as_text=True)
    hit = html.split('class="hit-link"')[1].split("</a>")[0]
    assert re.search(r'class="hit-title" lang="en">Senba-koki \(Comb Thresher\)<', hit), hit
    assert '<span class="hit-title-en" lang="ja"><mark>千歯扱き</mark>' in hit
    lesson = html.split('id="curation-heading"')[1].split("</li>")[0]
    assert re.search(r'class="hit-title" href="/lessons/[^"]+" lang="en">[A-Za-z]', lesson), lesson
    html = client.get("/search?q=千歯扱き&lang=ja").get_data(as_text=True)
    hit = html.split('class="hit-link"')[1].split("</a>")[0]
    assert '<span class="hit-title" lang="ja"><mark>千歯扱き</mark>' in hit
    assert '<span class="hit-title-en" lang="en">Senba-koki (Comb Thresher)</span>' in hit


def test_kids_mode_puts_furigana_on_the_search_results(demo: Path) -> None:
    client = create_app(
        load_config(demo), {"TESTING": True}, listening=("http://localhost",)
    ).test_client()
    kids = client.get("/search?q=とうみ&mode=kids&grade=1&lang=ja").get_data(as_text=True)
    hits = kids.split('id="results-heading"')[1].split('id="curation-heading"')[0]
    assert "<ruby>唐箕<rp>(</rp><rt>とうみ</rt><rp>)</rp></ruby>" in hits  # the item
    lessons = kids.split('id="curation-heading"')[1]  # after the items
    assert "<ruby>道具<rp>(</rp><rt>どうぐ</rt><rp>)</rp></ruby>" in lessons  # むかしの道具…
    for plain in ("/search?q=とうみ&mode=standard", "/search?q=とうみ&mode=kids&lang=en"):
        assert "<ruby>" not in client.get(plain).get_data(as_text=True), plain
