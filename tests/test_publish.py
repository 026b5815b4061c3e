"""``kura publish`` to a real S3 server (SeaweedFS): documents rendered for the public
address, incremental, resumable after a kill, --delete, --set-cors (preflight and simple GET
from another origin), errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from click.testing import CliRunner

from archive import addresses
from archive.publish import CRASH_ENV, Publisher
from archive.store import LocalStore, open_store
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.conftest import make_scan
from tests.rendered import documents

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

PUBLIC = "https://archive.example.jp/kura"


def ingest(root: Path) -> None:
    from archive.config import load_config

    summary = Ingest(load_config(root), IngestOptions(jobs=1)).run()
    assert not summary.failed


def publish(root: Path, target: str, *extra: str) -> dict:
    result = CliRunner().invoke(
        cli,
        ["--lang", "en", "-C", str(root), "publish", "--to", target, "--base-url", PUBLIC, *extra],
    )
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    numbers = line.split("— ", 1)[1]
    return {
        "uploaded": int(numbers.split(" uploaded")[0]),
        "unchanged": int(numbers.split(", ")[1].split(" unchanged")[0]),
        "deleted": int(numbers.split(", ")[2].split(" deleted")[0]),
        "line": line,
    }


@pytest.fixture
def sent(monkeypatch) -> list[list[str]]:
    """The keys each publish of the test uploaded, one list a run."""
    runs: list[list[str]] = []
    original = Publisher.run

    def recording(self):
        report = original(self)
        runs.append(sorted(report.uploaded_keys))
        return report

    monkeypatch.setattr(Publisher, "run", recording)
    return runs


def rendered_for(root: Path, base_url: str, history: list | None = None) -> dict[str, bytes]:
    """Every IIIF document of the project (info.json too) rendered for ``base_url`` (the
    change feed with the moves of an output of address ``history``)."""
    docs = documents(root, base_url)
    if history is not None:
        docs = docs.with_history(history)
    return {key: docs.render_bytes(key) for key in docs.document_keys()}


@pytest.fixture
def published(s3env: Seaweed, sample_project: Path) -> tuple[Path, str]:
    ingest(sample_project)
    target = f"s3://{s3env.new_bucket()}/site"
    return sample_project, target


def test_publish_then_republish_uploads_nothing(published, s3env: Seaweed, sent) -> None:
    """The bucket holds every document rendered for the public address (manifests, each
    page's info.json, the collections, the change feed), the tiles and records as stored, and
    no stored JSON of ``iiif/`` as it is (the tiler's info.json has a relative id)."""
    root, target = published
    first = publish(root, target)
    local = LocalStore(root / "public")
    assert first["uploaded"] > 30 and first["unchanged"] == 0
    remote = open_store(target, root)
    keys = set(remote.list(""))
    assert set(sent[0]) == keys  # each key sent once
    rendered = rendered_for(root, PUBLIC)
    assert {
        "iiif/sashida-nikki/manifest.json",
        "iiif/collection/top.json",
        "activity/all-changes.json",
        "activity/page-0.json",
    } <= set(rendered)
    for key, body in rendered.items():
        assert remote.get(key) == body, key
    tiles = [k for k in local.list("iiif") if not k.endswith(".json")]
    assert tiles and set(tiles) <= keys
    for key in [*tiles[:5], *local.list("records")]:
        assert remote.get(key) == local.get(key), key  # as they are
    stored_json = {k for k in local.list("iiif") if k.endswith(".json")}
    assert stored_json and stored_json <= set(rendered)  # every info.json: rendered, not sent
    assert keys == {
        *tiles,
        *local.list("records"),
        *rendered,
        *(k for k in keys if k.startswith("opendata/")),
    }
    assert not any(k.startswith(("state/", "fixity/", "masters/")) for k in keys)
    manifest = json.loads(remote.get("iiif/sashida-nikki/manifest.json"))
    assert manifest["id"] == f"{PUBLIC}/iiif/sashida-nikki/manifest.json"
    info_key = next(k for k in keys if k.startswith("iiif/bonsho/") and k.endswith("info.json"))
    assert (
        json.loads(remote.get(info_key))["id"] == f"{PUBLIC}/{info_key.removesuffix('/info.json')}"
    )
    for key in keys:
        if key.endswith(".json"):
            assert b"127.0.0.1" not in remote.get(key), key
    assert any(k.startswith("opendata/") for k in keys)
    feed = json.loads(remote.get("activity/all-changes.json"))
    assert feed["id"] == f"{PUBLIC}/activity/all-changes.json" and feed["totalItems"] == 3

    again = publish(root, target)
    assert again["uploaded"] == 0, again["line"]
    assert again["unchanged"] == first["uploaded"]
    assert sent[1] == []


def test_changed_item_sends_only_its_documents(published, sent) -> None:
    root, target = published
    publish(root, target)
    sheet = root / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("真福寺梵鐘", "真福寺の梵鐘"),
        encoding="utf-8-sig",
    )
    ingest(root)
    result = publish(root, target)
    # the record, its manifest, the top collection, the feed (a new event): nothing else
    # (its info.json renders to the same bytes, other items' documents are unchanged)
    assert sent[1] == [
        "activity/all-changes.json",
        "activity/page-0.json",
        "iiif/bonsho/manifest.json",
        "iiif/collection/top.json",
        "records/bonsho.json",
    ], result["line"]
    remote = open_store(target, root)
    assert "真福寺の梵鐘" in remote.get("iiif/bonsho/manifest.json").decode()
    assert "真福寺の梵鐘" in remote.get("iiif/collection/top.json").decode()
    for key, body in rendered_for(root, PUBLIC).items():
        assert remote.get(key) == body, key
    feed = json.loads(remote.get("activity/page-0.json"))
    assert feed["orderedItems"][-1]["type"] == "Update"
    assert feed["orderedItems"][-1]["object"]["id"] == f"{PUBLIC}/iiif/bonsho/manifest.json"


def test_delete_removes_only_with_the_flag(published) -> None:
    root, target = published
    publish(root, target)
    remote = open_store(target, root)
    remote.put("iiif/gone/manifest.json", b"{}")
    kept = publish(root, target)
    assert kept["deleted"] == 0 and "only in the bucket" in kept["line"]
    assert remote.exists("iiif/gone/manifest.json")
    removed = publish(root, target, "--delete")
    assert removed["deleted"] == 1
    assert not remote.exists("iiif/gone/manifest.json")


def test_cors_rule_preflight_and_simple_get(published, s3env: Seaweed) -> None:
    root, target = published
    publish(root, target, "--set-cors", "--public-read")
    bucket = target[len("s3://") :].split("/")[0]
    url = f"{s3env.endpoint}/{bucket}/site/iiif/sashida-nikki/manifest.json"
    origin = "https://viewer.example.org"
    preflight = requests.options(
        url,
        headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", origin)
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    simple = requests.get(url, headers={"Origin": origin}, timeout=10)
    assert simple.status_code == 200
    assert simple.headers["Access-Control-Allow-Origin"] in ("*", origin)
    assert simple.json()["type"] == "Manifest"
    assert simple.headers["Content-Type"] == "application/ld+json"
    rules = open_store(target, root).client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules[0]["AllowedOrigins"] == ["*"]


def test_public_read_only_as_configured(published, s3env: Seaweed) -> None:
    """A bucket is private until ``--public-read``; then anyone may GET the published files
    over plain HTTP, but not list the bucket nor read the masters (presigned URLs still
    work for those)."""
    root, target = published
    bucket = target[len("s3://") :].split("/")[0]
    base = f"{s3env.endpoint}/{bucket}/site"
    manifest = f"{base}/iiif/sashida-nikki/manifest.json"
    first = publish(root, target, "--masters")
    assert "public read" not in first["line"]
    assert requests.get(manifest, timeout=10).status_code == 403  # private by default
    set_now = publish(root, target, "--masters", "--public-read")
    assert set_now["uploaded"] == 0 and "public read set" in set_now["line"]
    remote = open_store(target, root)
    keys = list(remote.list(""))
    for key in (
        "iiif/sashida-nikki/manifest.json",
        next(k for k in keys if k.startswith("iiif/") and k.endswith(".jpg")),
        "records/bonsho.json",
        "activity/all-changes.json",
        next(k for k in keys if k.startswith("opendata/")),
    ):
        response = requests.get(f"{base}/{key}", timeout=10)
        assert response.status_code == 200, key
    assert (
        requests.get(manifest, timeout=10).json()["id"]
        == f"{PUBLIC}/iiif/sashida-nikki/manifest.json"
    )
    master = next(k for k in keys if k.startswith("masters/"))
    assert requests.get(f"{base}/{master}", timeout=10).status_code == 403
    assert requests.get(f"{s3env.endpoint}/{bucket}", timeout=10).status_code == 403  # no listing
    signed = remote.client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": f"site/{master}"}, ExpiresIn=60
    )
    assert requests.get(signed, timeout=10).status_code == 200
    # an operator's own statements survive; ours is replaced, not repeated
    policy = json.loads(remote.client.get_bucket_policy(Bucket=bucket)["Policy"])
    policy["Statement"].append(
        {
            "Sid": "Operator",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{bucket}/other/*"],
        }
    )
    remote.client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    publish(root, target, "--public-read")
    sids = [
        st.get("Sid")
        for st in json.loads(remote.client.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    ]
    assert sorted(sids) == ["KuraPublicRead", "Operator"]


def test_base_url_defaults_to_public_url(published) -> None:
    root, target = published
    toml = root / "kura.toml"
    toml.write_text(
        f'public_url = "{PUBLIC}"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), "publish", "--to", target])
    assert result.exit_code == 0, result.output
    remote = open_store(target, root)
    assert json.loads(remote.get("records/bonsho.json"))["id"] == "bonsho"
    manifest = json.loads(remote.get("iiif/bonsho/manifest.json"))
    assert manifest["id"] == f"{PUBLIC}/iiif/bonsho/manifest.json"


def test_killed_publish_resumes(published, s3env: Seaweed) -> None:
    root, target = published
    env = {**os.environ, **s3env.env(), CRASH_ENV: "25", "KURA_LANG": "en"}
    args = [sys.executable, "-m", "kura", "-C", str(root), "publish", "--to", target]
    args += ["--base-url", PUBLIC, "-j", "4"]
    killed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == 137, killed.stderr
    remote = open_store(target, root)
    partial = len(list(remote.list("")))
    assert 25 <= partial < 60
    resumed = publish(root, target)
    assert resumed["unchanged"] >= 25, resumed["line"]  # nothing sent twice
    total = resumed["uploaded"] + resumed["unchanged"]
    assert len(list(remote.list(""))) == total
    assert publish(root, target)["uploaded"] == 0


def test_wrong_secret_is_one_line(seaweed: Seaweed, sample_project: Path, monkeypatch) -> None:
    ingest(sample_project)
    bucket = seaweed.new_bucket()
    for name, value in seaweed.env(AWS_SECRET_ACCESS_KEY="not-the-secret").items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        cli,
        ["-C", str(sample_project), "publish", "--to", f"s3://{bucket}", "--base-url", PUBLIC],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_publish_masters_multipart(published, monkeypatch) -> None:
    import archive.s3store as s3

    root, target = published
    monkeypatch.setattr(s3, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    big = root / "scans" / "big.png"
    make_scan(big, (2600, 1800), seed=3, compress_level=0)
    assert big.stat().st_size > 5 * 1024 * 1024
    sheet = root / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("bonsho.png", "big.png"),
        encoding="utf-8-sig",
    )
    ingest(root)
    publish(root, target, "--masters")
    remote = open_store(target, root)
    key = next(k for k in remote.list("masters/bonsho") if k.endswith("big.png"))
    assert "-" in remote.head(key)["ETag"]  # a multipart upload
    assert publish(root, target, "--masters")["uploaded"] == 0


def listed_prefixes(monkeypatch) -> list[str]:
    """Record every full listing (``S3Store.list_objects``) a publish makes."""
    from archive.s3store import S3Store

    calls: list[str] = []
    original = S3Store.list_objects

    def recording(self, prefix: str = ""):
        calls.append(prefix)
        return original(self, prefix)

    monkeypatch.setattr(S3Store, "list_objects", recording)
    return calls


def image_folders(root: Path) -> set[str]:
    local = LocalStore(root / "public")
    return {k.rsplit("/", 1)[0] for k in local.list("iiif") if k.endswith("/info.json")}


def test_a_republish_does_not_list_complete_image_folders(published, monkeypatch) -> None:
    """Image folders are named after their content: once the bucket holds one completely
    and its local files are unchanged, a re-publish does not list its tiles."""
    root, target = published
    calls = listed_prefixes(monkeypatch)
    first = publish(root, target)
    folders = image_folders(root)
    assert len(folders) == 5 and "iiif" in calls  # the first publish lists everything
    calls.clear()
    again = publish(root, target)
    assert again["uploaded"] == 0 and again["unchanged"] == first["uploaded"], again["line"]
    assert "iiif" not in calls and not folders & set(calls), calls


def test_a_changed_scan_sends_its_new_folder_only(published, monkeypatch, sent) -> None:
    root, target = published
    publish(root, target)
    before = image_folders(root)
    make_scan(root / "scans" / "bonsho.png", (330, 410), seed=9)
    ingest(root)
    calls = listed_prefixes(monkeypatch)
    result = publish(root, target)
    new = image_folders(root) - before
    (old,) = before - image_folders(root)
    assert len(new) == 1 and old in calls  # a folder no longer local is listed in full
    folder = new.pop()
    local = LocalStore(root / "public")
    new_keys = set(local.list(folder))
    assert f"{folder}/info.json" in new_keys
    # the new folder (its info.json rendered), the record, the manifest, the top collection
    # and the feed: nothing of another item
    assert set(sent[1]) == new_keys | {
        "records/bonsho.json",
        "iiif/bonsho/manifest.json",
        "iiif/collection/top.json",
        "activity/all-changes.json",
        "activity/page-0.json",
    }, result["line"]
    remote = open_store(target, root)
    info = json.loads(remote.get(f"{folder}/info.json"))
    assert info["id"] == f"{PUBLIC}/{folder}" and (info["width"], info["height"]) == (330, 410)
    manifest = json.loads(remote.get("iiif/bonsho/manifest.json"))
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    assert service == f"{PUBLIC}/{folder}"
    assert "only in the bucket" in result["line"]  # the old folder, kept without --delete


def test_check_all_finds_a_tile_lost_from_the_bucket(published) -> None:
    root, target = published
    publish(root, target)
    remote = open_store(target, root)
    tile = next(k for k in remote.list("iiif/bonsho") if k.endswith("default.jpg"))
    remote.delete(tile)  # behind Kura's back
    assert publish(root, target)["uploaded"] == 0  # trusted: the folder was complete
    found = publish(root, target, "--check-all")
    assert found["uploaded"] == 1, found["line"]
    assert remote.get(tile) == LocalStore(root / "public").get(tile)


OTHER = "https://other.example.jp"


def test_a_new_base_url_sends_every_document_again(published, sent) -> None:
    """Documents rendered for another address are sent again (every info.json included),
    the tiles and records are not; nothing stored is rewritten."""
    root, target = published
    publish(root, target)
    local = LocalStore(root / "public")
    stored = {k: local.path(k).stat().st_mtime_ns for k in local.list("") if k[:6] != "state/"}
    result = CliRunner().invoke(
        cli,
        ["--lang", "en", "-C", str(root), "publish", "--to", target, "--base-url", OTHER],
    )
    assert result.exit_code == 0, result.output
    # the bucket's feed moves what it held at the old address (tests/test_moves.py)
    (output,) = [k for k in json.loads(local.get(addresses.KEY))["outputs"] if k != "viewer"]
    history = addresses.address_history(local, output)
    assert [a.files_url for a in history] == [PUBLIC, OTHER]
    rendered = rendered_for(root, OTHER, history)
    assert b'"type": "Move"' in rendered["activity/page-0.json"]
    assert set(rendered) <= set(sent[1])
    assert not [k for k in sent[1] if k not in rendered and not k.startswith("opendata/")]
    remote = open_store(target, root)
    for folder in image_folders(root):
        info = json.loads(remote.get(f"{folder}/info.json"))
        assert info["id"] == f"{OTHER}/{folder}", folder
    for key, body in rendered.items():
        assert remote.get(key) == body, key
        assert PUBLIC.encode() not in body or key.startswith("activity/"), key
    assert {k: local.path(k).stat().st_mtime_ns for k in stored} == stored
