"""The viewer over an S3-backed archive (``store = "s3://…"``): pages, IIIF documents with
their ids on the request's address, and tiles, all read from the bucket."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from archive.config import load_config
from archive.store import open_store
from ingest.pipeline import Ingest, IngestOptions
from tests.test_s3_store import set_store
from viewer import create_app

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures


def test_viewer_over_s3(s3env: Seaweed, sample_project: Path) -> None:
    set_store(sample_project, f"s3://{s3env.new_bucket()}/archive")
    config = load_config(sample_project)
    assert not Ingest(config, IngestOptions(jobs=1)).run().failed
    bucket = open_store(config.store, config.root)
    assert not bucket.exists("iiif/sashida-nikki/manifest.json")  # rendered when served
    client = create_app(config, {"TESTING": True}, listening=("http://localhost",)).test_client()
    assert client.get("/items/sashida-nikki").status_code == 200
    assert client.get("/items/shishimai").status_code == 200
    manifest = client.get("/iiif/sashida-nikki/manifest.json")
    assert manifest.status_code == 200
    assert manifest.json["id"] == "http://localhost/iiif/sashida-nikki/manifest.json"
    assert manifest.headers["Access-Control-Allow-Origin"] == "*"
    service = manifest.json["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    info = client.get(service.removeprefix("http://localhost") + "/info.json")
    assert info.status_code == 200 and info.json["id"] == service
    size = info.json["sizes"][0]
    tile = client.get(
        service.removeprefix("http://localhost")
        + f"/full/{size['width']},{size['height']}/0/default.jpg"
    )
    assert tile.status_code == 200
    assert tile.content_type == "image/jpeg"
    assert tile.data.startswith(b"\xff\xd8")
    assert (
        client.get(tile.request.path, headers={"If-None-Match": tile.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/iiif/sashida-nikki/nothing.json").status_code == 404
    assert client.get("/records/bonsho.json").status_code == 200
    assert "/items/bonsho" in client.get("/sitemap.xml").text
