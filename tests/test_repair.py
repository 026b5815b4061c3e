"""kura ingest repairs what was changed behind it in items it would leave alone: tiles (by
listing; by sha256 with --check), the record, and the fixity record itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import keys
from archive.config import load_config
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli


def run(root: Path, **options: object) -> object:
    return Ingest(load_config(root), IngestOptions(jobs=1, progress=False, **options)).run()


def kura(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    assert not run(sample_project).failed
    return sample_project


def store_of(root: Path) -> LocalStore:
    return LocalStore(root / "public")


def record_of(root: Path, item_id: str) -> dict:
    return json.loads(store_of(root).get(keys.record(item_id)))


def tiles_of(root: Path, item_id: str) -> dict[str, bytes]:
    store = store_of(root)
    return {key: store.get(key) for key in store.list(f"iiif/{item_id}")}


def without_time(record: dict) -> dict:
    return {**record, "ingest": {k: v for k, v in record["ingest"].items() if k != "at"}}


def warnings_of(summary: object, item_id: str) -> list[str]:
    return [p.message_en for p in summary.problems if p.item_id == item_id]


def test_a_same_size_change_is_found_by_check_only(ingested: Path) -> None:
    """A flipped byte keeps the tile's size: a plain ingest, which compares listings, does
    not see it (documented); ``kura ingest --check`` hashes every tile, tiles that page
    again to the bytes first written, and verify passes."""
    store = store_of(ingested)
    record = record_of(ingested, "sashida-nikki")
    tree = keys.image("sashida-nikki", record["pages"][1]["image"])
    tile = next(k for k in store.list(tree) if k.endswith(".jpg") and "/full/" not in k)
    before = tiles_of(ingested, "sashida-nikki")
    data = bytearray(before[tile])
    data[len(data) // 2] ^= 0xFF
    store.path(tile).write_bytes(bytes(data))
    assert kura(ingested, "verify").exit_code == 1

    plain = run(ingested)
    assert not plain.problems and sum(o.tiled for o in plain.outcomes) == 0
    assert store.get(tile) == bytes(data)  # a plain ingest leaves it (verify finds it)
    assert kura(ingested, "verify").exit_code == 1

    assert run(ingested, check=True, dry_run=True).problems  # a dry run only reports
    assert store.get(tile) == bytes(data)

    result = kura(ingested, "ingest", "--check", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "sashida-nikki: tiles missing or changed; tiling again (1 images)" in result.output
    assert "1 pages tiled" in result.output
    assert tiles_of(ingested, "sashida-nikki") == before
    assert without_time(record_of(ingested, "sashida-nikki")) == without_time(record)
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output
    again = run(ingested, check=True)
    assert not again.problems and sum(o.tiled for o in again.outcomes) == 0


def test_a_changed_record_is_written_again_from_the_sheet(ingested: Path) -> None:
    """A record edited behind Kura (the title served changes) still carries its old
    fingerprint: ingest finds it by the fixity record's sha256 and writes it again from the
    sheet and scans; no tile is touched and the change feed announces nothing."""
    store = store_of(ingested)
    before = record_of(ingested, "bonsho")
    tiles = tiles_of(ingested, "bonsho")
    log = store.get(keys.event_log())
    changed = {**before, "title": "偽の題名", "rights": "http://example.org/mine"}
    store.path(keys.record("bonsho")).write_text(json.dumps(changed), encoding="utf-8")
    assert kura(ingested, "verify").exit_code == 1

    result = kura(ingested, "ingest", "--only", "bonsho")
    assert result.exit_code == 0, result.output
    assert (
        "bonsho: the record (records/bonsho.json) differs from what ingest wrote; "
        "writing it again from the sheet and scans"
    ) in result.output
    after = record_of(ingested, "bonsho")
    assert after["title"] == "真福寺梵鐘"
    assert without_time(after) == without_time(before)
    assert tiles_of(ingested, "bonsho") == tiles
    assert store.get(keys.event_log()) == log
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output
    assert not run(ingested).problems


@pytest.mark.parametrize("damage", ["a changed hash", "not JSON"])
def test_a_changed_fixity_record_rebuilds_the_item(ingested: Path, damage: str) -> None:
    """The fixity record is the yardstick: when its seal no longer holds (or it cannot be
    read), nothing it says is trusted; ingest tiles every page again from the scans, writes
    the record and the fixity record again, and verify passes."""
    store = store_of(ingested)
    key = keys.fixity("sashida-nikki")
    before = store.get(key)
    tiles = tiles_of(ingested, "sashida-nikki")
    record = record_of(ingested, "sashida-nikki")
    if damage == "not JSON":
        store.path(key).write_bytes(before[:-10])
    else:
        fixity = json.loads(before)
        tree = next(iter(fixity["trees"].values()))
        path = next(iter(tree))
        tree[path] = ["0" * 64, tree[path][1]]
        store.path(key).write_text(json.dumps(fixity), encoding="utf-8")
    assert kura(ingested, "verify").exit_code == 1

    summary = run(ingested)
    assert warnings_of(summary, "sashida-nikki") == [
        "sashida-nikki: its fixity record (fixity/sashida-nikki.json) was changed or cannot "
        "be read; tiling every page and writing the record again"
    ]
    assert sum(o.tiled for o in summary.outcomes) == len(record["pages"]) == 3
    assert tiles_of(ingested, "sashida-nikki") == tiles
    assert json.loads(store.get(key))["trees"] == json.loads(before)["trees"]
    assert without_time(record_of(ingested, "sashida-nikki")) == without_time(record)
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("damage", ["deleted", "cut short"])
def test_a_lost_master_is_copied_again_from_its_scan(ingested: Path, damage: str) -> None:
    """A kept master missing or shorter than recorded (a stat, no reading): a plain ingest
    copies it again from the scan (checking its sha256), touching no tile."""
    store = store_of(ingested)
    [master] = [f["master"] for f in record_of(ingested, "bonsho")["files"]]
    before = store.get(master)
    tiles = tiles_of(ingested, "bonsho")
    if damage == "deleted":
        store.path(master).unlink()
    else:
        store.path(master).write_bytes(before[:100])
    assert kura(ingested, "verify").exit_code == 1
    summary = run(ingested)
    assert warnings_of(summary, "bonsho") == [
        "bonsho: kept masters missing or cut short; copying them again from the scans (1 files)"
    ]
    assert store.get(master) == before
    assert tiles_of(ingested, "bonsho") == tiles
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output


def test_a_withdrawn_item_stays_withdrawn_when_its_record_is_rebuilt(ingested: Path) -> None:
    """A record changed behind Kura so that it lost its withdrawal (the item would be public
    again): the record is rebuilt from the sheet and the withdrawal the log holds is put
    back, with its time, reason and author."""
    assert kura(ingested, "withdraw", "bonsho", "--reason", "権利者の申し出").exit_code == 0
    store = store_of(ingested)
    before = record_of(ingested, "bonsho")
    changed = {k: v for k, v in before.items() if k != "withdrawn"}
    store.path(keys.record("bonsho")).write_text(
        json.dumps({**changed, "title": "偽の題名"}), encoding="utf-8"
    )
    assert kura(ingested, "verify").exit_code == 1
    summary = run(ingested)
    assert [w.startswith("bonsho: the record") for w in warnings_of(summary, "bonsho")] == [True]
    after = record_of(ingested, "bonsho")
    assert after["withdrawn"] == before["withdrawn"]
    assert after["title"] == "真福寺梵鐘"
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output
    again = run(ingested)  # withdrawn: left alone from now on
    assert [o.status for o in again.outcomes if o.id == "bonsho"] == ["withdrawn"]
