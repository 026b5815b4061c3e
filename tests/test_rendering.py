"""IIIF documents are rendered at the point of output (issue 15): the store holds no address,
the viewer renders for the address it serves and renders again when a record changes, and an
archive ingested by an older version (documents stored with their address) is moved over."""

from __future__ import annotations

import json
from pathlib import Path

from archive import addresses, events, keys
from archive.config import load_config
from archive.store import LocalStore
from ingest.curation import compile_curation
from ingest.pipeline import Ingest, IngestOptions
from tests.conftest import write_sheet
from tests.rendered import Published, documents
from viewer import create_app

LESSON = """---
title: 鐘をしらべよう
title_en: Look at the bell
audience: kids
grade: 3
---

## 鐘

item: bonsho

お寺の鐘です。
"""

COLLECTION = """title = "村のたから"
title_en = "Village treasures"

[[items]]
id = "bonsho"
note = "お寺の鐘"

[[items]]
id = "ezu"
"""


def _ingest(root: Path) -> None:
    summary = Ingest(load_config(root), IngestOptions(jobs=1)).run()
    assert not summary.failed, summary.report()


def _curate(root: Path) -> None:
    (root / "lessons").mkdir(exist_ok=True)
    (root / "lessons" / "bell.md").write_text(LESSON, "utf-8")
    (root / "collections").mkdir(exist_ok=True)
    (root / "collections" / "treasures.toml").write_text(COLLECTION, "utf-8")
    report = compile_curation(load_config(root))
    assert not report.problems, report.problems
    assert report.lessons == ["bell"] and report.collections == ["treasures"]


def test_no_stored_file_holds_an_address(sample_project: Path) -> None:
    _ingest(sample_project)
    _curate(sample_project)
    store = LocalStore(sample_project / "public")
    base = load_config(sample_project).base_url
    stored = sorted(store.list(""))
    # the one exception: where the viewer has been served (state/, never published), from
    # which the change feed's Move activities are rendered when the address changes
    assert [k for k in stored if base.encode() in store.get(k)] == [addresses.KEY]
    assert addresses.KEY.startswith("state/")
    assert not [k for k in stored if k.endswith("manifest.json") or k.startswith("activity/")]
    # and yet every document is there for any address, lessons and collections included
    docs = documents(sample_project, "https://example.org/archive").document_keys()
    listed = set(docs)
    assert {
        "iiif/bonsho/manifest.json",
        "iiif/lesson/bell.json",
        "iiif/collection/top.json",
        "iiif/collection/treasures.json",
        "activity/all-changes.json",
        "activity/page-0.json",
    } <= listed
    moved = Published(sample_project, "https://example.org/archive")
    for key in listed:
        text = moved.get(key).decode()
        assert base not in text, key
        assert "https://example.org/archive/" in text, key


def test_feed_logs_lessons_and_collections(sample_project: Path) -> None:
    _ingest(sample_project)
    _curate(sample_project)
    page = documents(sample_project).render("activity/page-0.json")
    assert page is not None
    objects = [(a["type"], a["object"]["type"], a["object"]["id"]) for a in page["orderedItems"]]
    base = load_config(sample_project).base_url
    assert ("Create", "Manifest", f"{base}/iiif/lesson/bell.json") in objects
    assert ("Create", "Collection", f"{base}/iiif/collection/treasures.json") in objects
    # items without images have no manifest, so no activity
    assert not [o for o in objects if "shishimai" in o[2]]
    # a changed collection is an Update, logged once
    path = sample_project / "collections" / "treasures.toml"
    path.write_text(COLLECTION.replace("村のたから", "村の宝もの"), "utf-8")
    compile_curation(load_config(sample_project))
    compile_curation(load_config(sample_project))
    feed = documents(sample_project).render("activity/all-changes.json")
    last = documents(sample_project).render(feed["last"]["id"].removeprefix(f"{base}/"))
    updates = [a for a in last["orderedItems"] if a["type"] == "Update"]
    assert [a["object"]["id"] for a in updates] == [f"{base}/iiif/collection/treasures.json"]


