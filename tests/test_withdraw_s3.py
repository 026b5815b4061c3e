"""Withdrawal over a real S3 server (SeaweedFS): ``kura publish`` stops sending a withdrawn
item, says what of it the bucket still holds, removes it with ``--delete`` and sends it again
after ``--undo``; an archive whose store is a bucket withdraws and answers 410 the same way."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner, Result

from archive.config import load_config
from archive.record import read_record
from archive.store import open_store
from archive.withdrawals import read_log
from kura.cli import cli
from tests.test_s3_store import set_store
from viewer import create_app

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

PUBLIC = "https://archive.example.jp/kura"


def kura(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])
    assert result.exit_code == 0, result.output
    return result


def publish(root: Path, target: str, *extra: str) -> str:
    """The publish's summary line."""
    out = kura(root, "publish", "--to", target, "--base-url", PUBLIC, *extra).output
    return out.strip().splitlines()[-1]


def item_keys(remote, item_id: str) -> list[str]:
    return sorted(
        k
        for k in [*remote.list(f"iiif/{item_id}"), *remote.list("records")]
        if k.startswith(f"iiif/{item_id}/") or k == f"records/{item_id}.json"
    )


def top_ids(remote) -> list[str]:
    top = json.loads(remote.get("iiif/collection/top.json"))
    return [ref["id"].split("/")[-2] for ref in top["items"]]


def test_publish_leaves_out_and_deletes_a_withdrawn_item(
    s3env: Seaweed, sample_project: Path
) -> None:
    root = sample_project
    kura(root, "ingest", "-j", "1")
    target = f"s3://{s3env.new_bucket()}/site"
    publish(root, target)
    remote = open_store(target, root)
    local = open_store(load_config(root).store, root)
    record = read_record(local, "bonsho")
    tiles = sorted(k for k in local.list("iiif/bonsho") if not k.endswith(".json"))
    sent = item_keys(remote, "bonsho")
    # its tiles, every info.json, its manifest and its record were sent
    assert set(tiles) < set(sent)
    assert "iiif/bonsho/manifest.json" in sent and "records/bonsho.json" in sent
    assert "bonsho" in top_ids(remote)
    others = item_keys(remote, "ezu")

    kura(root, "withdraw", "bonsho", "--reason", "権利者の申し出")
    line = publish(root, target)
    # without --delete: nothing of it is sent, and the line says what stays public
    assert f"{len(sent)} only in the bucket (remove with --delete)" in line
    assert f"{len(sent)} of them files of withdrawn items, still public" in line
    assert item_keys(remote, "bonsho") == sent
    assert "bonsho" not in top_ids(remote)  # the documents that list items are sent again
    feed_page = json.loads(remote.get("activity/page-0.json"))
    last = feed_page["orderedItems"][-1]
    assert last["type"] == "Delete"
    assert last["object"]["id"] == f"{PUBLIC}/iiif/bonsho/manifest.json"

    line = publish(root, target, "--delete")
    assert f"{len(sent)} deleted" in line
    assert item_keys(remote, "bonsho") == []
    assert item_keys(remote, "ezu") == others
    # kept locally for preservation
    assert read_record(local, "bonsho").pages == record.pages
    assert sorted(k for k in local.list("iiif/bonsho") if not k.endswith(".json")) == tiles

    kura(root, "withdraw", "--undo", "bonsho")
    publish(root, target)
    assert item_keys(remote, "bonsho") == sent
    assert "bonsho" in top_ids(remote)
    last = json.loads(remote.get("activity/page-0.json"))["orderedItems"][-1]
    assert last["type"] == "Create"


def test_a_bucket_store_withdraws_and_answers_410(s3env: Seaweed, sample_project: Path) -> None:
    root = sample_project
    set_store(root, f"s3://{s3env.new_bucket()}/archive")
    kura(root, "ingest", "-j", "1")
    config = load_config(root)
    bucket = open_store(config.store, root)
    kura(root, "withdraw", "ezu", "--reason", "調査中")
    assert read_record(bucket, "ezu").withdrawn.reason == "調査中"
    assert list(read_log(bucket)["withdrawn"]) == ["ezu"]
    image = read_record(bucket, "ezu").pages[0].image
    client = create_app(config, {"TESTING": True}, listening=("http://localhost",)).test_client()
    page = client.get("/items/ezu?lang=en")
    assert page.status_code == 410 and "調査中" in page.text and "村山絵図" in page.text
    assert client.get("/iiif/ezu/manifest.json").status_code == 410
    assert client.get(f"/iiif/ezu/{image}/full/max/0/default.jpg").status_code == 410
    assert client.get("/items/bonsho").status_code == 200
    kura(root, "withdraw", "--undo", "ezu")
    fresh = create_app(config, {"TESTING": True}, listening=("http://localhost",)).test_client()
    assert fresh.get("/items/ezu").status_code == 200
    assert fresh.get("/iiif/ezu/manifest.json").status_code == 200
