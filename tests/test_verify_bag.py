"""kura export bag: BagIt bags of an item's masters and record, checked with bagit itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner

from archive.config import load_config
from archive.store import TEMP_MARK, LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli


def kura(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    assert not Ingest(load_config(sample_project), IngestOptions(jobs=1)).run().failed
    return sample_project


def test_bag_of_an_item_is_valid_and_holds_its_masters_and_record(
    ingested: Path, tmp_path: Path
) -> None:
    out = tmp_path / "bags"
    result = kura(ingested, "export", "bag", "sashida-nikki", "bonsho", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "bagged: sashida-nikki" in result.output
    bag = bagit.Bag(str(out / "sashida-nikki"))
    bag.validate()  # raises on any error: manifests, oxum, tag files
    assert bag.is_valid()
    assert {"sha256", "sha512"} <= set(bag.algorithms)
    assert bag.info["External-Identifier"] == "sashida-nikki"
    assert bag.info["External-Description"] == "指田日記"
    record = json.loads((out / "sashida-nikki" / "data" / "record.json").read_text("utf-8"))
    payload = sorted(bag.payload_files())
    assert payload == sorted(["data/record.json", *(f"data/{f['path']}" for f in record["files"])])
    for f in record["files"]:  # the bag's copies are the bytes hashed at ingest
        data = (out / "sashida-nikki" / "data" / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
    assert bagit.Bag(str(out / "bonsho")).is_valid()
    assert not any(TEMP_MARK in p.name for p in out.iterdir())


def test_record_without_images_bags_the_record_alone(ingested: Path, tmp_path: Path) -> None:
    result = kura(ingested, "export", "bag", "shishimai", "-o", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    bag = bagit.Bag(str(tmp_path / "b" / "shishimai"))
    assert bag.is_valid() and list(bag.payload_files()) == ["data/record.json"]


def test_unknown_id_and_existing_bag_are_clear_errors(ingested: Path, tmp_path: Path) -> None:
    out = tmp_path / "bags"
    assert kura(ingested, "export", "bag", "bonsho", "-o", str(out)).exit_code == 0
    result = kura(ingested, "export", "bag", "nope", "bonsho", "ezu", "-o", str(out))
    assert result.exit_code == 1
    assert "error: nope: " in result.output and "no ingested item with this ID" in result.output
    assert "already exists" in result.output
    assert bagit.Bag(str(out / "ezu")).is_valid()  # the rest of the batch goes on


def test_damaged_master_is_never_bagged(ingested: Path, tmp_path: Path) -> None:
    store = LocalStore(ingested / "public")
    master = json.loads(store.get("records/ezu.json"))["files"][0]["master"]
    store.path(master).write_bytes(b"rotten")
    result = kura(ingested, "export", "bag", "ezu", "-o", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "does not match the sha256" in result.output and master in result.output
    assert not (tmp_path / "b" / "ezu").exists()
    assert not list((tmp_path / "b").iterdir())  # no half-made bag left behind


def test_masters_not_kept_is_said_clearly(project, tmp_path: Path) -> None:
    from tests.conftest import make_scan

    root = project([{"ID": "a", "名称": "A", "画像ファイル": "a.png"}])
    make_scan(root / "scans" / "a.png", (200, 100))
    toml = root / "kura.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("keep_masters = true", "keep_masters = false"), "utf-8"
    )
    assert not Ingest(load_config(root), IngestOptions(jobs=1)).run().failed
    result = kura(root, "export", "bag", "a", "-o", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert "masters are not kept" in result.output and "keep_masters = true" in result.output
    ja = CliRunner().invoke(
        cli, ["--lang", "ja", "-C", str(root), "export", "bag", "a", "-o", str(tmp_path / "b")]
    )
    assert "マスター(元のスキャン)が保存されていない" in ja.output
