"""What the site offers harvesters: sitemap.xml, robots.txt, schema.org JSON-LD on item
pages, the open-data CSV at /opendata/…, and the change feed at /activity/…."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import load_config
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from viewer import create_app


@pytest.fixture
def client(sample_project: Path):
    config = load_config(sample_project)
    assert not Ingest(config, IngestOptions(jobs=1)).run().failed
    result = CliRunner().invoke(cli, ["-C", str(sample_project), "export", "opendata"])
    assert result.exit_code == 0, result.output
    return create_app(config, {"TESTING": True}, listening=("http://localhost",)).test_client()


def test_robots_and_sitemap(client) -> None:
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
    assert robots.content_type.startswith("text/plain")
    assert "Sitemap: http://localhost/sitemap.xml" in robots.text
    sitemap = client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert sitemap.content_type.startswith("application/xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(sitemap.data).findall("s:url/s:loc", ns)]
    assert "http://localhost/items/sashida-nikki" in locs
    assert "http://localhost/items/shishimai" in locs  # records without images too
    for loc in locs:
        with client.get(loc.removeprefix("http://localhost")) as response:
            assert response.status_code == 200


def test_item_page_has_schema_org_jsonld(client) -> None:
    page = client.get("/items/sashida-nikki").text
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD"
    data = json.loads(match.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["name"] == "指田日記"
    assert "サシダニッキ" in data["alternateName"]
    assert data["url"] == "http://localhost/items/sashida-nikki"
    assert data["license"].startswith("http://creativecommons.org/licenses/by/")
    assert data["subjectOf"]["url"] == "http://localhost/iiif/sashida-nikki/manifest.json"
    with client.get(data["image"].removeprefix("http://localhost")) as image:
        assert image.status_code == 200
    assert data["dateCreated"] == "1834/1871"


def test_jsonld_cannot_close_its_script(sample_project: Path) -> None:
    sheet = sample_project / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace(
            "村の暮らしを記した日記", "</script><script>alert(1)</script>"
        ),
        encoding="utf-8-sig",
    )
    config = load_config(sample_project)
    Ingest(config, IngestOptions(jobs=1, only=["sashida-nikki"])).run()
    page = (
        create_app(config, {"TESTING": True}, listening=("http://localhost",))
        .test_client()
        .get("/items/sashida-nikki")
        .text
    )
    assert "<script>alert(1)" not in page


def test_opendata_and_activity_are_served(client) -> None:
    with client.get("/opendata/cultural_property.csv") as csv:
        assert csv.status_code == 200
        assert csv.data.startswith(b"\xef\xbb\xbf\xe5\x85\xa8")  # BOM, 全国地方公共団体コード
        assert csv.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/opendata/../kura.toml").status_code == 404
    feed = client.get("/activity/all-changes.json")
    assert feed.status_code == 200
    assert feed.json["type"] == "OrderedCollection"
    assert feed.json["id"] == "http://localhost/activity/all-changes.json"
    page = client.get(feed.json["first"]["id"].removeprefix("http://localhost"))
    assert page.json["orderedItems"][0]["object"]["id"].startswith("http://localhost/iiif/")


def test_footer_links_the_opendata_file(client, sample_project: Path) -> None:
    for path in ("/", "/items/bonsho", "/search?q=日記"):
        page = client.get(path).text
        assert 'href="http://localhost/opendata/cultural_property.csv"' in page, path
        assert "オープンデータ(文化財一覧 CSV)" in page
    assert "Open data (cultural properties, CSV)" in client.get("/?lang=en").text
    with client.get("/opendata/cultural_property.csv") as csv:
        assert csv.status_code == 200
    # no file exported: no link
    (load_config(sample_project).store_dir / "opendata" / "cultural_property.csv").unlink()
    fresh = create_app(
        load_config(sample_project), {"TESTING": True}, listening=("http://localhost",)
    ).test_client()
    assert "/opendata/" not in fresh.get("/").text


def test_public_url_moves_iiif_links_not_pages(sample_project: Path) -> None:
    """With kura.toml's public_url (a CDN or bucket filled by `kura publish`), pages link
    manifests, info.json, images, records and the CSV there; page links stay local."""
    public = "https://cdn.example.jp/bucket/site"
    toml = sample_project / "kura.toml"
    toml.write_text(f'public_url = "{public}/"\n' + toml.read_text(encoding="utf-8"), "utf-8")
    config = load_config(sample_project)
    assert config.public_url == public
    assert not Ingest(config, IngestOptions(jobs=1)).run().failed
    client = create_app(config, {"TESTING": True}, listening=("http://localhost",)).test_client()
    response = client.get("/items/sashida-nikki")
    page = response.text
    assert f'href="{public}/iiif/sashida-nikki/manifest.json"' in page
    assert f"{public}/iiif/sashida-nikki/" in re.search(r'data-tiles="([^"]*)"', page).group(1)
    assert f'src="{public}/iiif/sashida-nikki/' in page
    assert f"{public}/opendata/cultural_property.csv" in page  # published with the files
    assert 'href="/collections/"' in page and 'href="/lessons/"' in page  # pages stay here
    csp = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://cdn.example.jp;" in csp
    assert "connect-src 'self' https://cdn.example.jp;" in csp
    api = client.get("/api/items/sashida-nikki").json
    assert api["links"]["manifest"] == f"{public}/iiif/sashida-nikki/manifest.json"
    assert api["links"]["html"] == "http://localhost/items/sashida-nikki"
    # the IIIF files the viewer still serves itself have the ids of where they are published
    served = client.get("/iiif/sashida-nikki/manifest.json").json
    assert served["id"] == f"{public}/iiif/sashida-nikki/manifest.json"
    assert served["homepage"][0]["id"] == "http://localhost/items/sashida-nikki"


def test_public_url_must_be_a_plain_url(sample_project: Path) -> None:
    from archive.errors import ConfigError

    toml = sample_project / "kura.toml"
    original = toml.read_text(encoding="utf-8")
    for bad in ("cdn.example.jp", "https://cdn.example.jp; script-src *", "ftp://x"):
        toml.write_text(f'public_url = "{bad}"\n' + original, "utf-8")
        with pytest.raises(ConfigError, match="public_url"):
            load_config(sample_project)