def test_viewer_renders_again_when_a_record_changes(sample_project: Path) -> None:
    _ingest(sample_project)
    app = create_app(
        load_config(sample_project), {"TESTING": True}, listening=("http://localhost",)
    )
    client = app.test_client()
    first = client.get("/iiif/bonsho/manifest.json")
    assert first.status_code == 200
    assert first.get_json()["label"]["ja"] == ["真福寺梵鐘"]
    assert first.get_json()["id"] == "http://localhost/iiif/bonsho/manifest.json"
    etag = first.headers["ETag"]
    assert client.get("/iiif/bonsho/manifest.json", headers={"If-None-Match": etag}).status == (
        "304 NOT MODIFIED"
    )
    sheet = (sample_project / "items.csv").read_text("utf-8")
    (sample_project / "items.csv").write_text(sheet.replace("真福寺梵鐘", "真福寺の梵鐘"), "utf-8")
    _ingest(sample_project)
    again = client.get("/iiif/bonsho/manifest.json")
    assert again.get_json()["label"]["ja"] == ["真福寺の梵鐘"]
    assert again.headers["ETag"] != etag
    top = client.get("/iiif/collection/top.json").get_json()
    labels = {ref["label"]["ja"][0] for ref in top["items"]}
    assert "真福寺の梵鐘" in labels and "真福寺梵鐘" not in labels
    # a page that does not exist is a 404, not a rendering of nothing
    record = json.loads((sample_project / "public" / "records" / "bonsho.json").read_bytes())
    name = record["pages"][0]["image"]
    assert client.get(f"/iiif/bonsho/{name}/info.json").status_code == 200
    assert client.get("/iiif/bonsho/0123456789abcdef/info.json").status_code == 404
    assert client.get("/iiif/shishimai/manifest.json").status_code == 404


def test_an_older_archive_is_moved_over(sample_project: Path) -> None:
    """Documents an older version stored with its address are removed at the next ingest,
    and the change feed it published becomes the first events of the log, not lost."""
    _ingest(sample_project)
    store = LocalStore(sample_project / "public")
    old = "http://old.example"
    legacy = [
        {
            "type": "Create",
            "object": {"id": f"{old}/iiif/{i}/manifest.json"},
            "endTime": "2026-01-01T00:00:00Z",
        }
        for i in ("bonsho", "ezu", "sashida-nikki")
    ]
    store.put(keys.activity("page-0"), json.dumps({"orderedItems": legacy}).encode())
    store.put(keys.activity(), json.dumps({"totalItems": 3}).encode())
    fingerprints = {
        i: json.loads(store.get(keys.record(i)))["fingerprint"]
        for i in ("bonsho", "ezu", "sashida-nikki")
    }
    store.put(events.STATE_KEY, json.dumps({"items": fingerprints, "total": 3}).encode())
    store.put(
        keys.manifest("bonsho"), json.dumps({"id": f"{old}/iiif/bonsho/manifest.json"}).encode()
    )
    store.put(keys.collection("top"), b"{}")
    store.put("state/top-collection.pending", b"")
    _ingest(sample_project)
    assert not store.exists(keys.manifest("bonsho"))
    assert not store.exists(keys.collection("top"))
    assert not store.exists("state/top-collection.pending")
    assert not any(k.startswith("activity/") for k in store.list(""))
    page = documents(sample_project).render("activity/page-0.json")
    base = load_config(sample_project).base_url
    first = [(a["type"], a["object"]["id"], a["endTime"]) for a in page["orderedItems"][:3]]
    assert first == [
        ("Create", f"{base}/iiif/{i}/manifest.json", "2026-01-01T00:00:00Z")
        for i in ("bonsho", "ezu", "sashida-nikki")
    ]


def test_a_removed_item_is_a_delete_and_its_documents_go(sample_project: Path) -> None:
    _ingest(sample_project)
    rows = [r for r in _rows(sample_project) if r["ID"] != "ezu"]
    write_sheet(sample_project, rows)
    store = LocalStore(sample_project / "public")
    store.delete(keys.record("ezu"))  # what a withdrawal will do (issue 14)
    events.record_changes(store)
    docs = documents(sample_project)
    assert docs.render(keys.manifest("ezu")) is None
    top = docs.render(keys.collection("top"))
    assert not [r for r in top["items"] if "/ezu/" in r["id"]]
    feed = docs.render("activity/page-0.json")
    deletes = [a["object"]["id"] for a in feed["orderedItems"] if a["type"] == "Delete"]
    assert deletes == [docs.urls.manifest("ezu")]


def _rows(root: Path) -> list[dict]:
    import csv

    with open(root / "items.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
