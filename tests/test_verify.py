"""kura verify: recorded sha256 of masters and published files, audited against the store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import keys
from archive.config import load_config
from archive.fixity import verify
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.conftest import make_scan


def run(root: Path) -> object:
    return Ingest(load_config(root), IngestOptions(jobs=1, progress=False)).run()


def kura(root: Path, *args: str) -> object:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    assert not run(sample_project).failed
    return sample_project


def store_of(root: Path) -> LocalStore:
    return LocalStore(root / "public")


def tree_of(root: Path, item_id: str, page: int = 0) -> str:
    record = json.loads(store_of(root).get(f"records/{item_id}.json"))
    return f"iiif/{item_id}/{record['pages'][page]['image']}"


def findings(root: Path) -> set[tuple[str, str, str]]:
    return {(f.item, f.kind, f.key) for f in verify(store_of(root)).findings}


def test_ingest_records_every_published_file(ingested: Path) -> None:
    store = store_of(ingested)
    fixity = json.loads(store.get(keys.fixity("bonsho")))
    tree = tree_of(ingested, "bonsho")
    name = tree.rsplit("/", 1)[1]
    # the record is the one stored document (manifests are rendered from it, never stored)
    record = store.get("records/bonsho.json")
    assert fixity["documents"] == {
        "records/bonsho.json": [hashlib.sha256(record).hexdigest(), len(record)]
    }
    listed = {key[len(tree) + 1 :] for key in store.list(tree)}
    assert set(fixity["trees"][name]) == listed
    assert "info.json" in listed
    for path, (sha, size) in fixity["trees"][name].items():
        data = store.get(f"{tree}/{path}")
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha, size), path
    record = store.get("records/shishimai.json")
    body = {
        "kura_fixity": 1,
        "id": "shishimai",
        "algorithm": "sha256",
        "documents": {"records/shishimai.json": [hashlib.sha256(record).hexdigest(), len(record)]},
        "trees": {},
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # sealed: its own sha256 over its other fields, so a changed byte in it is found too
    assert json.loads(store.get(keys.fixity("shishimai"))) == {
        **body,
        "sha256": hashlib.sha256(canonical.encode()).hexdigest(),
    }


def test_a_sound_archive_verifies(ingested: Path) -> None:
    result = kura(ingested, "verify")
    assert result.exit_code == 0, result.output
    assert "4 items" in result.output and "OK" in result.output
    report = verify(store_of(ingested))
    assert report.ok and not report.findings
    assert report.files > 5 + 5 + 4  # masters, info.json, records, tiles


def test_japanese_is_the_default(ingested: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(ingested), "verify"], env={"KURA_LANG": ""})
    assert "検証: 資料 4 件" in result.output and "問題なし" in result.output


def test_changed_master_is_reported_by_item(ingested: Path) -> None:
    store = store_of(ingested)
    master = json.loads(store.get("records/bonsho.json"))["files"][0]["master"]
    path = store.path(master)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: bit rot
    path.write_bytes(bytes(data))
    result = kura(ingested, "verify")
    assert result.exit_code == 1
    assert f"bonsho: changed: {master}" in result.output
    assert "FAILED" in result.output


def test_missing_tile_changed_record_and_extra_files(ingested: Path) -> None:
    store = store_of(ingested)
    tree = tree_of(ingested, "sashida-nikki", 1)
    tile = next(k for k in store.list(tree) if k.endswith("default.jpg"))
    store.delete(tile)
    store.put(f"{tree}/stray.jpg", b"x")
    record = store.get("records/ezu.json")
    changed = record.replace(b'"title": "', b'"title": "X', 1)  # still the item's record
    assert changed != record and json.loads(changed)["id"] == "ezu"
    store.put("records/ezu.json", changed)
    store.put("iiif/ezu/0123456789abcdef/info.json", b"{}")  # a tree no page uses
    store.put("iiif/bonsho/manifest.json", b"{}")  # documents are rendered, never stored
    store.put("iiif/ghost/manifest.json", b"{}")  # an item without a record
    store.put("masters/ghost/0123/a.jpg", b"x")
    assert findings(ingested) == {
        ("sashida-nikki", "missing", tile),
        ("sashida-nikki", "unexpected", f"{tree}/stray.jpg"),
        ("ezu", "changed", "records/ezu.json"),
        ("ezu", "unexpected", "iiif/ezu/0123456789abcdef/"),
        ("bonsho", "unexpected", "iiif/bonsho/manifest.json"),
        ("", "unexpected", "iiif/ghost/"),
        ("", "unexpected", "masters/ghost/"),
    }
    result = kura(ingested, "verify", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False
    assert data["counts"]["missing"] == 1 and data["counts"]["unexpected"] == 5
    assert data["counts"]["changed"] == 1


def test_missing_and_unreadable_documents(ingested: Path) -> None:
    store = store_of(ingested)
    info = f"{tree_of(ingested, 'bonsho')}/info.json"
    store.delete(info)
    store.put("records/ezu.json", b'{"id": "ezu", "fil')
    assert findings(ingested) == {
        ("bonsho", "missing", info),
        ("ezu", "invalid", "records/ezu.json"),
    }


def test_a_lost_record_leaves_its_files_unexpected(ingested: Path) -> None:
    store = store_of(ingested)
    store.delete("records/bonsho.json")
    assert findings(ingested) == {
        ("", "unexpected", "fixity/bonsho.json"),
        ("", "unexpected", "iiif/bonsho/"),
        ("", "unexpected", "masters/bonsho/"),
    }


def test_reingest_repairs_what_verify_found(ingested: Path) -> None:
    store = store_of(ingested)
    store.delete("records/bonsho.json")
    store.delete_tree(tree_of(ingested, "ezu"))
    store.delete(f"{tree_of(ingested, 'sashida-nikki', 2)}/info.json")
    assert not verify(store).ok
    assert not run(ingested).failed
    assert store.exists("records/bonsho.json")
    report = verify(store)
    assert report.ok and not report.findings, report.findings


def test_archives_with_stored_documents_are_upgraded(ingested: Path) -> None:
    """An archive from a version that stored IIIF documents (with the address in them) and
    recorded the manifest's hash: verify reports them; the next ingest drops the stored
    documents and records the record's hash, with nothing re-tiled."""
    store = store_of(ingested)
    manifest = b'{"id": "http://127.0.0.1:8000/iiif/bonsho/manifest.json"}'
    store.put("iiif/bonsho/manifest.json", manifest)
    store.put("iiif/collection/top.json", b'{"id": "http://127.0.0.1:8000/iiif/collection"}')
    fixity = json.loads(store.get(keys.fixity("bonsho")))
    sha = hashlib.sha256(manifest).hexdigest()
    fixity["documents"] = {"iiif/bonsho/manifest.json": [sha, len(manifest)]}
    fixity.pop("sha256")  # older versions did not seal their fixity documents
    store.put(keys.fixity("bonsho"), json.dumps(fixity).encode())
    assert findings(ingested) == {
        ("bonsho", "unexpected", "iiif/bonsho/manifest.json"),
        ("bonsho", "unrecorded", "records/bonsho.json"),
        ("bonsho", "unrecorded", "fixity/bonsho.json"),
    }
    summary = run(ingested)
    assert summary.count("unchanged") == 4 and sum(o.tiled for o in summary.outcomes) == 0
    assert not store.exists("iiif/bonsho/manifest.json")
    assert not store.exists("iiif/collection/top.json")
    assert set(json.loads(store.get(keys.fixity("bonsho")))["documents"]) == {"records/bonsho.json"}
    report = verify(store)
    assert report.ok and not report.findings, report.findings


