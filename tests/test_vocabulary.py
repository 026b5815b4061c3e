"""English pages translate the archive's vocabulary (viewer/vocabulary.py) and lead with the
English title; kids mode gives the whole page furigana (viewer/kids.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from archive.config import load_config
from tests.viewer_demo import build_demo_once
from viewer import create_app
from viewer.kids import add_furigana
from viewer.vocabulary import english_count, english_date, english_value


@pytest.mark.parametrize(
    ("written", "english"),
    [
        ("江戸時代後期", "Late Edo period"),
        ("江戸時代後期～明治時代", "Late Edo period – Meiji period"),
        ("縄文時代中期", "Middle Jōmon period"),
        ("天保5年～明治4年", "1834–1871"),
        ("寛永15年", "1638"),
        ("昭和30年代", "1955–1964"),
        ("文化11年頃", "c. 1814"),
        ("室町時代（15世紀前半）", "Muromachi period (1401–1450)"),
        ("いつか", ""),
    ],
)
def test_dates_in_english(written: str, english: str) -> None:
    assert english_date(written) == english


def test_words_and_counts_in_english() -> None:
    assert english_value("資料種別", "絵図") == "Pictorial map"
    assert english_value("文化財分類", "無形文化財、伝統的工芸品") == (
        "Intangible cultural property; Traditional craft"
    )
    assert english_value("資料種別", "未知の種別") == ""  # unknown words stay Japanese
    assert english_count("1 舗") == "1 sheet" and english_count("3 冊") == "3 volumes"
    assert english_count("2 ふくろ") == ""


def test_kids_furigana_leaves_markup_alone() -> None:
    page = (
        '<title>歴史資料</title><p class="x" title="歴史">狭山丘陵の歴史資料</p>'
        "<select><option>関連度順</option></select>"
        '<input placeholder="例: 指田日記"><div data-no-ruby hidden>歴史<div>資料</div>紹介</div>'
        "<ruby>紬<rt>つむぎ</rt></ruby><script>var a = '歴史';</script>"
    )
    out = add_furigana(page, 3)
    assert out.startswith('<title>歴史資料</title><p class="x" title="歴史">')
    assert "<ruby>狭山丘陵<rp>(</rp><rt>さやまきゅうりょう</rt>" in out  # the city's reading
    assert "<option>かんれん度じゅん</option>" in out  # kana where ruby cannot go
    assert 'placeholder="れい: 指田日記"' in out
    assert "<div data-no-ruby hidden>歴史<div>資料</div>紹介</div>" in out
    assert "<ruby>紬<rt>つむぎ</rt></ruby>" in out and "var a = '歴史';" in out


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    root: Path = build_demo_once(tmp_path_factory)
    app: Flask = create_app(load_config(root), {"TESTING": True}, listening=("http://localhost",))
    return app.test_client()


def test_an_english_item_page(client: FlaskClient) -> None:
    page = client.get("/items/sayama-muraezu?lang=en").get_data(as_text=True)
    h1 = page[page.index("<h1") : page.index("</h1>")]
    assert h1.index("Village Map") < h1.index("狭山丘陵南麓村絵図")  # English title first
    for english in ("Pictorial map", "Late Edo period", "1 sheet"):
        assert f'<span lang="en">{english}</span>' in page


def test_kids_pages_have_furigana_in_the_site_chrome(client: FlaskClient) -> None:
    page = client.get("/items/sayama-muraezu?mode=kids&grade=3&lang=ja").get_data(as_text=True)
    assert "<ruby>検索<rp>(</rp><rt>けんさく</rt>" in page  # the header's search button
    assert "<ruby>狭山丘陵<rp>(</rp><rt>さやまきゅうりょう</rt>" in page
    standard = client.get("/items/sayama-muraezu?mode=standard").get_data(as_text=True)
    assert "<ruby>" not in standard


def test_an_english_lesson_leads_with_its_english_title(client: FlaskClient) -> None:
    page = client.get("/lessons/mukashi-no-dogu?lang=en").get_data(as_text=True)
    assert '<h1 class="page-title" lang="en">Old tools and daily life</h1>' in page
    index = client.get("/lessons/?lang=en").get_data(as_text=True)
    assert '<span class="card-title" lang="en">Old tools and daily life</span>' in index
