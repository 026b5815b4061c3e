"""Moving house (issue 14): when an output's address changes, its change feed carries one
IIIF Change Discovery ``Move`` per resource that was public at the old address (object: the
old id, target: the new one), after what was logged before the change, rendered from the
output's address history (``archive.addresses``, ``archive.moves``) and never stored. For the
viewer (``kura ingest`` and ``kura serve`` note kura.toml's base_url), a ``kura publish``
folder (public_url) and a static build."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from archive import addresses, events
from archive.config import load_config
from archive.store import LocalStore
from ingest.curation import compile_curation
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import _note_served_address, cli
from tests.test_opendata import COLLECTION_SCHEMA, PAGE_SCHEMA
from viewer import create_app

OLD = "https://old.example.jp/archive"
NEW = "https://new.example.jp"
ITEMS = ("sashida-nikki", "bonsho", "ezu")  # the sample's items with images (shishimai: none)

LESSON = """---
title: 鐘をしらべよう
audience: kids
grade: 3
---

## 鐘

item: bonsho

お寺の鐘です。
"""

COLLECTION = """title = "村のたから"

[[items]]
id = "bonsho"

[[items]]
id = "ezu"
"""

Get = Callable[[str], dict | None]


def set_address(root: Path, base_url: str, public_url: str | None = None) -> None:
    path = root / "kura.toml"
    text = re.sub(r"(?m)^base_url = .*$", f'base_url = "{base_url}"', path.read_text("utf-8"))
    text = re.sub(r"(?m)^public_url = .*\n", "", text)
    if public_url:
        text = text.replace(
            f'base_url = "{base_url}"\n', f'base_url = "{base_url}"\npublic_url = "{public_url}"\n'
        )
    path.write_text(text, "utf-8")


def ingest(root: Path) -> None:
    summary = Ingest(load_config(root), IngestOptions(jobs=1)).run()
    assert not summary.failed, summary.report()


def curate(root: Path) -> None:
    (root / "lessons").mkdir(exist_ok=True)
    (root / "lessons" / "bell.md").write_text(LESSON, "utf-8")
    (root / "collections").mkdir(exist_ok=True)
    (root / "collections" / "treasures.toml").write_text(COLLECTION, "utf-8")
    report = compile_curation(load_config(root))
    assert not report.problems, report.problems


def kura(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


def viewer(root: Path) -> Get:
    """The viewer's documents, as a harvester fetches them from ``kura serve``."""
    client = create_app(load_config(root), {"TESTING": True}).test_client()

    def get(key: str) -> dict | None:
        response = client.get(f"/{key}")
        return response.get_json() if response.status_code == 200 else None

    return get


def folder(out: Path) -> Get:
    def get(key: str) -> dict | None:
        path = out / key
        return json.loads(path.read_bytes()) if path.is_file() else None

    return get


def walk(get: Get, files_url: str) -> list[dict]:
    """Every activity of the feed, first page to last, checked as a harvester relies on it:
    valid documents, pages linked both ways, startIndex and totalItems right, times in
    order, every Move with a target of the same type at another id."""
    collection = get("activity/all-changes.json")
    assert collection is not None
    jsonschema.validate(collection, COLLECTION_SCHEMA)
    found: list[dict] = []
    key = collection["first"]["id"].removeprefix(f"{files_url}/")
    previous = None
    while True:
        page = get(key)
        assert page is not None, key
        jsonschema.validate(page, PAGE_SCHEMA)
        assert page["startIndex"] == len(found)
        assert page["partOf"]["id"] == collection["id"]
        assert page.get("prev", {}).get("id") == previous
        found.extend(page["orderedItems"])
        previous = page["id"]
        if "next" not in page:
            break
        key = page["next"]["id"].removeprefix(f"{files_url}/")
    assert previous == collection["last"]["id"]
    assert collection["totalItems"] == len(found)
    times = [a["endTime"] for a in found]
    assert times == sorted(times)
    for activity in found:
        if activity["type"] == "Move":
            assert activity["target"]["type"] == activity["object"]["type"]
            assert activity["target"]["id"] != activity["object"]["id"]
        else:
            assert "target" not in activity
    return found


def moved(base: str, ids: tuple[str, ...] = ITEMS, lessons=("bell",), collections=("treasures",)):
    """The resources at ``base``: item manifests, lessons, curated and top collections."""
    return {
        *(f"{base}/iiif/{i}/manifest.json" for i in ids),
        *(f"{base}/iiif/lesson/{i}.json" for i in lessons),
        *(f"{base}/iiif/collection/{i}.json" for i in (*collections, "top")),
    }


def moves(activities: list[dict]) -> list[tuple[str, str]]:
    return [(a["object"]["id"], a["target"]["id"]) for a in activities if a["type"] == "Move"]


def history_bytes(root: Path) -> bytes:
    return (root / "public" / addresses.KEY).read_bytes()


