"""viewer: pages, IIIF files with CORS and caching, path safety, errors and headers.

Each test archive is built by hand in tmp_path (kura.toml from ``init_project``, then records,
the tiler's info.json and JPEG tiles written with Pillow in the formats the ingest writes: the
store holds no IIIF document, the viewer renders them), so these tests never depend on the
ingest pipeline.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from archive import keys
from archive.config import Config, load_config
from archive.project import init_project
from archive.store import LocalStore
from manifests.urls import Urls
from tests.rendered import documents
from viewer import create_app
from viewer.state import ServedArchive, request_documents, request_urls

BASE_URL = "http://127.0.0.1:8000"
ITEM = "sashida-001"
IMAGE = "0123456789abcdef"  # a page's image service, named by a digest as the ingest names it
NO_IMAGE_ITEM = "shishimai-002"
XSS_ITEM = "xss-003"
XSS_TITLE = "<script>alert('x')</script>"
SIZES = [[150, 100], [300, 200], [600, 400]]
TILE = f"iiif/{ITEM}/{IMAGE}/0,0,512,512/256,256/0/default.jpg"
MANIFEST = f"iiif/{ITEM}/manifest.json"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; "
        "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
PRESENTATION = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
IMAGE_PROFILE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'


# --------------------------------------------------------------------------------------
# A tiny archive, written by hand


def jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 60)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def put(store: Path, key: str, data: bytes | str) -> None:
    path = store / key
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def record(item_id: str, title: str, pages: list[dict], **fields: str) -> dict:
    return {
        "kura_record": 1,
        "id": item_id,
        "title": title,
        "row": 2,
        "fields": {"ID": item_id, "名称": title, **fields},
        "extra": {},
        "rights": "http://creativecommons.org/licenses/by/4.0/",
        "viewing_direction": "right-to-left",
        "date": {"text": "天保5年", "start": 1834, "end": 1834},
        "keywords": [],
        "designations": [],
        "files": [],
        "pages": pages,
    }


def write_item(store: Path, rec: dict) -> None:
    put(store, f"records/{rec['id']}.json", json.dumps(rec, ensure_ascii=False, indent=2))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    root = tmp_path / "archive"
    init_project(root, "テスト市デジタルアーカイブ", "Test City Digital Archive")
    config = load_config(root)
    store = config.store_dir

    page = {"page": 1, "image": IMAGE, "file": "scans/diary.jpg", "frame": 0}
    page.update(width=600, height=400, sizes=SIZES)
    page["file"], page["frame"] = "scans/sashida/001.jpg", 0
    write_item(
        store,
        record(
            ITEM,
            "指田日記",
            [page],
            名称_カナ="サシダニッキ",
            名称_英語="Sashida Diary",
            資料種別="古文書",
            年代="天保5年",
            概要="村の暮らしを記した日記",
            説明="名主の日記",
            説明_英語="A village headman's diary",
            キーワード="日記;古文書",
            **{"員数（数）": "3", "員数（単位）": "冊"},
        ),
    )
    write_item(store, record(NO_IMAGE_ITEM, "横中馬獅子舞", [], 資料種別="写真"))
    write_item(store, record(XSS_ITEM, XSS_TITLE, [], 資料種別=XSS_TITLE))

    info = {  # the tiler's own, beside its tiles: its id is the key, no address
        "@context": "http://iiif.io/api/image/3/context.json",
        "id": keys.image(ITEM, IMAGE),
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": 600,
        "height": 400,
        "sizes": [{"width": w, "height": h} for w, h in SIZES],
        "tiles": [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}],
    }
    put(store, f"iiif/{ITEM}/{IMAGE}/info.json", json.dumps(info))
    for w, h in SIZES:
        put(store, f"iiif/{ITEM}/{IMAGE}/full/{w},{h}/0/default.jpg", jpeg(w, h))
    put(store, f"iiif/{ITEM}/{IMAGE}/full/max/0/default.jpg", jpeg(600, 400))
    put(store, TILE, jpeg(256, 256))
    return config


@pytest.fixture
def app(config: Config) -> Flask:
    return create_app(config, {"TESTING": True}, listening=("http://localhost",))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def local(url: str) -> str:
    """The path of an absolute URL the test client made (it serves http://localhost/)."""
    assert url.startswith("http://localhost/"), url
    return url.removeprefix("http://localhost")


# --------------------------------------------------------------------------------------
# The app factory


def test_import_creates_nothing_and_touches_no_file(tmp_path: Path) -> None:
    """Importing the viewer reads and writes no file outside Python's own modules."""
    script = """
import json, sys
events = []
def hook(event, args):
    if event in ("open", "os.mkdir", "os.listdir", "os.scandir", "os.remove", "os.rename"):
        events.append((event, str(args[0]) if args else ""))
sys.addaudithook(hook)
import viewer, viewer.home, viewer.items, viewer.iiif, viewer.records, viewer.errors, viewer.serve
import viewer.search, viewer.api, viewer.collections, viewer.prefs, viewer.content_state
from flask import Flask
roots = tuple(p for p in sys.path if p)
touched = [e for e in events if not e[1].startswith(roots) and not e[1].endswith(".py")]
apps = [name for name, value in vars(viewer).items() if isinstance(value, Flask)]
print(json.dumps({"touched": touched, "apps": apps}))
"""
    env = {k: v for k, v in os.environ.items() if k != "KURA_ROOT"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(
        [sys.executable, "-P", "-c", script],  # -P: the current folder is not on sys.path
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result == {"touched": [], "apps": []}
    assert list(tmp_path.iterdir()) == []


def test_create_app_keeps_config_store_and_urls(config: Config) -> None:
    app = create_app(config, {"TESTING": True}, listening=("http://localhost",))
    served = app.extensions["kura"]
    assert isinstance(served, ServedArchive)
    assert served.config is config
    assert isinstance(served.store, LocalStore)
    assert served.store.root == config.store_dir
    # links and documents follow the configured address, or a trusted one the request came to
    assert not hasattr(served, "urls")
    assert served.trusted_urls == ("http://localhost",)
    with app.test_request_context("/", base_url="https://archive.example.jp/kura/"):
        assert request_urls() == Urls(BASE_URL)
        assert request_documents().urls == request_urls()
        assert request_documents().store is served.store
    with app.test_request_context("/", base_url="http://localhost/"):
        assert request_urls() == Urls("http://localhost")
    assert create_app(config).extensions["kura"] is not served  # every app its own state


def test_create_app_loads_the_project_in_kura_root(config: Config) -> None:
    app = create_app(test_config={"TESTING": True, "KURA_ROOT": str(config.root)})
    assert app.extensions["kura"].config == config
    assert "指田日記" in text(app.test_client().get("/"))


# --------------------------------------------------------------------------------------
# Pages


def test_home_features_items_with_images(client: FlaskClient) -> None:
    """Without a search index the home page reads the records: items with images first."""
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = text(response)
    assert '<html lang="ja" ' in page
    assert "テスト市デジタルアーカイブ" in page and "Test City Digital Archive" in page
    assert f'href="/items/{ITEM}"' in page and "指田日記" in page
    assert "資料 3 件" in page
    # the smallest listed size with a long side of at least 200 px, under this request's host
    thumb = f"http://localhost/iiif/{ITEM}/{IMAGE}/full/300,200/0/default.jpg"
    assert f'src="{thumb}"' in page
    with client.get(local(thumb)) as image:
        assert image.status_code == 200
    assert 'action="/search"' in page  # a search box


def test_addresses_never_come_from_the_request(config: Config) -> None:
    """A made-up Host (or X-Forwarded-Host) changes no link, id or feed: they stay on
    kura.toml's base_url, so a shared cache cannot be fed poisoned copies."""
    client = create_app(config, {"TESTING": True}).test_client()
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
        for path in (f"/items/{ITEM}", f"/{MANIFEST}", "/iiif/collection/top.json", "/sitemap.xml"):
            response = client.get(path, headers=headers)
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            assert "evil.example" not in body, path
            assert BASE_URL in body, path
    manifest = client.get(f"/{MANIFEST}", headers={"Host": "evil.example"}).get_json(force=True)
    assert manifest["id"] == f"{BASE_URL}/{MANIFEST}"


def test_a_trusted_address_gets_its_own_links(config: Config) -> None:
    """kura.toml's trusted_urls: a second name behind a proxy gets links on itself, and
    responses that differ by Host say so (Vary: Host); tiles do not differ."""
    import dataclasses

    trusting = dataclasses.replace(config, trusted_urls=("https://archive.example.jp:8443",))
    client = create_app(trusting, {"TESTING": True}).test_client()
    response = client.get(f"/items/{ITEM}", base_url="https://archive.example.jp:8443")
    page = text(response)
    assert f'href="https://archive.example.jp:8443/iiif/{ITEM}/manifest.json"' in page
    assert BASE_URL not in page
    assert "Host" in response.headers["Vary"]
    other = text(client.get(f"/items/{ITEM}", base_url="https://other.example"))
    assert f'href="{BASE_URL}/iiif/{ITEM}/manifest.json"' in other
    assert "Host" not in client.get(f"/{TILE}").headers.get("Vary", "")
    # with no other address trusted, nothing varies by Host
    plain = create_app(config, {"TESTING": True}).test_client()
    assert "Host" not in plain.get(f"/items/{ITEM}").headers.get("Vary", "")


def test_item_page_shows_title_metadata_pages_and_manifest(client: FlaskClient) -> None:
    response = client.get(f"/items/{ITEM}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1" in page and "指田日記" in page and "Sashida Diary" in page
    assert "サシダニッキ" in page  # the reading
    for label in ("資料種別", "Material type", "年代", "Date", "員数", "Quantity"):
        assert label in page
    assert "古文書" in page and "天保5年" in page and "3 冊" in page
    assert "日記、古文書" in page  # a ;-separated column as a list
    assert "A village headman&#39;s diary" in page  # English value beside the Japanese
    assert 'href="http://creativecommons.org/licenses/by/4.0/"' in page
    assert "CC BY 4.0" in page
    service = f"http://localhost/iiif/{ITEM}/{IMAGE}"
    # deep zoom over the page's info.json, right to left as the record says
    assert f'data-tiles="[&#34;{service}/info.json&#34;]"' in page
    assert 'data-direction="right-to-left"' in page
    assert "/static/vendor/openseadragon/openseadragon.min.js" in page
    # CC BY allows reuse: every listed size below the full image, then the full image
    for src in (f"{service}/full/150,100/0/default.jpg", f"{service}/full/max/0/default.jpg"):
        assert f'href="{src}" download' in page
        with client.get(local(src)) as image:
            assert image.mimetype == "image/jpeg"
    assert f'href="{service}/full/600,400/0/default.jpg"' not in page  # == full size
    manifest = f"http://localhost/{MANIFEST}"
    assert f'<a href="{manifest}" type="application/ld+json">IIIF マニフェスト</a>' in page
    assert f'href="{manifest}?manifest=http%3A%2F%2Flocalhost%2Fiiif%2F' in page  # IIIF logo
    assert "https://projectmirador.org/embed/?iiif-content=http%3A%2F%2Flocalhost" in page
    assert 'id="share-link"' in page
    assert f'href="http://localhost/records/{ITEM}.json"' in page


def test_item_without_images_shows_its_record(client: FlaskClient) -> None:
    response = client.get(f"/items/{NO_IMAGE_ITEM}")
    assert response.status_code == 200
    page = text(response)
    assert "横中馬獅子舞" in page and "写真" in page
    assert "この資料には画像がありません" in page
    assert "IIIF マニフェスト" not in page  # no manifest for an item without images
    assert 'id="osd"' not in page and "openseadragon" not in page
    assert "<img" not in page.replace('<img src="/static/iiif-logo.svg"', "")


@pytest.mark.parametrize(
    "path", ["/items/no-such-item", "/items/..", "/items/%2e%2e%2fkura.toml", "/no/such/page"]
)
def test_unknown_pages_are_404_in_the_site_look(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    page = text(response)
    assert '<html lang="ja" ' in page
    assert "テスト市デジタルアーカイブ" in page  # the site header
    assert "/static/kura.css" in page
    assert "ページが見つかりません" in page and "Not found" in page


def test_unknown_item_says_which_id_is_missing(client: FlaskClient) -> None:
    page = text(client.get("/items/no-such-item"))
    assert "資料「no-such-item」はありません" in page
    assert "no item with id &#39;no-such-item&#39;" in page


@pytest.mark.parametrize("path", [f"/items/{XSS_ITEM}", f"/items/{XSS_ITEM}?lang=en"])
def test_markup_in_metadata_is_escaped(client: FlaskClient, path: str) -> None:
    page = text(client.get(path))
    assert XSS_TITLE not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/", f"/items/{ITEM}", f"/items/{NO_IMAGE_ITEM}", "/nope"])
def test_pages_need_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    """The CSP allows only files from this site, so pages carry no inline code."""
    page = text(client.get(path))
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        if 'type="application/ld+json"' in attributes:  # schema.org data: never run
            json.loads(body)
            continue
        assert 'src="/static/' in attributes and body == ""
    assert "<style" not in page and "style=" not in page and " on" + "click=" not in page


def test_stylesheet_is_served(client: FlaskClient) -> None:
    response = client.get("/static/kura.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = text(response)
    response.close()
    assert "Hiragino" in css and "Noto Sans JP" in css


def test_broken_record_is_left_off_home_and_its_page_is_a_500(config: Config) -> None:
    put(config.store_dir, "records/broken-004.json", "{not json")
    app = create_app(config, {"TESTING": True, "PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    home = client.get("/")
    assert home.status_code == 200
    assert "broken-004" not in text(home) and "指田日記" in text(home)
    response = client.get("/items/broken-004")
    assert response.status_code == 500
    page = text(response)
    assert "サーバーの内部エラーです" in page and "Internal server error" in page
    assert "Traceback" not in page and "records/" not in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --------------------------------------------------------------------------------------
# IIIF files and records


def test_manifest_has_cors_type_etag_and_revalidates(client: FlaskClient, config: Config) -> None:
    response = client.get(f"/{MANIFEST}")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == PRESENTATION
    assert response.headers["Cache-Control"] == "public, max-age=300"
    etag = response.headers["ETag"]
    assert etag
    # rendered from the record for the address the request came to (none is stored)
    assert not (config.store_dir / MANIFEST).exists()
    served = response.get_json(force=True)
    assert served == documents(config.root, "http://localhost").render(MANIFEST)
    assert served["id"] == f"http://localhost/{MANIFEST}"
    assert served["label"]["ja"] == ["指田日記"]
    assert BASE_URL not in response.get_data(as_text=True)
    response.close()

    with client.get(f"/{MANIFEST}", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
        assert again.get_data() == b""
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        assert again.headers["ETag"] == etag


@pytest.mark.parametrize(
    "key", [f"iiif/{ITEM}/{IMAGE}/info.json", "iiif/collection/top.json", MANIFEST]
)
def test_iiif_json_is_json_ld(client: FlaskClient, key: str) -> None:
    response = client.get(f"/{key}")
    assert response.status_code == 200
    profile = IMAGE_PROFILE if key.endswith("info.json") else PRESENTATION
    assert response.headers["Content-Type"] == profile
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.get_json(force=True)["id"] == f"http://localhost/{key}".removesuffix(
        "/info.json"
    )
    response.close()


def test_info_json_is_rendered_not_the_tilers(client: FlaskClient, config: Config) -> None:
    """The info.json beside the tiles has the key as its id; the one served has this site's
    address, the record's size and the sizes the tiles were made at."""
    key = keys.info(ITEM, IMAGE)
    stored = json.loads((config.store_dir / key).read_bytes())
    assert stored["id"] == keys.image(ITEM, IMAGE)
    with client.get(f"/{key}") as response:
        info = response.get_json(force=True)
    assert info["id"] == f"http://localhost/{keys.image(ITEM, IMAGE)}"
    assert (info["width"], info["height"]) == (600, 400)
    assert [[s["width"], s["height"]] for s in info["sizes"]] == SIZES
    assert info == {**stored, "id": info["id"]}
    # a tree the record does not name is not a service, even when its files are there
    put(config.store_dir, f"iiif/{ITEM}/fedcba9876543210/info.json", json.dumps(stored))
    assert client.get(f"/iiif/{ITEM}/fedcba9876543210/info.json").status_code == 404


def test_tile_is_a_jpeg_cached_for_good(client: FlaskClient) -> None:
    response = client.get(f"/{TILE}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"]
    assert Image.open(io.BytesIO(response.get_data())).size == (256, 256)
    response.close()


def test_tile_answers_a_range_request(client: FlaskClient) -> None:
    response = client.get(f"/{TILE}", headers={"Range": "bytes=0-1"})
    assert response.status_code == 206
    assert response.get_data() == b"\xff\xd8"
    response.close()


def _through_flask(app: Flask, path: str, **headers: str):
    """The same request answered by the Flask route, without the tile layer in front."""
    from werkzeug.test import Client

    return Client(app.wsgi_app.app).get(path, headers=headers)  # type: ignore[attr-defined]


def test_tiles_skip_the_framework_with_the_same_answer(app: Flask, client: FlaskClient) -> None:
    """viewer.tiles answers tiles ahead of Flask: the same body and headers as the route."""
    from viewer.tiles import TileFiles

    assert isinstance(app.wsgi_app, TileFiles)
    fast, slow = client.get(f"/{TILE}"), _through_flask(app, f"/{TILE}")
    assert fast.status_code == slow.status_code == 200
    assert fast.get_data() == slow.get_data()
    ignore = {"Date", "Expires"}
    assert {k: v for k, v in fast.headers.items() if k not in ignore} == {
        k: v for k, v in slow.headers.items() if k not in ignore
    }
    etag = fast.headers["ETag"]
    for conditional in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-Modified-Since": fast.headers["Last-Modified"]},
    ):
        again, flask = (
            client.get(f"/{TILE}", headers=conditional),
            _through_flask(app, f"/{TILE}", **conditional),
        )
        assert again.status_code == flask.status_code == 304, conditional
        assert again.get_data() == b"" and again.headers["ETag"] == etag
        assert again.headers["Access-Control-Allow-Origin"] == "*"
        again.close()
        flask.close()
    changed = client.get(f"/{TILE}", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200 and changed.get_data() == slow.get_data()
    head = client.head(f"/{TILE}")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == slow.headers["Content-Length"]
    for response in (fast, slow, changed, head):
        response.close()


def test_a_link_out_of_the_store_is_404_for_tiles_too(client: FlaskClient, config: Config) -> None:
    outside = config.root / "secret.jpg"
    outside.write_bytes(jpeg(8, 8))
    link = config.store_dir / f"iiif/{ITEM}/{IMAGE}/0,0,8,8/8,8/0/default.jpg"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    response = client.get(f"/iiif/{ITEM}/{IMAGE}/0,0,8,8/8,8/0/default.jpg")
    assert response.status_code == 404 and "<html" in text(response)  # the site's 404 page
    assert client.get(f"/iiif/{ITEM}/{IMAGE}/../../../secret.jpg/0/default.jpg").status_code == 404


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        f"/{MANIFEST}",
        headers={"Origin": "https://viewer.example", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_record_json(client: FlaskClient, config: Config) -> None:
    response = client.get(f"/records/{ITEM}.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data() == (config.store_dir / f"records/{ITEM}.json").read_bytes()
    response.close()
    assert client.get("/records/no-such-item.json").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/iiif/../kura.toml",
        "/iiif/%2e%2e/kura.toml",
        "/iiif/x/..%2f..%2fkura.toml",
        "/iiif/%2e%2e%2f%2e%2e%2fkura.toml",
        "/iiif/%5c..",
        "/iiif/..%5c..%5ckura.toml",
        "/iiif//etc/passwd",
        "/iiif/%2fetc/passwd",
        f"/iiif/{ITEM}/manifest.json%00",
        f"/iiif/{ITEM}/./manifest.json",
        f"/iiif/{ITEM}",  # a folder, not a file
        "/records/../kura.toml.json",
        "/records/..%2fkura.toml.json",
        "/records/.json",
    ],
)
def test_paths_out_of_the_store_are_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "base_url" not in text(response)  # nothing of kura.toml leaks


def test_unfinished_files_are_404(client: FlaskClient, config: Config) -> None:
    staged = f"iiif/{ITEM}/{IMAGE}.kura-tmp-123/info.json"
    put(config.store_dir, staged, "{}")
    put(config.store_dir, f"{MANIFEST}.kura-tmp-9", "{}")
    assert client.get(f"/{staged}").status_code == 404
    assert client.get(f"/{MANIFEST}.kura-tmp-9").status_code == 404


def test_symlink_out_of_the_store_is_404(client: FlaskClient, config: Config) -> None:
    link = config.store_dir / "iiif" / "secret.json"
    link.symlink_to(config.root / "kura.toml")
    assert client.get("/iiif/secret.json").status_code == 404


# --------------------------------------------------------------------------------------
# Headers on every response


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        (f"/items/{ITEM}", 200),
        (f"/{MANIFEST}", 200),
        (f"/{TILE}", 200),
        (f"/records/{ITEM}.json", 200),
        ("/static/kura.css", 200),
        ("/items/no-such-item", 404),
        ("/iiif/../kura.toml", 404),
    ],
)
def test_security_headers_on_every_response(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    response.close()


def test_security_headers_on_not_modified(client: FlaskClient) -> None:
    first = client.get(f"/{TILE}")
    first.close()
    with client.get(f"/{TILE}", headers={"If-None-Match": first.headers["ETag"]}) as response:
        assert response.status_code == 304
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


# --------------------------------------------------------------------------------------
# kura serve


def test_serve_project_announces_and_runs_waitress(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import viewer.serve

    calls = []
    monkeypatch.setattr(viewer.serve.waitress, "serve", lambda app, **kw: calls.append((app, kw)))
    viewer.serve.serve_project(config, "127.0.0.1", 8765)
    out = capsys.readouterr().out
    assert out.startswith("公開中: http://127.0.0.1:8765/ (Ctrl-C で終了)")
    assert "serving http://127.0.0.1:8765/" in out
    [(app, kwargs)] = calls
    assert isinstance(app, Flask) and app.extensions["kura"].config is config
    assert kwargs == {"host": "127.0.0.1", "port": 8765, "threads": 8}


def test_kura_serve_options(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from click.testing import CliRunner

    import viewer.serve
    from kura.cli import cli

    calls = []
    monkeypatch.setattr(viewer.serve.waitress, "serve", lambda app, **kw: calls.append(kw))
    monkeypatch.setattr(Flask, "run", lambda app, **kw: calls.append({"dev": kw}))
    runner = CliRunner()
    args = ["-C", str(config.root), "serve", "--port", "8123", "--threads", "4"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert calls[-1] == {"host": "127.0.0.1", "port": 8123, "threads": 4}
    result = runner.invoke(cli, ["-C", str(config.root), "serve", "--dev"])
    assert result.exit_code == 0, result.output
    assert calls[-1] == {
        "dev": {"host": "127.0.0.1", "port": 8000, "debug": False, "use_reloader": True}
    }
    assert runner.invoke(cli, ["-C", str(config.root), "serve", "--port", "0"]).exit_code == 2


def test_one_url_builder_for_pages_under_a_path(config: Config) -> None:
    """Templates and views take every link from ``urls`` (the one builder): with a base_url
    under a path (a proxy serving the site at /kura), page, static and API links keep it."""
    import dataclasses

    under = dataclasses.replace(config, base_url="https://city.example.jp/kura")
    client = create_app(under, {"TESTING": True}).test_client()
    page = text(client.get(f"/items/{ITEM}"))
    assert 'href="/kura/search"' in page or 'action="/kura/search"' in page
    assert 'href="/kura/static/kura.css"' in page
    assert f'href="https://city.example.jp/kura/api/items/{ITEM}"' in page
    assert 'href="/kura/lessons/"' in page and 'href="/kura/collections/"' in page
    assert not re.search(r'(href|src|action)="/(?!kura/)[a-z]', page), re.findall(
        r'(?:href|src|action)="/(?!kura/)[^"]*"', page
    )
    home = text(client.get("/"))
    assert f'href="/kura/items/{ITEM}"' in home
    robots = text(client.get("/robots.txt"))
    assert "Disallow: /kura/search" in robots
    assert "Sitemap: https://city.example.jp/kura/sitemap.xml" in robots
