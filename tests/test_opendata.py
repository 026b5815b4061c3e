"""The 文化財一覧 open-data CSV and the IIIF Change Discovery feed, on a local archive."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from archive import events
from archive.config import Config, load_config
from archive.events import record_changes
from archive.model import Record
from archive.opendata import COLUMNS, build_csv, safe_cell
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from manifests.documents import Documents
from manifests.urls import Urls
from tests.rendered import documents

# The 文化財一覧 items, in order, written out here from the standard (not from the module):
# 推奨データセット「文化財一覧」 data-item definition (内閣官房IT総合戦略室; mirrored in
# NEC-FIWARE/smart-data-models cio/04_文化財一覧/datamodels.md and in 北島町's published
# 364029_cultural_property.xlsx header), with デジタル庁's 自治体標準オープンデータセット
# identifying items 全国地方公共団体コード, ID, 地方公共団体名 in place of
# 都道府県コード又は市区町村コード, NO, 都道府県名, 市区町村名.
STANDARD_COLUMNS = [
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "名称",
    "名称_カナ",
    "名称_通称",
    "名称_英語",
    "文化財分類",
    "種類",
    "場所名称",
    "住所",
    "方書",
    "緯度",
    "経度",
    "電話番号",
    "内線番号",
    "員数（数）",
    "員数（単位）",
    "法人番号",
    "所有者等",
    "文化財指定日",
    "利用可能曜日",
    "開始時間",
    "終了時間",
    "利用可能日時特記事項",
    "画像",
    "画像_ライセンス",
    "概要",
    "概要_英語",
    "説明",
    "説明_英語",
    "URL",
    "備考",
]
assert len(STANDARD_COLUMNS) == 33 and len(set(STANDARD_COLUMNS)) == 33

_REF = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {"id": {"type": "string", "format": "uri"}, "type": {"type": "string"}},
}
COLLECTION_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "totalItems", "first", "last"],
    "properties": {
        "@context": {"const": "http://iiif.io/api/discovery/1/context.json"},
        "type": {"const": "OrderedCollection"},
        "totalItems": {"type": "integer", "minimum": 0},
        "first": {**_REF, "properties": {"type": {"const": "OrderedCollectionPage"}}},
        "last": {**_REF, "properties": {"type": {"const": "OrderedCollectionPage"}}},
    },
}
PAGE_SCHEMA = {
    "type": "object",
    "required": ["@context", "id", "type", "partOf", "orderedItems"],
    "properties": {
        "type": {"const": "OrderedCollectionPage"},
        "startIndex": {"type": "integer", "minimum": 0},
        "partOf": {**_REF, "properties": {"type": {"const": "OrderedCollection"}}},
        "orderedItems": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "object", "endTime"],
                "properties": {
                    "type": {"enum": ["Create", "Update", "Delete", "Move", "Add", "Remove"]},
                    "object": _REF,
                    "endTime": {
                        "type": "string",
                        "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$",
                    },
                },
            },
        },
    },
}


def designate(root: Path) -> None:
    """Give two items a designation and a formula-looking owner, as a city sheet might."""
    sheet = root / "items.csv"
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    for row in rows:
        if row["ID"] == "bonsho":
            row["文化財分類"] = "市指定有形文化財"
            row["種類"] = "美術工芸品"
            row["所有者等"] = '=HYPERLINK("http://evil.example/","click")'
            row["経度"] = "139.38"
        if row["ID"] == "shishimai":
            row["文化財分類"] = "市指定無形民俗文化財"
    from tests.conftest import write_sheet

    write_sheet(root, rows)
    toml = root / "kura.toml"
    text = toml.read_text(encoding="utf-8")
    blank = '[opendata]\ncode = ""\nname = ""'
    assert blank in text  # kura init writes the table, empty
    text = text.replace(blank, '[opendata]\ncode = "132233"\nname = "東京都武蔵村山市"')
    toml.write_text(text, encoding="utf-8")


def test_columns_are_the_standards() -> None:
    assert list(COLUMNS) == STANDARD_COLUMNS


def test_formula_cells_are_written_as_text() -> None:
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("+81 42") == "'+81 42"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-35.7") == "-35.7"  # a number stays a number
    assert safe_cell("天保5年") == "天保5年"


def test_export_opendata(sample_project: Path, tmp_path: Path) -> None:
    designate(sample_project)
    config = load_config(sample_project)
    assert not Ingest(config, IngestOptions(jobs=1)).run().failed
    out = tmp_path / "bunkazai.csv"
    result = CliRunner().invoke(cli, ["-C", str(sample_project), "export", "opendata", "-o", out])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == STANDARD_COLUMNS
    by_id = {r[1]: dict(zip(STANDARD_COLUMNS, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"bonsho", "shishimai"}  # only items with a designation
    bonsho = by_id["bonsho"]
    assert bonsho["全国地方公共団体コード"] == "132233"
    assert bonsho["地方公共団体名"] == "東京都武蔵村山市"
    assert bonsho["所有者等"].startswith("'=HYPERLINK")
    assert bonsho["経度"] == "139.38"
    assert bonsho["URL"] == f"{config.base_url}/items/bonsho"
    assert "CC0" in bonsho["画像_ライセンス"]
    # the image is the IIIF thumbnail, and it exists in the store
    image = bonsho["画像"]
    assert image.startswith(f"{config.base_url}/iiif/bonsho/") and "/full/" in image
    assert LocalStore(config.store_dir).exists(image[len(config.base_url) + 1 :])
    assert by_id["shishimai"]["画像"] == ""  # a record without images
    # without -o it goes into the store, where publishing and the viewer find it
    result = CliRunner().invoke(cli, ["-C", str(sample_project), "export", "opendata"])
    assert result.exit_code == 0, result.output
    assert (config.store_dir / "opendata" / "132233_cultural_property.csv").is_file()


def test_build_csv_without_designations_is_a_header() -> None:
    data = build_csv(
        [Record(id="a", fields={"名称": "x"})], Config(root=Path(".")), Urls("http://h")
    )
    assert data.decode("utf-8-sig").splitlines() == [",".join(STANDARD_COLUMNS)]


def test_change_feed(sample_project: Path) -> None:
    config = load_config(sample_project)
    Ingest(config, IngestOptions(jobs=1)).run()
    store = LocalStore(config.store_dir)
    assert not list(store.list("activity"))  # the log is kept, the feed is rendered
    docs = documents(sample_project)
    collection = docs.render("activity/all-changes.json")
    jsonschema.validate(collection, COLLECTION_SCHEMA)
    page = docs.render("activity/page-0.json")
    jsonschema.validate(page, PAGE_SCHEMA)
    created = {a["object"]["id"] for a in page["orderedItems"] if a["type"] == "Create"}
    assert created == {
        f"{config.base_url}/iiif/{i}/manifest.json" for i in ("sashida-nikki", "bonsho", "ezu")
    }  # the item without images has no manifest to announce
    assert collection["totalItems"] == 3
    assert docs.render("activity/page-1.json") is None  # past the last page
    # nothing changed: nothing appended
    assert record_changes(store) == 0
    # a changed item is an Update, a removed one a Delete
    sheet = sample_project / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("村山絵図", "村山の絵図"),
        encoding="utf-8-sig",
    )
    Ingest(config, IngestOptions(jobs=1)).run()
    store.delete("records/bonsho.json")
    assert record_changes(store) == 1
    page = docs.render("activity/page-0.json")
    jsonschema.validate(page, PAGE_SCHEMA)
    kinds = [(a["type"], a["object"]["id"].split("/")[-2]) for a in page["orderedItems"][3:]]
    assert kinds == [("Update", "ezu"), ("Delete", "bonsho")]  # by the ingest, then here
    assert docs.render("activity/all-changes.json")["totalItems"] == 5
    # the same log, rendered for another address: the same events with its ids
    moved = documents(sample_project, "https://archive.example.jp").render("activity/page-0.json")
    assert [a["object"]["id"] for a in moved["orderedItems"]] == [
        a["object"]["id"].replace(config.base_url, "https://archive.example.jp")
        for a in page["orderedItems"]
    ]


def feed_of(store: LocalStore, base_url: str = "http://h") -> Documents:
    return Documents(store, Config(root=store.root), Urls(base_url))


def logged(store: LocalStore, whole: bool = True) -> list[tuple[str, str]]:
    """Every event of the log, as (type, object id) rendered for http://h, page by page
    (``whole``: as many as the feed counts)."""
    docs = feed_of(store)
    feed = docs.render("activity/all-changes.json")
    out = []
    n = 0
    while (page := docs.render(f"activity/page-{n}.json")) is not None:
        out += [(a["type"], a["object"]["id"]) for a in page["orderedItems"]]
        n += 1
    if whole:
        assert len(out) == feed["totalItems"], (out, feed)
    return out


def put_record(store: LocalStore, item_id: str, fingerprint: str, pages: int = 1) -> None:
    page = {"page": 1, "image": "0123456789abcdef", "file": "scans/a.png", "frame": 0}
    page.update(width=40, height=30, sizes=[])
    record = {"id": item_id, "pages": [page] * pages, "fingerprint": fingerprint}
    store.put(f"records/{item_id}.json", json.dumps(record).encode())


def test_feed_creates_updates_and_deletes_items_lessons_and_collections(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    put_record(store, "a", "1")
    put_record(store, "b", "1")
    put_record(store, "nopages", "1", pages=0)
    store.put("lessons/bell.json", b'{"title": "bell"}')
    store.put("state/collections/mura.json", b'{"title": "mura"}')
    assert record_changes(store) == 4
    assert logged(store) == [
        ("Create", "http://h/iiif/a/manifest.json"),
        ("Create", "http://h/iiif/b/manifest.json"),
        ("Create", "http://h/iiif/lesson/bell.json"),
        ("Create", "http://h/iiif/collection/mura.json"),
    ]
    page = feed_of(store).render("activity/page-0.json")
    jsonschema.validate(page, PAGE_SCHEMA)
    assert [a["object"]["type"] for a in page["orderedItems"]] == [
        "Manifest",
        "Manifest",
        "Manifest",
        "Collection",
    ]
    assert record_changes(store) == 0
    put_record(store, "a", "2")  # a changed item
    store.delete("records/b.json")  # a removed one
    put_record(store, "nopages", "1")  # an item that gained a page: its manifest is new
    store.put("lessons/bell.json", b'{"title": "bell, again"}')
    store.delete("state/collections/mura.json")
    store.put("state/collections/sato.json", b'{"title": "sato"}')
    assert record_changes(store) == 6
    assert logged(store)[4:] == [
        ("Update", "http://h/iiif/a/manifest.json"),
        ("Delete", "http://h/iiif/b/manifest.json"),
        ("Create", "http://h/iiif/nopages/manifest.json"),
        ("Update", "http://h/iiif/lesson/bell.json"),
        ("Delete", "http://h/iiif/collection/mura.json"),
        ("Create", "http://h/iiif/collection/sato.json"),
    ]
    store.delete("lessons/bell.json")
    assert record_changes(store) == 1
    assert logged(store)[-1] == ("Delete", "http://h/iiif/lesson/bell.json")
    assert record_changes(store) == 0 and len(logged(store)) == 11


class Killed(Exception):
    """A kill at a write: what came before it is stored, nothing after."""


def killing_after(store: LocalStore, writes: int, monkeypatch) -> None:
    """``store.put`` stores ``writes`` files, then the process "dies" at the next one."""
    original = LocalStore.put
    count = [0]

    def put(self, key, data, **kwargs):
        if self is store:
            if count[0] >= writes:
                raise Killed(key)
            count[0] += 1
        return original(self, key, data, **kwargs)

    monkeypatch.setattr(LocalStore, "put", put)


def _first_batch(store: LocalStore) -> None:
    for name in ("a", "b", "c"):
        put_record(store, name, "1")
    assert record_changes(store) == 3


def _second_batch(store: LocalStore) -> None:
    put_record(store, "a", "2")
    store.delete("records/b.json")
    put_record(store, "d", "1")
    store.put("lessons/bell.json", b"{}")
    store.put("state/collections/mura.json", b"{}")


EXPECTED = [
    ("Create", "http://h/iiif/a/manifest.json"),
    ("Create", "http://h/iiif/b/manifest.json"),
    ("Create", "http://h/iiif/c/manifest.json"),
    ("Update", "http://h/iiif/a/manifest.json"),  # a batch in (kind, id) order
    ("Delete", "http://h/iiif/b/manifest.json"),
    ("Create", "http://h/iiif/d/manifest.json"),
    ("Create", "http://h/iiif/lesson/bell.json"),
    ("Create", "http://h/iiif/collection/mura.json"),
]


def test_a_whole_run_of_record_changes_makes_the_writes_the_kill_test_counts(
    tmp_path: Path, monkeypatch
) -> None:
    """With 2 events a page, the second batch (5 events after 3) writes the pending state,
    pages 1, 2 and 3 and the settled state: the kill test below kills at each of them."""
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    store = LocalStore(tmp_path)
    _first_batch(store)
    _second_batch(store)
    killing_after(store, 5, monkeypatch)
    assert record_changes(store) == 5
    assert logged(store) == EXPECTED
    killing_after(store, 0, monkeypatch)
    assert record_changes(store) == 0  # nothing to write


@pytest.mark.parametrize("writes", range(5))
def test_a_killed_record_changes_is_finished_by_the_next(
    writes: int, tmp_path: Path, monkeypatch
) -> None:
    """Killed at each of its writes (the pending state, each page, the settled state), the
    next call finishes the log: every event once, in order, none lost or doubled, the feed
    never showing a torn page; a change made in between is logged after them."""
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    store = LocalStore(tmp_path)
    _first_batch(store)
    _second_batch(store)
    killing_after(store, writes, monkeypatch)
    with pytest.raises(Killed):
        record_changes(store)
    monkeypatch.undo()
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    shown = logged(store, whole=False)  # what a harvester sees meanwhile: a prefix of the log
    assert shown == EXPECTED[: len(shown)] and len(shown) >= 3, shown
    assert events.needs_work(store) == (writes > 0)
    put_record(store, "c", "2")  # a change made before the next call
    c_update = ("Update", "http://h/iiif/c/manifest.json")
    if writes == 0:  # killed before anything was written: the next call sees it all as new
        assert record_changes(store) == 6
        assert logged(store) == [*EXPECTED[:5], c_update, *EXPECTED[5:]]
    else:  # the pending events are written first, then the change made since
        assert record_changes(store) == 1
        assert logged(store) == [*EXPECTED, c_update]
    assert record_changes(store) == 0
    assert not events.needs_work(store)
    assert len(logged(store)) == 9


def test_change_feed_pages(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(events, "PAGE_SIZE", 2)
    store = LocalStore(tmp_path)
    for i in range(5):
        put_record(store, f"i{i}", "f")
    assert record_changes(store) == 5
    docs = feed_of(store)
    assert list(docs.document_keys())[-4:] == [
        "activity/all-changes.json",
        "activity/page-0.json",
        "activity/page-1.json",
        "activity/page-2.json",
    ]
    collection = docs.render("activity/all-changes.json")
    jsonschema.validate(collection, COLLECTION_SCHEMA)
    assert collection["last"]["id"] == "http://h/activity/page-2.json"
    assert collection["totalItems"] == 5
    pages = [docs.render(f"activity/page-{n}.json") for n in range(3)]
    assert docs.render("activity/page-3.json") is None
    assert [len(p["orderedItems"]) for p in pages] == [2, 2, 1]
    assert [p["startIndex"] for p in pages] == [0, 2, 4]
    assert "prev" not in pages[0] and pages[0]["next"]["id"].endswith("page-1.json")
    assert "next" not in pages[2] and pages[2]["prev"]["id"].endswith("page-1.json")
    for page in pages:
        jsonschema.validate(page, PAGE_SCHEMA)


def test_extra_sheet_columns_under_the_standards_headers_are_exported() -> None:
    """電話番号, 名称_通称 … are not Kura sheet columns; an archivist who adds them with the
    standard's header gets them in the CSV (kept as extra columns by the sheet reader)."""
    record = Record(
        id="bonsho",
        fields={"名称": "梵鐘", "文化財分類": "有形文化財"},
        extra={"電話番号": "042-565-1111", "名称_通称": "=つりがね", "備考欄": "x"},
    )
    data = build_csv([record], Config(root=Path(".")), Urls("http://h"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    row = dict(zip(STANDARD_COLUMNS, rows[1], strict=True))
    assert row["電話番号"] == "042-565-1111"
    assert row["名称_通称"] == "'=つりがね"  # formula-safe as every cell
    assert "x" not in rows[1]  # other extra columns stay out
