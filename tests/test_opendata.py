"""The 文化財一覧 open-data CSV and the IIIF Change Discovery feed, on a local archive."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from archive.changes import update_feed
from archive.config import load_config
from archive.opendata import COLUMNS, build_csv, safe_cell
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli

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
    toml.write_text(
        toml.read_text(encoding="utf-8")
        + '\n[opendata]\ncode = "132233"\nname = "東京都武蔵村山市"\n',
        encoding="utf-8",
    )


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
    from archive.config import Config

    data = build_csv([{"id": "a", "fields": {"名称": "x"}}], Config(root=Path(".")), "http://h")
    assert data.decode("utf-8-sig").splitlines() == [",".join(STANDARD_COLUMNS)]


def test_change_feed(sample_project: Path) -> None:
    config = load_config(sample_project)
    Ingest(config, IngestOptions(jobs=1)).run()
    store = LocalStore(config.store_dir)
    collection = json.loads(store.get("activity/all-changes.json"))
    jsonschema.validate(collection, COLLECTION_SCHEMA)
    page = json.loads(store.get("activity/page-0.json"))
    jsonschema.validate(page, PAGE_SCHEMA)
    created = {a["object"]["id"] for a in page["orderedItems"] if a["type"] == "Create"}
    assert created == {
        f"{config.base_url}/iiif/{i}/manifest.json" for i in ("sashida-nikki", "bonsho", "ezu")
    }  # the item without images has no manifest to announce
    assert collection["totalItems"] == 3
    # nothing changed: nothing appended
    assert update_feed(store, config.base_url) == 0
    # a changed item is an Update, a removed one a Delete
    sheet = sample_project / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("村山絵図", "村山の絵図"),
        encoding="utf-8-sig",
    )
    Ingest(config, IngestOptions(jobs=1)).run()
    store.delete("records/bonsho.json")
    assert update_feed(store, config.base_url) == 1
    page = json.loads(store.get("activity/page-0.json"))
    jsonschema.validate(page, PAGE_SCHEMA)
    kinds = [(a["type"], a["object"]["id"].split("/")[-2]) for a in page["orderedItems"][3:]]
    assert sorted(kinds) == [("Delete", "bonsho"), ("Update", "ezu")]
    assert json.loads(store.get("activity/all-changes.json"))["totalItems"] == 5


def test_change_feed_pages(tmp_path: Path, monkeypatch) -> None:
    import archive.changes as changes

    monkeypatch.setattr(changes, "PAGE_SIZE", 2)
    store = LocalStore(tmp_path)
    for i in range(5):
        record = {"id": f"i{i}", "pages": [{}], "fingerprint": "f", "ingest": {"at": ""}}
        store.put(f"records/i{i}.json", json.dumps(record).encode())
    assert update_feed(store, "http://h") == 5
    collection = json.loads(store.get("activity/all-changes.json"))
    assert collection["last"]["id"] == "http://h/activity/page-2.json"
    pages = [json.loads(store.get(f"activity/page-{n}.json")) for n in range(3)]
    assert [len(p["orderedItems"]) for p in pages] == [2, 2, 1]
    assert [p["startIndex"] for p in pages] == [0, 2, 4]
    assert "prev" not in pages[0] and pages[0]["next"]["id"].endswith("page-1.json")
    assert "next" not in pages[2] and pages[2]["prev"]["id"].endswith("page-1.json")
    for page in pages:
        jsonschema.validate(page, PAGE_SCHEMA)


def test_extra_sheet_columns_under_the_standards_headers_are_exported() -> None:
    """電話番号, 名称_通称 … are not Kura sheet columns; an archivist who adds them with the
    standard's header gets them in the CSV (kept as extra columns by the sheet reader)."""
    from archive.config import Config

    record = {
        "id": "bonsho",
        "fields": {"名称": "梵鐘", "文化財分類": "有形文化財"},
        "extra": {"電話番号": "042-565-1111", "名称_通称": "=つりがね", "備考欄": "x"},
    }
    data = build_csv([record], Config(root=Path(".")), "http://h")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    row = dict(zip(STANDARD_COLUMNS, rows[1], strict=True))
    assert row["電話番号"] == "042-565-1111"
    assert row["名称_通称"] == "'=つりがね"  # formula-safe as every cell
    assert "x" not in rows[1]  # other extra columns stay out