def test_a_new_base_url_moves_what_the_viewer_served(sample_project: Path) -> None:
    root = sample_project
    set_address(root, OLD)
    ingest(root)
    curate(root)
    before = walk(viewer(root), OLD)
    assert not moves(before)
    assert {a["object"]["id"] for a in before} == moved(OLD) - {f"{OLD}/iiif/collection/top.json"}

    # the new address, and a changed title in the same run
    set_address(root, NEW)
    sheet = root / "items.csv"
    sheet.write_text(sheet.read_text("utf-8-sig").replace("村山絵図", "村山の絵図"), "utf-8-sig")
    ingest(root)
    after = walk(viewer(root), NEW)
    # what came before is there as it was, for the new address (the earlier fix of issue 14)
    assert [(a["type"], a["object"]["id"]) for a in after[: len(before)]] == [
        (a["type"], a["object"]["id"].replace(OLD, NEW)) for a in before
    ]
    # then one Move per public resource, old id → new id, then what the run changed
    count = len(moved(OLD))
    assert moves(after[len(before) : len(before) + count]) == moves(after)
    assert set(moves(after)) == {(old, old.replace(OLD, NEW)) for old in moved(OLD)}
    assert len(moves(after)) == count  # each once
    assert [(a["type"], a["object"]["id"]) for a in after[len(before) + count :]] == [
        ("Update", f"{NEW}/iiif/ezu/manifest.json")
    ]
    # every Move's target is where the viewer now serves that document
    get = viewer(root)
    for _old, new in moves(after):
        document = get(new.removeprefix(f"{NEW}/"))
        assert document is not None and document["id"] == new

    # the same address again (ingest, index, serve): nothing noted, nothing added
    noted = history_bytes(root)
    ingest(root)
    assert kura(root, "index").exit_code == 0
    _note_served_address(load_config(root))
    assert history_bytes(root) == noted
    assert walk(viewer(root), NEW) == after
    # the store still holds no address but in the history
    store = LocalStore(root / "public")
    holding = [k for k in store.list("") if OLD.encode() in store.get(k)]
    assert holding == [addresses.KEY]


def test_a_withdrawn_item_is_not_moved(sample_project: Path) -> None:
    root = sample_project
    set_address(root, OLD)
    ingest(root)
    result = kura(root, "withdraw", "bonsho")
    assert result.exit_code == 0, result.output
    set_address(root, NEW)
    ingest(root)
    activities = walk(viewer(root), NEW)
    assert set(moves(activities)) == {
        (old, old.replace(OLD, NEW))
        for old in moved(OLD, ("sashida-nikki", "ezu"), lessons=(), collections=())
    }
    deleted = [i for i, a in enumerate(activities) if a["type"] == "Delete"]
    first_move = next(i for i, a in enumerate(activities) if a["type"] == "Move")
    assert [activities[i]["object"]["id"] for i in deleted] == [f"{NEW}/iiif/bonsho/manifest.json"]
    assert deleted[0] < first_move
    # restored at the new address: a Create there, never a Move
    assert kura(root, "withdraw", "--undo", "bonsho").exit_code == 0
    again = walk(viewer(root), NEW)
    assert again[-1]["type"] == "Create"
    assert again[-1]["object"]["id"] == f"{NEW}/iiif/bonsho/manifest.json"
    assert moves(again) == moves(activities)


def test_kura_serve_notes_the_address_it_starts_with(sample_project: Path) -> None:
    root = sample_project
    set_address(root, OLD)
    ingest(root)
    set_address(root, NEW)
    # before anything notes it, the viewer renders the new ids and no Move yet
    assert not moves(walk(viewer(root), NEW))
    _note_served_address(load_config(root))  # what `kura serve` does under the lock
    assert set(moves(walk(viewer(root), NEW))) == {
        (old, old.replace(OLD, NEW)) for old in moved(OLD, lessons=(), collections=())
    }
    history = addresses.address_history(LocalStore(root / "public"), addresses.VIEWER)
    assert [(a.base_url, a.files_url) for a in history] == [(OLD, OLD), (NEW, NEW)]


def test_nothing_moves_from_this_machine_or_when_only_the_pages_move(sample_project) -> None:
    root = sample_project  # every project starts at http://127.0.0.1:8000
    ingest(root)
    set_address(root, OLD)
    ingest(root)
    assert not moves(walk(viewer(root), OLD))
    # with public_url the IIIF ids are there: a new page address moves none of them
    set_address(root, OLD, "https://cdn.example.jp/kura")
    ingest(root)
    assert len(moves(walk(viewer(root), "https://cdn.example.jp/kura"))) == len(ITEMS) + 1
    set_address(root, NEW, "https://cdn.example.jp/kura")
    ingest(root)
    assert len(moves(walk(viewer(root), "https://cdn.example.jp/kura"))) == len(ITEMS) + 1
    history = addresses.address_history(LocalStore(root / "public"), addresses.VIEWER)
    assert [a.base_url for a in history] == ["http://127.0.0.1:8000", OLD, OLD, NEW]


