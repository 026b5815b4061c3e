"""Repair over a real S3 server (SeaweedFS), for an archive whose store is a bucket: a plain
ingest makes no request per tile there (no listing of sizes on every run), so a tile lost or
changed in the bucket is found by ``kura verify`` and repaired by ``kura ingest --check``,
which lists and hashes every tree; a changed record is repaired by a plain ingest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner, Result

from archive import keys
from archive.config import load_config
from archive.store import open_store
from kura.cli import cli
from tests.test_s3_store import set_store

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures


def kura(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


@pytest.mark.parametrize("damage", ["a byte changed", "deleted"])
def test_check_repairs_a_tile_in_a_bucket_store(
    s3env: Seaweed, sample_project: Path, damage: str
) -> None:
    root = sample_project
    set_store(root, f"s3://{s3env.new_bucket()}/archive")
    assert kura(root, "ingest", "-j", "1").exit_code == 0
    store = open_store(load_config(root).store, root)
    record = json.loads(store.get(keys.record("bonsho")))
    tree = keys.image("bonsho", record["pages"][0]["image"])
    tile = next(k for k in store.list(tree) if k.endswith(".jpg") and "/full/" not in k)
    before = store.get(tile)
    if damage == "deleted":
        store.delete(tile)
    else:
        data = bytearray(before)
        data[len(data) // 2] ^= 0xFF
        store.put(tile, bytes(data))
    verified = kura(root, "verify")
    assert verified.exit_code == 1
    assert f"— repair: kura -C {root} ingest --check --only bonsho" in verified.output

    plain = kura(root, "ingest", "-j", "1")  # no request per tile on a bucket
    assert plain.exit_code == 0 and "0 pages tiled" in plain.output
    assert kura(root, "verify").exit_code == 1

    checked = kura(root, "ingest", "--check", "-j", "1")
    assert checked.exit_code == 0, checked.output
    assert "bonsho: tiles missing or changed; tiling again (1 images)" in checked.output
    assert store.get(tile) == before
    verified = kura(root, "verify")
    assert verified.exit_code == 0, verified.output


def test_a_changed_record_in_a_bucket_store(s3env: Seaweed, sample_project: Path) -> None:
    root = sample_project
    set_store(root, f"s3://{s3env.new_bucket()}/archive")
    assert kura(root, "ingest", "-j", "1").exit_code == 0
    store = open_store(load_config(root).store, root)
    record = json.loads(store.get(keys.record("bonsho")))
    store.put(keys.record("bonsho"), json.dumps({**record, "title": "偽の題名"}).encode())
    assert kura(root, "verify").exit_code == 1
    repaired = kura(root, "ingest", "--only", "bonsho")
    assert repaired.exit_code == 0, repaired.output
    assert json.loads(store.get(keys.record("bonsho")))["title"] == "真福寺梵鐘"
    verified = kura(root, "verify")
    assert verified.exit_code == 0, verified.output
