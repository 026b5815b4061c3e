"""Records do not depend on where their row is in the sheet: deleting, inserting or moving
rows rewrites no other record and announces nothing to the change feed (issue 14)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from archive.config import load_config
from archive.events import log_page, log_state, record_changes
from archive.record import to_json
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions, _digest, manifest_context
from tests.conftest import make_scan, write_sheet

PLACES = ["中藤", "三ツ木", "岸", "残堀", "本町", "学園", "大南"]


def rows(n: int) -> list[dict]:
    return [
        {
            "ID": f"m{i:03d}",
            "名称": f"{PLACES[i % len(PLACES)]}の古写真 その{i}",
            "年代": f"昭和{20 + i}年",
            "画像ファイル": f"m{i:03d}.png",
        }
        for i in range(1, n + 1)
    ]


def run(root: Path):
    return Ingest(load_config(root), IngestOptions(jobs=2)).run()


def records(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every record file: (mtime_ns, bytes)."""
    return {
        p.stem: (p.stat().st_mtime_ns, p.read_bytes())
        for p in (root / "public" / "records").glob("*.json")
    }


def events(root: Path) -> list[dict]:
    store = LocalStore(root / "public")
    found = []
    for n in range(log_state(store)["pages"]):
        found.extend((log_page(store, n) or {}).get("events", []))
    return found


def test_deleting_inserting_and_moving_rows_rewrites_nothing(
    project: Callable[..., Path],
) -> None:
    sheet = rows(35)
    root = project(sheet)
    for i in range(1, 36):
        make_scan(root / "scans" / f"m{i:03d}.png", (64, 48), seed=i)
    first = run(root)
    assert first.count("new") == 35 and not first.failed
    before, logged = records(root), len(events(root))
    assert logged == 35  # one Create each

    del sheet[9]  # m010, the sheet's row 11
    write_sheet(root, sheet)
    second = run(root)
    assert (second.count("unchanged"), second.count("metadata"), second.count("new")) == (
        34,
        0,
        0,
    )
    after = records(root)
    assert {k for k in before if before[k] != after.get(k)} == set()  # m010's record stays
    assert [e for e in events(root)[logged:] if e["object"] != {"item": "m010"}] == []

    # a new row on top, and the last two rows swapped
    sheet = [{"ID": "m100", "名称": "村山大島紬の反物", "画像ファイル": "m001.png"}, *sheet]
    sheet[-1], sheet[-2] = sheet[-2], sheet[-1]
    write_sheet(root, sheet)
    third = run(root)
    assert (third.count("new"), third.count("unchanged"), third.count("metadata")) == (1, 34, 0)
    changed = {k for k, v in records(root).items() if before.get(k) != v}
    assert changed == {"m100"}
    assert [e["object"] for e in events(root)[logged:]] == [{"item": "m100"}]

    # the title of one item changes: that record alone
    sheet[5]["名称"] = "岸の古写真（修正）"
    write_sheet(root, sheet)
    fourth = run(root)
    assert (fourth.count("metadata"), fourth.count("unchanged")) == (1, 34)
    assert "row" not in json.loads((root / "public" / "records" / "m005.json").read_bytes())


def test_a_record_written_with_its_row_is_not_rewritten(project: Callable[..., Path]) -> None:
    """Records of earlier versions held their sheet row (in the fingerprint too): after the
    upgrade such a record whose data did not change is left alone, wherever its row is."""
    sheet = rows(3)
    root = project(sheet)
    for i in range(1, 4):
        make_scan(root / "scans" / f"m{i:03d}.png", (64, 48), seed=i)
    run(root)
    config = load_config(root)
    for number, item_id in enumerate(["m001", "m002", "m003"], start=2):
        path = root / "public" / "records" / f"{item_id}.json"
        record = json.loads(path.read_bytes())
        # as the earlier version wrote it: the row in the metadata and in the fingerprint
        meta = {k: record[k] for k in ("id", "title", "fields", "extra", "rights")}
        meta.update({k: record[k] for k in ("viewing_direction", "date", "keywords")})
        meta.update(designations=record["designations"], row=number)
        context = manifest_context(config)
        record["row"] = number
        record["fingerprint"] = _digest([meta, record["files"], record["pages"], context])
        path.write_bytes(to_json(record))  # as every version wrote records
        # and its fixity file as that version wrote it: the stored manifest in place of the
        # record (records came into fixity files later), no seal
        fixity_path = root / "public" / "fixity" / f"{item_id}.json"
        fixity = json.loads(fixity_path.read_bytes())
        del fixity["sha256"]
        fixity["documents"] = {f"iiif/{item_id}/manifest.json": ["0" * 64, 0]}
        fixity_path.write_text(json.dumps(fixity), encoding="utf-8")
    record_changes(LocalStore(root / "public"))  # as that version's ingest announced them
    logged = len(events(root))
    before = records(root)

    write_sheet(root, sheet[1:])  # m001 goes: m002 and m003 move up a row
    summary = run(root)
    assert (summary.count("unchanged"), summary.count("metadata")) == (2, 0)
    assert records(root) == before
    assert events(root)[logged:] == []

    sheet[2]["名称"] = "岸の古写真（撮影地訂正）"
    write_sheet(root, sheet[1:])
    summary = run(root)
    assert summary.count("metadata") == 1
    rewritten = json.loads((root / "public" / "records" / "m003.json").read_bytes())
    assert "row" not in rewritten and rewritten["title"] == "岸の古写真（撮影地訂正）"
