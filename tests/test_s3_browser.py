"""An item whose tiles come from the S3 endpoint, in a real browser: the sample archive is
published to SeaweedFS (``kura publish --base-url`` = the bucket's URL, ``--set-cors``,
``--public-read``), kura.toml's ``public_url`` names that URL, and the viewer runs locally.
Chromium opens the item page; OpenSeadragon must fetch ``info.json`` and every tile from the
S3 endpoint (200, ``image/jpeg``), and nothing IIIF from the viewer itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from archive.config import load_config
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.conftest import import_or_missing, needs
from tests.viewer_demo import running
from viewer import create_app

if TYPE_CHECKING:
    from tests.s3server import Seaweed

playwright_api = import_or_missing("playwright.sync_api", "Playwright for Python")
pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

CHROMIUM = Path("/usr/bin/chromium")
TILE = re.compile(r"/iiif/[^/]+/[^/]+/\d+,\d+,\d+,\d+/\d+,\d*/0/default\.jpg$")

pytestmark = needs(CHROMIUM.exists(), "Debian's chromium")


@pytest.fixture
def published_site(s3env: Seaweed, sample_project: Path) -> Iterator[tuple[str, str]]:
    """The viewer's URL and the bucket's public URL, after ingest and publish."""
    config = load_config(sample_project)
    assert not Ingest(config, IngestOptions(jobs=1)).run().failed
    bucket = s3env.new_bucket()
    public = f"{s3env.endpoint}/{bucket}/site"
    args = ["--lang", "en", "-C", str(sample_project), "publish", "--to", f"s3://{bucket}/site"]
    args += ["--base-url", public, "--set-cors", "--public-read"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    toml = sample_project / "kura.toml"
    toml.write_text(f'public_url = "{public}"\n' + toml.read_text(encoding="utf-8"), "utf-8")
    with running(lambda url: create_app(load_config(sample_project), listening=(url,))) as url:
        yield url, public


def test_item_tiles_come_from_the_s3_endpoint(published_site: tuple[str, str]) -> None:
    site, public = published_site
    s3_host = urlsplit(public).netloc
    tiles: list[tuple[str, int, str]] = []
    iiif_from_viewer: list[str] = []
    info: list[tuple[str, int]] = []
    failed: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def seen(response) -> None:
                url = response.url
                if urlsplit(url).netloc != s3_host and "/iiif/" in url:
                    iiif_from_viewer.append(url)
                if url.endswith("/info.json"):
                    info.append((url, response.status))
                if TILE.search(url):
                    tiles.append((url, response.status, response.headers.get("content-type", "")))

            page.on("response", seen)
            page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
            page.on("console", lambda m: failed.append(m.text) if m.type == "error" else None)
            page.goto(f"{site}/items/sashida-nikki")
            # the page hands OpenSeadragon the public info.json URLs
            data_tiles = page.get_attribute("#osd", "data-tiles") or ""
            assert f"{public}/iiif/sashida-nikki/" in data_tiles
            deadline = time.monotonic() + 15
            while len(tiles) < 2 and time.monotonic() < deadline:
                page.wait_for_timeout(100)
            page.click("#osd-zoom-in")
            page.wait_for_timeout(1000)
        finally:
            browser.close()
    assert len(tiles) >= 2, (tiles, failed)
    for url, status, content_type in tiles:
        assert urlsplit(url).netloc == s3_host, url
        assert url.startswith(f"{public}/iiif/sashida-nikki/"), url
        assert status == 200, url
        assert content_type == "image/jpeg", url
    assert info and all(urlsplit(u).netloc == s3_host and status == 200 for u, status in info), info
    assert iiif_from_viewer == []  # the viewer served pages only
    assert [f for f in failed if "ERR_ABORTED" not in f] == []
    print(f"{len(tiles)} tiles from {s3_host}, {len(info)} info.json")
