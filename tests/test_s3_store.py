"""S3Store against a real S3 server (SeaweedFS): the store protocol, headers as fetched over
HTTP, one-line errors, and ``kura ingest``/``kura verify`` straight to a bucket."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from click.testing import CliRunner

from archive.errors import StoreError
from archive.s3store import CACHE_DOCUMENT, CACHE_TILE, S3Store
from archive.store import open_store
from kura.cli import cli
from tests.rendered import Published

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures


def public_url(server: Seaweed, bucket: str, key: str) -> str:
    return f"{server.endpoint}/{bucket}/{key}"


def set_store(root: Path, spec: str) -> None:
    path = root / "kura.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^store = .*$", f'store = "{spec}"', text, flags=re.M)
    if f'store = "{spec}"' not in text:
        text = f'store = "{spec}"\n' + text
    path.write_text(text, encoding="utf-8")


def test_protocol_round_trip(s3env: Seaweed) -> None:
    bucket = s3env.new_bucket()
    store = open_store(f"s3://{bucket}/town", Path("."))
    assert isinstance(store, S3Store)
    store.put("records/a.json", b'{"id": "a"}')
    with store.tree("iiif/a/t1") as tree:
        tree.put("info.json", b"{}")
        for i in range(20):
            tree.put(f"0,0,256,256/256,/0/default{i}.jpg", b"\xff\xd8" + bytes([i]))
    assert store.get("records/a.json") == b'{"id": "a"}'
    assert store.exists("iiif/a/t1/info.json")
    assert not store.exists("iiif/a/t1/nothing.json")
    assert len(list(store.list("iiif/a/t1"))) == 21
    assert store.folders("iiif/a") == ["t1"]
    assert store.size("records/a.json") == 11
    with store.open("records/a.json") as fh:
        assert fh.read() == b'{"id": "a"}'
    with pytest.raises(StoreError, match="no such key"):
        store.get("records/missing.json")
    store.delete_tree("iiif/a")
    assert list(store.list("iiif")) == []
    # keys live under the prefix, nothing outside it
    raw = s3env.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert {o["Key"] for o in raw} == {"town/records/a.json"}


def test_failed_tree_leaves_nothing(s3env: Seaweed) -> None:
    store = open_store(f"s3://{s3env.new_bucket()}", Path("."))
    with pytest.raises(RuntimeError), store.tree("iiif/a/t1") as tree:
        tree.put("info.json", b"{}")
        tree.put("full/max/0/default.jpg", b"x")
        raise RuntimeError("tiler crashed")
    assert list(store.list("iiif")) == []


def test_content_type_and_cache_over_http(s3env: Seaweed, tmp_path: Path) -> None:
    bucket = s3env.new_bucket()
    store = open_store(f"s3://{bucket}/p", Path("."))
    big = tmp_path / "master.tif"
    big.write_bytes(b"II*\x00" + b"\x00" * 1000)
    store.put("iiif/a/t/info.json", b"{}")
    store.put("iiif/a/t/full/max/0/default.jpg", b"\xff\xd8\xff")
    store.put("iiif/a/manifest.json", b"{}")
    store.put("opendata/132233_cultural_property.csv", "\ufeffID\r\n".encode())
    store.put("sitemap.xml", b"<urlset/>")
    store.put_file("masters/a/0123/master.tif", big)
    expected = {
        "iiif/a/t/info.json": ("application/ld+json", CACHE_DOCUMENT),
        "iiif/a/t/full/max/0/default.jpg": ("image/jpeg", CACHE_TILE),
        "iiif/a/manifest.json": ("application/ld+json", CACHE_DOCUMENT),
        "opendata/132233_cultural_property.csv": ("text/csv; charset=utf-8", CACHE_DOCUMENT),
        "sitemap.xml": ("application/xml", CACHE_DOCUMENT),
        "masters/a/0123/master.tif": ("image/tiff", CACHE_TILE),
    }
    client = s3env.client()
    for key, (content_type, cache) in expected.items():
        # the bucket is private: fetched over plain HTTP with a presigned URL
        assert requests.get(public_url(s3env, bucket, f"p/{key}"), timeout=10).status_code == 403
        signed = client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": f"p/{key}"}, ExpiresIn=60
        )
        response = requests.get(signed, timeout=10)
        assert response.status_code == 200, key
        assert response.headers["Content-Type"] == content_type, key
        assert response.headers["Cache-Control"] == cache, key
        assert len(response.headers["x-amz-meta-sha256"]) == 64


def test_multipart_master(s3env: Seaweed, tmp_path: Path, monkeypatch) -> None:
    import archive.s3store as s3

    monkeypatch.setattr(s3, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    store = open_store(f"s3://{s3env.new_bucket()}", Path("."))
    source = tmp_path / "big.tif"
    source.write_bytes(bytes(range(256)) * (12 * 4096))  # 12 MiB: three parts
    sha = store.put_file("masters/x/abc/big.tif", source)
    head = store.head("masters/x/abc/big.tif")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart upload
    assert head["Metadata"]["sha256"] == sha
    assert store.get("masters/x/abc/big.tif") == source.read_bytes()


def test_wrong_secret_is_one_line(seaweed: Seaweed, sample_project: Path, monkeypatch) -> None:
    bucket = seaweed.new_bucket()
    set_store(sample_project, f"s3://{bucket}/archive")
    for name, value in seaweed.env(AWS_SECRET_ACCESS_KEY="wrong-secret").items():
        monkeypatch.setenv(name, value)
    for command in (["ingest"], ["verify"]):
        result = CliRunner().invoke(cli, ["-C", str(sample_project), *command])
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, result.output
        assert "S3" in lines[0] and "credentials" in lines[0]


def test_missing_bucket_is_one_line(s3env: Seaweed, sample_project: Path) -> None:
    set_store(sample_project, "s3://kura-no-such-bucket/archive")
    result = CliRunner().invoke(cli, ["-C", str(sample_project), "verify"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "no such bucket" in result.output


def test_ingest_and_verify_on_s3(s3env: Seaweed, sample_project: Path) -> None:
    bucket = s3env.new_bucket()
    set_store(sample_project, f"s3://{bucket}/archive")
    runner = CliRunner()
    result = runner.invoke(cli, ["-C", str(sample_project), "ingest", "-j", "1"])
    assert result.exit_code == 0, result.output
    store = open_store(f"s3://{bucket}/archive", sample_project)
    # the bucket holds records and tiles; documents are rendered from them, for any address
    assert not store.exists("iiif/sashida-nikki/manifest.json")
    assert not list(store.list("iiif/collection"))
    published = Published(sample_project, "https://archive.example.jp")
    assert isinstance(published.store, type(store))
    manifest = json.loads(published.get("iiif/sashida-nikki/manifest.json"))
    assert len(manifest["items"]) == 3
    assert manifest["id"] == "https://archive.example.jp/iiif/sashida-nikki/manifest.json"
    assert store.exists("records/shishimai.json")
    assert published.exists("iiif/collection/top.json")
    assert any(k.startswith("masters/bonsho/") for k in store.list("masters"))
    result = runner.invoke(cli, ["-C", str(sample_project), "verify"])
    assert result.exit_code == 0, result.output
    # a re-run does nothing
    result = runner.invoke(cli, ["-C", str(sample_project), "ingest", "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "0 new" in result.output or "新規 0 件" in result.output
    # a tile removed from the bucket is found by verify
    tile = next(k for k in store.list("iiif/bonsho") if k.endswith(".jpg"))
    store.delete(tile)
    result = runner.invoke(cli, ["-C", str(sample_project), "verify"])
    assert result.exit_code == 1
    assert tile in result.output


def test_small_puts_go_without_expect_continue(s3env: Seaweed) -> None:
    """botocore would wait for "100 Continue" before every body (one more round trip per
    tile); Kura's client sends bodies under 1 MB at once, bigger ones still ask first."""
    bucket = s3env.new_bucket()
    store = open_store(f"s3://{bucket}", Path("."))
    assert isinstance(store, S3Store)
    sent: dict[str, str | None] = {}

    def capture(request, **_) -> None:
        expect = request.headers.get("Expect")
        sent[request.url.rsplit("/", 1)[-1]] = (
            expect.decode() if isinstance(expect, bytes) else expect
        )

    store.client.meta.events.register("before-send.s3.PutObject", capture)
    store.put("iiif/a/tile.jpg", b"\xff\xd8" + bytes(5000))
    store.put("masters/a/big.tif", bytes(2 << 20))
    assert sent == {"tile.jpg": None, "big.tif": "100-continue"}
    assert store.get("iiif/a/tile.jpg") == b"\xff\xd8" + bytes(5000)
    assert store.size("masters/a/big.tif") == 2 << 20