def test_superseded_masters_are_kept_and_checked_by_their_folder_name(ingested: Path) -> None:
    make_scan(ingested / "scans" / "bonsho.png", (300, 420), seed=8)
    assert not run(ingested).failed
    report = verify(store_of(ingested))
    assert report.ok, report.findings
    assert [(f.item, f.kind) for f in report.findings] == [("bonsho", "superseded")]
    old = store_of(ingested).path(report.findings[0].key)
    old.write_bytes(old.read_bytes() + b"!")  # the kept old version decays
    assert [f.kind for f in verify(store_of(ingested)).findings] == ["unexpected"]


def test_archives_from_before_fixity_are_checked_and_upgraded(ingested: Path) -> None:
    """Items ingested before fixity documents existed: verify says the hashes are not
    recorded (not a failure) and still checks structure; the next ingest records them."""
    store = store_of(ingested)
    for item_id in ("bonsho", "ezu"):
        store.delete(keys.fixity(item_id))
    result = kura(ingested, "verify")
    assert result.exit_code == 0, result.output
    assert "bonsho: not recorded: fixity/bonsho.json" in result.output
    summary = run(ingested)
    assert summary.count("unchanged") == 4
    assert store.exists(keys.fixity("bonsho"))
    assert not verify(store).findings


def test_sample_audits_some_items(ingested: Path) -> None:
    report = verify(store_of(ingested), sample=2, seed=1)
    assert report.sampled and report.items == 2 and report.ok
    result = kura(ingested, "verify", "--sample", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"] == 2


def test_masters_not_kept(project) -> None:
    root = project([{"ID": "a", "名称": "A", "画像ファイル": "a.png"}])
    make_scan(root / "scans" / "a.png", (200, 100))
    toml = root / "kura.toml"
    toml.write_text(
        toml.read_text("utf-8").replace("keep_masters = true", "keep_masters = false"), "utf-8"
    )
    assert not run(root).failed
    assert not (root / "public" / "masters").exists()
    report = verify(store_of(root))
    assert report.ok and not report.findings


def test_verify_without_a_project_is_one_line(tmp_path: Path) -> None:
    result = kura(tmp_path, "verify")
    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1


LESSON = """---
title: 鐘をしらべよう
audience: kids
grade: 3
---

## 鐘

item: bonsho

お寺の鐘です。
"""


def _flip(path: Path, old: bytes, new: bytes) -> None:
    """Change one value in a file the way a decaying disk or a hand edit would: the JSON
    still parses, so only a recorded hash can tell."""
    data = path.read_bytes()
    assert old in data, (path, old)
    path.write_bytes(data.replace(old, new, 1))


@pytest.mark.parametrize(
    "key, old, new",
    [
        ("records/bonsho.json", "真福寺梵鐘".encode(), "真福寺梵鍾".encode()),
        ("records/bonsho.json", b'"rights": "http', b'"rights": "ftp'),
        ("fixity/bonsho.json", b'"kura_fixity": 1', b'"kura_fixity": 2'),
        ("lessons/bell.json", "お寺の鐘です".encode(), "神社の鐘です".encode()),
        ("state/collections/bells.json", "梵鐘の記録".encode(), "梵鐘の記緑".encode()),
        ("state/activity.json", b'"total": ', b'"total": 1'),
        ("state/activity/page-0.json", b'"Create"', b'"Delete"'),
    ],
)
def test_a_changed_byte_in_anything_public_is_found(
    ingested: Path, key: str, old: bytes, new: bytes
) -> None:
    """Records, the fixity files themselves, and what lessons, collections and the change
    feed are rendered from: a changed value in any of them fails verify, naming the file."""
    (ingested / "lessons").mkdir(exist_ok=True)
    (ingested / "lessons" / "bell.md").write_text(LESSON, "utf-8")
    (ingested / "collections").mkdir(exist_ok=True)
    (ingested / "collections" / "bells.toml").write_text(
        'title = "梵鐘の記録"\n\n[[items]]\nid = "bonsho"\n', "utf-8"
    )
    from ingest.curation import compile_curation

    assert not compile_curation(load_config(ingested)).problems
    before = kura(ingested, "verify")
    assert before.exit_code == 0, before.output
    _flip(store_of(ingested).path(key), old, new)
    result = kura(ingested, "verify")
    assert result.exit_code == 1, result.output
    assert key in result.output, result.output
    assert ("changed", key) in {(f.kind, f.key) for f in verify(store_of(ingested)).findings}


@pytest.mark.parametrize("damage", ["deleted", "truncated", "extra"])
def test_ingest_repairs_a_damaged_tree_it_thinks_unchanged(ingested: Path, damage: str) -> None:
    """A tile lost, cut short or a stray file in a tree: verify fails, a plain ingest notices
    it from the listing (no sha256 read), says so in one warning, tiles that page again, and
    verify passes. A dry run only reports."""
    store = store_of(ingested)
    tree = tree_of(ingested, "bonsho")
    tile = next(k for k in store.list(tree) if k.endswith(".jpg") and "/full/" not in k)
    before = store.get(tile)
    path = store.path(tile)
    if damage == "deleted":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(before[: len(before) // 2])
    else:
        (path.parent / "stray.jpg").write_bytes(b"\xff\xd8junk")
    assert kura(ingested, "verify").exit_code == 1
    dry = Ingest(load_config(ingested), IngestOptions(jobs=1, dry_run=True)).run()
    assert any(p.item_id == "bonsho" and p.level == "warning" for p in dry.problems)
    assert kura(ingested, "verify").exit_code == 1  # a dry run changes nothing
    summary = run(ingested)
    warnings = [p for p in summary.problems if p.item_id == "bonsho"]
    assert [p.message_en for p in warnings] == [
        "bonsho: tiles missing or changed; tiling again (1 images)"
    ]
    assert sum(o.tiled for o in summary.outcomes) == 1
    assert store.get(tile) == before  # the same bytes as first written
    result = kura(ingested, "verify")
    assert result.exit_code == 0, result.output
    again = run(ingested)
    assert sum(o.tiled for o in again.outcomes) == 0 and not again.problems
