"""viewer over the real demo archive (14 items, search index): search page and API,
item pages, collections, preferences, share links, IIIF ids and bounded parameters."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from archive.config import load_config
from archive.model import Record
from tests.viewer_demo import build_demo_once
from viewer import create_app
from viewer.content_state import encode, region_state, shared_view
from viewer.search_params import MAX_PAGE, MAX_QUERY, SearchParams

DIARY = "sashida-nikki"  # 6 pages, right to left
NO_IMAGES = "soban-nenbutsu"


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_once(tmp_path_factory)


@pytest.fixture(scope="module")
def app(demo_root: Path) -> Flask:
    return create_app(load_config(demo_root), {"TESTING": True}, listening=("http://localhost",))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


# --------------------------------------------------------------------------------------
# Search


def test_search_page_finds_a_reading_and_links_the_item(client: FlaskClient) -> None:
    response = client.get("/search?q=さしだにっき")
    assert response.status_code == 200
    page = text(response)
    assert "「さしだにっき」の検索結果: 1 件" in page
    assert f'href="/items/{DIARY}"' in page
    assert "指田日記" in page and "The Sashida Diary" in page
    assert 'value="さしだにっき"' in page  # the box keeps the query


def test_search_highlights_and_facets_carry_state(client: FlaskClient) -> None:
    page = text(client.get("/search?q=日記"))
    assert "<mark>日記</mark>" in page
    assert "資料種別" in page and "古文書" in page
    # a facet link adds its filter to the query in the URL
    assert 'href="/search?q=%E6%97%A5%E8%A8%98&amp;type=%E5%8F%A4%E6%96%87%E6%9B%B8"' in page


def test_filters_sort_and_paging_are_in_the_url(client: FlaskClient) -> None:
    page = text(client.get("/search?per_page=10&sort=date"))
    assert "14 件" in page and "(1–10)" in page
    assert 'rel="next" href="/search?sort=date&amp;per_page=10&amp;page=2"' in page
    second = text(client.get("/search?per_page=10&sort=date&page=2"))
    assert "(11–14)" in second and 'rel="prev"' in second
    assert 'aria-current="page" class="current">2<' in second
    filtered = text(client.get("/search?type=古文書&images=yes"))
    assert "画像あり" in filtered and 'aria-current="true" class="chosen"' in filtered
    assert "条件をすべて解除" in filtered


def test_did_you_mean_and_zero_result_help(client: FlaskClient) -> None:
    # an old sheet's big つ for っ is the same reading; the hit says what matched
    page = text(client.get("/search?q=さしだにつき"))
    assert "/items/sashida-nikki" in page and "一致:" in page
    # one letter wrong in romaji: found as a close match, and corrected
    page = text(client.get("/search?q=sashidanikky"))
    assert "/items/sashida-nikki" in page, page
    assert "近いものも表示" in page and "もしかして:" in page
    assert ">さしだにっき</a>" in page  # offered as the title's reading, not as folded romaji
    page = text(client.get("/search?q=ぺぺぺぽぽ"))
    assert "0 件" in page and "ひらがなで入力してみてください" in page


def test_search_escapes_the_query(client: FlaskClient) -> None:
    page = text(client.get("/search", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bad_year_filter_is_a_400_page(client: FlaskClient) -> None:
    response = client.get("/search?year=いつか")
    assert response.status_code == 400
    assert "年の絞り込み" in text(response) and '<html lang="ja"' in text(response)


def test_search_parameters_are_bounded() -> None:
    params = SearchParams.from_args(
        MultiDict(
            [
                ("q", "あ" * 5000),
                ("page", "99999999999"),
                ("per_page", "100000"),
                ("sort", "drop table"),
                *[("type", f"v{i}") for i in range(50)],
                ("unknown", "x"),
            ]
        )
    )
    assert len(params.q) == MAX_QUERY
    assert params.page == 1  # too many digits: not a page number
    assert params.per_page == 20 and params.sort == "relevance"  # 100000 is out of range
    assert len(params.filters["type"]) == 10 and "unknown" not in params.filters
    assert SearchParams.from_args(MultiDict({"page": "999"})).page == MAX_PAGE
    assert SearchParams.from_args(MultiDict({"page": "-3"})).page == 1


def test_page_beyond_the_results_is_an_empty_page_not_an_error(client: FlaskClient) -> None:
    response = client.get("/search?page=500")
    assert response.status_code == 200
    assert "このページには結果がありません" in text(response)


# --------------------------------------------------------------------------------------
# API


def test_api_search_has_the_cli_shape(client: FlaskClient, demo_root: Path) -> None:
    # sayama is the romaji of 狭山: the rows of the demo's sheet that name it (or Sayama)
    with (demo_root / "items.csv").open(encoding="utf-8-sig", newline="") as sheet:
        rows = list(csv.DictReader(sheet))
    named = {r["ID"] for r in rows if any("狭山" in v or "sayama" in v.lower() for v in r.values())}
    assert 1 < len(named) < len(rows)
    response = client.get("/api/search?q=sayama&per_page=5")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.get_json()
    assert {"total", "hits", "facets"} <= body.keys()
    assert body["per_page"] == 5 and body["page"] == 1 and body["query"] == "sayama"
    assert body["total"] == len(named) and len(body["hits"]) == min(5, len(named))
    assert {h["id"] for h in body["hits"]} <= named
    hit = body["hits"][0]
    assert {"id", "title", "score", "highlights"} <= hit.keys()
    assert set(body["facets"]) == {"type", "designation", "period", "place", "images"}


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/search?year=いつか")
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400
    missing = client.get("/api/items/no-such-item")
    assert missing.status_code == 404 and missing.mimetype == "application/json"
    assert "no-such-item" in missing.get_json()["error"]["message"]
    assert client.get("/api/nothing").get_json()["error"]["title"] == "Not found"


def test_api_item_has_public_fields_and_links(client: FlaskClient) -> None:
    body = client.get(f"/api/items/{DIARY}").get_json()
    assert body["id"] == DIARY and body["title"] == "指田日記"
    assert body["viewing_direction"] == "right-to-left"
    assert "files" not in body  # where masters are kept is not public
    assert len(body["pages"]) == 6
    assert body["pages"][0]["info"].startswith(f"http://localhost/iiif/{DIARY}/")
    assert body["links"]["manifest"] == f"http://localhost/iiif/{DIARY}/manifest.json"
    assert client.get(f"/api/items/{NO_IMAGES}").get_json()["links"]["manifest"] is None


# --------------------------------------------------------------------------------------
# Item pages


def test_item_page_has_a_page_strip_right_to_left(client: FlaskClient) -> None:
    page = text(client.get(f"/items/{DIARY}"))
    assert 'class="page-strip rtl" dir="rtl"' in page
    assert page.count('class="strip-page"') == 6
    assert "右から左へ読みます" in page
    assert 'id="osd-prev"' in page and 'id="osd-next"' in page
    tiles = page.split('data-tiles="')[1].split('"')[0].replace("&#34;", '"')
    assert len(json.loads(tiles)) == 6


def test_item_without_images_shows_its_record(client: FlaskClient) -> None:
    response = client.get(f"/items/{NO_IMAGES}")
    assert response.status_code == 200
    page = text(response)
    assert "双盤念仏" in page and "この資料には画像がありません" in page
    assert 'id="osd"' not in page


def test_share_link_restores_page_and_region(client: FlaskClient) -> None:
    canvas = f"http://127.0.0.1:9999/iiif/{DIARY}/canvas/3"  # made on another address
    state = region_state("x", canvas, "m", (100, 200, 300, 400))
    page = text(client.get(f"/items/{DIARY}", query_string={"iiif-content": encode(state)}))
    assert 'data-page="3" data-region="100,200,300,400"' in page
    junk = text(client.get(f"/items/{DIARY}?iiif-content=%%%not-base64"))
    assert 'data-page="1" data-region=""' in junk


def test_content_state_decoding() -> None:
    canvases = [f"http://h/iiif/x/canvas/{n}" for n in (1, 2)]
    whole = region_state("s", canvases[1], "m", None)
    assert shared_view(encode(whole), canvases).page == 2
    assert shared_view(encode(whole), canvases).region is None
    bare = {"id": f"{canvases[0]}#xywh=1,2,3,4", "type": "Canvas"}
    assert shared_view(encode(bare), canvases).region == (1, 2, 3, 4)
    assert shared_view(encode({"id": "http://h/other", "type": "Canvas"}), canvases) is None
    assert shared_view("", canvases) is None and shared_view("x" * 5000, canvases) is None


def test_downloads_follow_the_rights(demo_root: Path, client: FlaskClient) -> None:
    """An In Copyright item offers only small sizes, never the full scan."""
    record_path = demo_root / "public" / "records" / f"{DIARY}.json"
    record = Record.from_json(json.loads(record_path.read_text(encoding="utf-8")))
    page = text(client.get(f"/items/{DIARY}"))
    assert '/full/max/0/default.jpg" download' in page  # CC BY: the full image too
    from manifests.urls import Urls
    from viewer.downloads import page_downloads, reuse_allowed

    assert not reuse_allowed("http://rightsstatements.org/vocab/InC/1.0/")
    assert reuse_allowed("http://rightsstatements.org/vocab/NoC-NC/1.0/")
    restricted = page_downloads(
        DIARY, record.pages[0], "http://rightsstatements.org/vocab/InC/1.0/", Urls("http://x")
    )
    assert restricted and all(max(d.width, d.height) <= 600 and not d.full for d in restricted)


# --------------------------------------------------------------------------------------
# Preferences: language and display mode, remembered in cookies


def test_english_switch_sets_lang_and_is_remembered(client: FlaskClient) -> None:
    response = client.get(f"/items/{DIARY}?lang=en")
    page = text(response)
    assert '<html lang="en"' in page
    assert "About this item" in page and 'lang="ja">資料情報' in page
    assert "lang=en" in response.headers["Set-Cookie"]
    again = text(client.get("/"))  # the cookie keeps English
    assert '<html lang="en"' in again and "Featured items" in again
    assert '<html lang="ja"' in text(client.get("/?lang=ja"))


@pytest.mark.parametrize("mode", ["senior", "seniors", "kids", "standard"])
def test_display_modes(client: FlaskClient, mode: str) -> None:
    page = text(client.get(f"/items/{DIARY}?mode={mode}"))
    canonical = "senior" if mode == "seniors" else mode
    assert f'class="mode-{canonical}"' in page
    assert ("data-read-aloud" in page) == (canonical == "senior")
    assert f'class="mode-{canonical}"' in text(client.get("/"))  # remembered


def test_unknown_preferences_are_ignored(client: FlaskClient) -> None:
    response = client.get("/?lang=xx&mode=<b>&grade=99")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert '<html lang="ja" class="mode-standard">' in text(response)


# --------------------------------------------------------------------------------------
# Collections and home


def test_home_lists_featured_items_and_collections(client: FlaskClient) -> None:
    page = text(client.get("/"))
    assert "資料 14 件" in page
    assert page.count('class="item-card"') == 12
    assert 'href="/collections/top"' in page


def test_collection_pages(client: FlaskClient) -> None:
    index = text(client.get("/collections/"))
    assert 'href="/collections/top"' in index
    page = text(client.get("/collections/top"))
    assert f'href="/items/{DIARY}"' in page
    assert 'src="http://localhost/iiif/' in page  # thumbnails under this address
    assert 'href="http://localhost/iiif/collection/top.json"' in page
    for path in ("/collections/nope", "/collections/..%2fkura", "/collections/a%5cb"):
        assert client.get(path).status_code == 404


# --------------------------------------------------------------------------------------
# IIIF documents served from the request's address


def test_info_json_and_manifest_ids_follow_a_trusted_address(client: FlaskClient, app) -> None:
    """The client's address (http://localhost) is one the server listens on: ids follow it.
    Any other Host gets kura.toml's base_url, with its own body and ETag."""
    base = "http://localhost"
    manifest = client.get(f"/iiif/{DIARY}/manifest.json").get_json(force=True)
    assert manifest["id"] == f"{base}/iiif/{DIARY}/manifest.json"
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    assert service.startswith(f"{base}/iiif/{DIARY}/")
    info_path = service.removeprefix(base) + "/info.json"
    info = client.get(info_path)
    assert info.headers["Content-Type"].endswith(
        'profile="http://iiif.io/api/image/3/context.json"'
    )
    assert info.get_json(force=True)["id"] == service
    configured = app.extensions["kura"].config.base_url
    assert configured not in text(info)
    etag = info.headers["ETag"]
    again = client.get(info_path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["Access-Control-Allow-Origin"] == "*"
    assert "Host" in again.headers["Vary"]
    # another Host: the configured address, another body and another ETag
    other = client.get(info_path, base_url="https://archive.example.jp")
    assert other.headers["ETag"] != etag and configured in text(other)
    assert "archive.example.jp" not in text(other)


@pytest.mark.parametrize(
    "path",
    [
        "/iiif/../kura.toml",
        "/iiif/%2e%2e/kura.toml",
        "/iiif/%2E%2E%2Fkura.toml",
        "/iiif/..%5ckura.toml",
        "/iiif//etc/passwd",
        "/iiif/collection/..%2f..%2fkura.toml",
        "/api/items/..%2fkura",
        "/items/..%5c..%5ckura.toml",
        "/records/%2e%2e%2fkura.toml.json",
        "/static/..%2f__init__.py",
        "/index/kura-search.json",
        "/public/records/sashida-nikki.json",
        "/masters/sashida-nikki",
    ],
)
def test_nothing_outside_the_public_keys(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404
