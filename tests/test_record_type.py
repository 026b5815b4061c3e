"""The record type (``archive.model.Record``): records as ingest and withdrawal write them
read and written back byte for byte; records of older versions load; a malformed record
fails naming its key."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from archive.config import load_config
from archive.errors import StoreError
from archive.model import (
    RECORD_KEYS,
    DateText,
    IngestStamp,
    Page,
    Record,
    RecordFormatError,
    ScanFile,
    Withdrawal,
    YearRange,
)
from archive.record import iter_records, read_record, record_bytes, write_record
from archive.store import LocalStore
from archive.withdrawals import restore, withdraw
from ingest.pipeline import Ingest, IngestOptions
from tests.conftest import make_scan, write_sheet


def stored(root: Path) -> dict[str, bytes]:
    """Every record file of the project, by item id."""
    return {p.stem: p.read_bytes() for p in sorted((root / "public" / "records").glob("*.json"))}


def assert_round_trip(raw: bytes) -> Record:
    record = Record.from_json(json.loads(raw))
    assert record_bytes(record) == raw
    assert Record.from_json(record.to_json()) == record
    return record


def test_records_of_a_real_ingest_round_trip_byte_for_byte(sample_project: Path) -> None:
    rows = [
        {"ID": "fumei", "名称": "年代不詳の写真", "年代": "不詳", "画像ファイル": "fumei.png"},
        {"ID": "nodate", "名称": "年代なし", "キーワード": "祭り; 獅子舞", "文化財分類": "市指定"},
    ]
    with (sample_project / "items.csv").open(encoding="utf-8-sig", newline="") as f:
        write_sheet(sample_project, [*csv.DictReader(f), *rows])
    make_scan(sample_project / "scans" / "fumei.png", (240, 180), seed=3)
    summary = Ingest(load_config(sample_project), IngestOptions(jobs=1)).run()
    assert not summary.failed, summary.report()
    records = stored(sample_project)
    assert len(records) == 6
    for raw in records.values():
        assert_round_trip(raw)

    store = LocalStore(sample_project / "public")
    diary = read_record(store, "sashida-nikki")
    assert diary is not None
    assert diary.date == DateText("天保5年～明治4年", YearRange(1834, 1871))
    assert diary.years == YearRange(1834, 1871)
    assert [(p.page, p.width, p.height) for p in diary.pages] == [
        (1, 700, 500),
        (2, 710, 500),
        (3, 720, 500),
    ]
    assert all(f.master and f.sha256 and f.pages == 1 for f in diary.files)
    assert diary.kura_record == 2 and diary.ingest and diary.ingest.sheet == "items.csv"
    assert diary.image_settings["tiler"] >= 1 and diary.fingerprint
    undated = read_record(store, "fumei")
    assert undated and undated.date == DateText("不詳", None) and undated.years is None
    plain = read_record(store, "nodate")
    assert plain and plain.date is None and plain.pages == () and plain.files == ()
    assert plain.keywords == ("祭り", "獅子舞") and plain.designations == ("市指定",)
    assert [r.id for r in iter_records(store)] == sorted(records)

    # written back unchanged: the same bytes, so no fixity hash and no fingerprint moves
    for item_id in records:
        record = read_record(store, item_id)
        assert record is not None
        write_record(store, record)
    assert stored(sample_project) == records

    # a withdrawal adds its block last and the restoration takes it away again
    withdraw(store, ["bonsho"], "権利者の申し出", by="archivist")
    withdrawn = stored(sample_project)["bonsho"]
    record = assert_round_trip(withdrawn)
    assert list(record.to_json())[-1] == "withdrawn"
    assert record.withdrawn and record.withdrawn.reason == "権利者の申し出"
    assert record.withdrawn.by == "archivist"
    restore(store, ["bonsho"], by="archivist")
    assert stored(sample_project) == records


# a record as an earlier version wrote it: the sheet row after the title, no image settings,
# fingerprint or ingest stamp, an empty date, a scan without a kept master, and a key this
# version does not know
OLD = {
    "kura_record": 1,
    "id": "old",
    "title": "古い記録",
    "row": 7,
    "fields": {"ID": "old", "名称": "古い記録"},
    "extra": {"旧列": "値"},
    "rights": "",
    "viewing_direction": "left-to-right",
    "date": None,
    "keywords": [],
    "designations": [],
    "files": [
        {
            "path": "scans/old.jpg",
            "sha256": "ab" * 32,
            "size": 1234,
            "mtime_ns": 1700000000000000000,
            "pages": 1,
            "master": None,
        }
    ],
    "pages": [
        {
            "page": 1,
            "image": "0123456789abcdef",
            "file": "scans/old.jpg",
            "frame": 0,
            "width": 640,
            "height": 480,
            "sizes": [[160, 120], [320, 240]],
        }
    ],
    "base_url": "http://example.org",
}


def test_an_older_record_loads_and_round_trips() -> None:
    raw = json.dumps(OLD, ensure_ascii=False, indent=2).encode("utf-8")
    record = assert_round_trip(raw)
    assert (record.row, record.kura_record, record.date) == (7, 1, None)
    assert record.fingerprint == "" and record.ingest is None and record.image_settings == {}
    assert record.files == (
        ScanFile("scans/old.jpg", "ab" * 32, 1234, 1700000000000000000, 1, None),
    )
    assert record.other == {"base_url": "http://example.org"}
    page = record.pages[0]
    assert page == Page(
        1, "0123456789abcdef", "scans/old.jpg", 0, 640, 480, ((160, 120), (320, 240))
    )
    assert record.page("0123456789abcdef") == page == record.page_number(1)
    assert record.page("nope") is None and record.page_number(2) is None
    # the one thumbnail rule: the smallest listed size whose long side reaches 200 px
    assert record.thumbnail() == (page, (320, 240), "320,240")
    assert page.size_segment((640, 480)) == "max" and page.size_segment((100, 75)) == "max"
    assert record.get("名称") == "古い記録" and record.get("概要") == ""
    with pytest.raises(AttributeError, match=r"record\.pages"):
        record.get("pages")  # a sheet column is meant: the record's own keys are attributes

    # withdrawn and restored: the block goes last, then away; the rest stays where it was
    withdrawn = replace(record, withdrawn=Withdrawal("2026-01-01T00:00:00Z", "理由", "me"))
    assert list(withdrawn.to_json()) == [*OLD, "withdrawn"]
    assert replace(withdrawn, withdrawn=None).to_json() == OLD


def test_a_minimal_record_loads() -> None:
    """What hand-made and very old records hold: an id and a title."""
    record = Record.from_json({"id": "bench", "title": "bench", "fields": {}, "pages": []})
    assert record.pages == () and record.fields == {} and record.date is None
    assert record.to_json() == {"id": "bench", "title": "bench", "fields": {}, "pages": []}
    assert record.thumbnail() is None and record.published


def test_a_new_record_has_the_keys_ingest_writes_in_order() -> None:
    stamp = IngestStamp("2026-12-01T00:00:00+00:00", "0.1.0", "host", "items.csv")
    date = DateText("寛永15年", YearRange(1638, 1638))
    record = Record(id="new", title="新しい", date=date, kura_record=2, ingest=stamp)
    data = record.to_json()
    assert tuple(data) == RECORD_KEYS
    assert data["date"] == {"text": "寛永15年", "start": 1638, "end": 1638}
    assert record.metadata_json() == {k: data[k] for k in RECORD_KEYS[1:10]}
    # what is not set is not written (a version, an ingest stamp)
    assert tuple(Record(id="new").to_json()) == RECORD_KEYS[1:-1]


def _with(path: str, value: object) -> dict:
    """OLD with the value at ``path`` (``pages.0.width``) replaced."""
    data = json.loads(json.dumps(OLD))
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        ("title", 5, "title"),
        ("fields", ["a"], "fields"),
        ("fields.名称", None, "fields.名称"),
        ("date", "天保5年", "date"),
        ("date", {"text": "天保5年", "start": "1834", "end": 1834}, "date.start"),
        ("date", {"text": "天保5年", "start": 1834, "end": None}, "date.end"),
        ("keywords", "祭り", "keywords"),
        ("keywords", ["祭り", 3], "keywords[1]"),
        ("pages.0.width", "640", "pages[0].width"),
        ("pages.0.height", True, "pages[0].height"),
        ("pages.0.sizes", [[160]], "pages[0].sizes[0]"),
        ("pages.0", "p1", "pages[0]"),
        ("files.0.sha256", None, "files[0].sha256"),
        ("files.0.master", 1, "files[0].master"),
        ("row", "7", "row"),
        ("withdrawn", "yes", "withdrawn"),
        ("ingest", None, "ingest"),
    ],
)
def test_a_malformed_record_fails_naming_its_key(
    tmp_path: Path, path: str, value: object, named: str
) -> None:
    data = _with(path, value)
    with pytest.raises(RecordFormatError) as found:
        Record.from_json(data)
    assert found.value.where == named
    store = LocalStore(tmp_path)
    store.put("records/old.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))
    with pytest.raises(
        StoreError,
        match=rf"records/old\.json: .*「{re.escape(named)}」.* / record field {re.escape(named)} ",
    ):
        read_record(store, "old")
    assert list(iter_records(store)) == []  # left out of listings, with a warning


def test_a_missing_page_key_is_malformed() -> None:
    data = json.loads(json.dumps(OLD))
    del data["pages"][0]["width"]
    with pytest.raises(RecordFormatError) as found:
        Record.from_json(data)
    assert found.value.where == "pages[0].width"


def test_a_record_crosses_processes_as_it_is() -> None:
    """Ingest's workers hand back ScanFile and Page values: records pickle unchanged."""
    import pickle

    record = Record.from_json(OLD)
    assert pickle.loads(pickle.dumps(record)) == record