def test_paging_keeps_working_and_closed_pages_stay(sample_project, monkeypatch) -> None:
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    root = sample_project
    set_address(root, OLD)
    ingest(root)
    curate(root)
    set_address(root, NEW)
    ingest(root)
    activities = walk(viewer(root), NEW)
    assert len(moves(activities)) == len(moved(OLD))
    get = viewer(root)
    pages = [json.dumps(get(f"activity/page-{n}.json")) for n in range(len(activities) // 2)]
    # a later change only appends: every full page renders the same bytes as before
    sheet = root / "items.csv"
    sheet.write_text(sheet.read_text("utf-8-sig").replace("村山絵図", "村山の絵図"), "utf-8-sig")
    ingest(root)
    later = walk(viewer(root), NEW)
    assert later[: len(activities)] == activities and len(later) == len(activities) + 1
    get = viewer(root)
    assert [json.dumps(get(f"activity/page-{n}.json")) for n in range(len(pages))] == pages


def test_a_publish_folder_moves_with_public_url(sample_project: Path, tmp_path: Path) -> None:
    root = sample_project
    out = tmp_path / "site"
    cdn_old, cdn_new = "https://cdn-old.example.jp/kura", "https://cdn-new.example.jp"
    set_address(root, OLD, cdn_old)
    ingest(root)
    curate(root)
    assert kura(root, "publish", "--to", str(out)).exit_code == 0
    assert not moves(walk(folder(out), cdn_old))
    # between the publishes: an item withdrawn (never moved) and a new lesson (never at the
    # old address: a Create, no Move)
    assert kura(root, "withdraw", "sashida-nikki").exit_code == 0
    (root / "lessons" / "map.md").write_text(LESSON.replace("bonsho", "ezu"), "utf-8")
    assert kura(root, "index").exit_code == 0
    set_address(root, OLD, cdn_new)
    noted = history_bytes(root)
    dry = kura(root, "publish", "--to", str(out), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert history_bytes(root) == noted  # a dry run writes nothing
    result = kura(root, "publish", "--to", str(out))
    assert result.exit_code == 0, result.output
    activities = walk(folder(out), cdn_new)
    assert set(moves(activities)) == {
        (old, old.replace(cdn_old, cdn_new)) for old in moved(cdn_old, ("bonsho", "ezu"))
    }
    created = [a["object"]["id"] for a in activities if a["type"] == "Create"]
    assert f"{cdn_new}/iiif/lesson/map.json" in created
    # the next publish to the same address adds nothing, and sends nothing
    again = kura(root, "publish", "--to", str(out))
    assert again.exit_code == 0 and " 0 uploaded" in again.output, again.output
    assert walk(folder(out), cdn_new) == activities
    # the viewer has its own history (noted by the publish too): it served the new lesson
    # at the old address, so that moves as well
    lesson = f"{cdn_old}/iiif/lesson/map.json"
    assert set(moves(walk(viewer(root), cdn_new))) == {
        *moves(activities),
        (lesson, lesson.replace(cdn_old, cdn_new)),
    }
    # the bucket's feed, like the store, names no address but in state/
    assert not [p for p in out.rglob("*") if p.is_file() and b"state/addresses" in p.read_bytes()]
    assert not (out / "state").exists()


def test_a_static_build_moves_with_its_base_url(sample_project: Path, tmp_path: Path) -> None:
    from viewer.freeze import build_site

    root = sample_project
    out = tmp_path / "site"
    ingest(root)
    build_site(load_config(root), out, OLD)
    assert not moves(walk(folder(out), OLD))
    build_site(load_config(root), out, NEW)
    activities = walk(folder(out), NEW)
    assert set(moves(activities)) == {
        (old, old.replace(OLD, NEW)) for old in moved(OLD, lessons=(), collections=())
    }
    history = addresses.address_history(
        LocalStore(root / "public"), addresses.build_output(str(out.resolve()))
    )
    assert [a.base_url for a in history] == [OLD, NEW]


@pytest.mark.parametrize("kind", ["changed", "garbled"])
def test_verify_checks_the_address_history(sample_project: Path, kind: str) -> None:
    root = sample_project
    set_address(root, OLD)
    ingest(root)
    assert kura(root, "verify").exit_code == 0
    path = root / "public" / addresses.KEY
    if kind == "changed":
        path.write_text(path.read_text("utf-8").replace(OLD, NEW), "utf-8")
    else:
        path.write_bytes(path.read_bytes()[:-5])
    result = kura(root, "verify")
    assert result.exit_code == 1
    assert addresses.KEY in result.output
