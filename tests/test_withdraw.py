"""Withdrawal (issue 14): ``kura withdraw ID… [--reason]`` and ``--undo``, end to end with the
sample project through the real CLI: what ingest reports and never does by itself, the 410
tombstone in every mode and language, the documents, feed, search, sitemap and open data
without the item, its record and masters kept, lessons and collections failing with
file:line. Publishing over SeaweedFS is in ``test_withdraw_s3``."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive import keys
from archive.config import load_config
from archive.events import log_page, log_state
from archive.opendata import opendata_csv
from archive.record import read_record
from archive.store import open_store
from archive.withdrawals import LOG_KEY, read_log
from kura.cli import cli
from manifests.urls import Urls
from tests.conftest import write_sheet
from tests.rendered import documents
from viewer import create_app

SITE = "http://localhost"
REASON = "権利者からの申し出により"


def kura(root: Path, *args: str, lang: str = "ja") -> Result:
    return CliRunner().invoke(cli, ["--lang", lang, "-C", str(root), *args])


def sheet_rows(root: Path) -> list[dict]:
    text = (root / "items.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def without(root: Path, item_id: str) -> None:
    write_sheet(root, [r for r in sheet_rows(root) if r["ID"] != item_id])


def last_events(root: Path, n: int) -> list[dict]:
    store = open_store(load_config(root).store, root)
    state = log_state(store)
    events: list[dict] = []
    for page in range(state["pages"]):
        events += (log_page(store, page) or {}).get("events", [])
    return events[-n:]


def search_ids(root: Path, query: str) -> list[str]:
    result = kura(root, "search", query, "--json")
    assert result.exit_code == 0, result.output
    return [hit["id"] for hit in json.loads(result.output)["hits"]]


def top_ids(root: Path) -> list[str]:
    top = documents(root, SITE).render("iiif/collection/top.json")
    return [ref["id"].split("/")[-2] for ref in top["items"]]


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    result = kura(sample_project, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    return sample_project


def test_ingest_reports_rows_gone_and_never_withdraws(ingested: Path) -> None:
    root = ingested
    without(root, "bonsho")
    without(root, "ezu")
    result = kura(root, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "台帳にない資料が 2 件あります (公開されたままです):" in lines
    assert "  bonsho\t真福寺梵鐘" in lines
    assert "  ezu\t村山絵図" in lines
    assert f'取り下げるには: kura -C {root} withdraw bonsho ezu --reason "…"' in lines
    store = open_store(load_config(root).store, root)
    assert read_record(store, "bonsho").withdrawn is None
    assert not store.exists(LOG_KEY)
    assert documents(root, SITE).render("iiif/bonsho/manifest.json") is not None
    assert "bonsho" in top_ids(root)
    # the run's log and --report name them too
    report = root / "report.json"
    kura(root, "ingest", "-j", "1", "--report", str(report))
    assert json.loads(report.read_text())["not_in_sheet"] == [
        {"id": "bonsho", "title": "真福寺梵鐘"},
        {"id": "ezu", "title": "村山絵図"},
    ]
    logged = [
        json.loads(line)
        for log in (root / "logs").glob("ingest-*.jsonl")
        for line in log.read_text(encoding="utf-8").splitlines()
    ]
    assert {"event": "not_in_sheet", "id": "ezu", "title": "村山絵図"} in logged
    english = kura(root, "ingest", "-j", "1", lang="en")
    assert "2 published items are no longer in the sheet (still public):" in english.output


def test_withdraw_and_undo_end_to_end(ingested: Path) -> None:
    root = ingested
    config = load_config(root)
    store = open_store(config.store, root)
    masters = sorted(store.list("masters/bonsho"))
    tiles = sorted(store.list("iiif/bonsho"))
    assert masters and tiles and search_ids(root, "梵鐘") == ["bonsho"]

    result = kura(root, "withdraw", "bonsho", "--reason", REASON)
    assert result.exit_code == 0, result.output
    assert "取り下げました: bonsho (真福寺梵鐘)" in result.output.splitlines()

    # the record and masters stay, marked; tiles stay in the store (not served)
    record = read_record(store, "bonsho")
    assert record.withdrawn.reason == REASON
    assert record.withdrawn.at.endswith("Z")
    assert sorted(store.list("masters/bonsho")) == masters
    assert sorted(store.list("iiif/bonsho")) == tiles
    log = read_log(store)
    assert list(log["withdrawn"]) == ["bonsho"]
    assert [(h["action"], h["id"], h["reason"]) for h in log["history"]] == [
        ("withdraw", "bonsho", REASON)
    ]
    assert kura(root, "verify").exit_code == 0  # the record's fixity entry follows it

    # gone from every document, the feed, search
    docs = documents(root, SITE)
    assert docs.render("iiif/bonsho/manifest.json") is None
    image = record.pages[0].image
    assert docs.render(keys.info("bonsho", image)) is None
    assert "bonsho" not in top_ids(root)
    assert not any("/bonsho/" in k for k in docs.document_keys())
    (event,) = last_events(root, 1)
    assert (event["type"], event["object"]) == ("Delete", {"item": "bonsho"})
    assert search_ids(root, "梵鐘") == []

    # withdrawing again changes nothing and says so
    again = kura(root, "withdraw", "bonsho", "--reason", "別の理由")
    assert "取り下げ済みです (変更なし): bonsho (真福寺梵鐘)" in again.output
    assert read_record(store, "bonsho").withdrawn.reason == REASON
    assert len(read_log(store)["history"]) == 1

    # the row is still in the sheet: ingest does not bring it back
    result = kura(root, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    assert (
        "取り下げ中のため取り込みません: bonsho (戻すには `kura withdraw --undo bonsho`)"
        in result.output.splitlines()
    )
    assert "台帳にない資料" not in result.output
    assert read_record(store, "bonsho").withdrawn.reason == REASON
    assert documents(root, SITE).render("iiif/bonsho/manifest.json") is None

    # undo restores everything
    result = kura(root, "withdraw", "--undo", "bonsho")
    assert result.exit_code == 0, result.output
    assert "公開に戻しました: bonsho (真福寺梵鐘)" in result.output
    assert read_record(store, "bonsho").withdrawn is None
    assert read_log(store)["withdrawn"] == {}
    assert [h["action"] for h in read_log(store)["history"]] == ["withdraw", "restore"]
    assert documents(root, SITE).render("iiif/bonsho/manifest.json") is not None
    assert "bonsho" in top_ids(root)
    assert [e["type"] for e in last_events(root, 1)] == ["Create"]
    assert last_events(root, 1)[0]["object"] == {"item": "bonsho"}
    assert search_ids(root, "梵鐘") == ["bonsho"]
    assert kura(root, "verify").exit_code == 0
    assert kura(root, "ingest", "-j", "1").exit_code == 0
    assert read_record(store, "bonsho") is not None


def test_unknown_ids_fail_the_others_go_on(ingested: Path) -> None:
    result = kura(ingested, "withdraw", "nothing", "ezu", "../x", lang="en")
    assert result.exit_code == 1
    assert "no item with this ID: nothing" in result.output
    assert "no item with this ID: ../x" in result.output
    assert "withdrawn: ezu (村山絵図)" in result.output
    store = open_store(load_config(ingested).store, ingested)
    assert list(read_log(store)["withdrawn"]) == ["ezu"]
    undo = kura(ingested, "withdraw", "--undo", "bonsho", lang="en")
    assert undo.exit_code == 0 and "not withdrawn (unchanged): bonsho" in undo.output


def test_open_data_and_sitemap_leave_it_out(ingested: Path) -> None:
    root = ingested
    rows = sheet_rows(root)
    for row in rows:
        row["文化財分類"] = "市指定有形文化財"
    write_sheet(root, rows)
    assert kura(root, "ingest", "-j", "1").exit_code == 0
    config = load_config(root)
    store = open_store(config.store, root)
    before = opendata_csv(store, config, Urls(SITE)).decode("utf-8-sig")
    assert "真福寺梵鐘" in before
    assert kura(root, "withdraw", "bonsho").exit_code == 0
    after = opendata_csv(store, config, Urls(SITE)).decode("utf-8-sig")
    assert "真福寺梵鐘" not in after and "村山絵図" in after
    assert after.count("\r\n") == before.count("\r\n") - 1
    client = create_app(config, {"TESTING": True}).test_client()
    sitemap = client.get("/sitemap.xml").text
    assert "/items/bonsho<" not in sitemap and "/items/ezu<" in sitemap


def plain(html: str) -> str:
    """The page's text as read: furigana and tags left out."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<r[pt]>.*?</r[pt]>", "", html))


MODES = [("ja", "standard"), ("en", "standard"), ("ja", "kids"), ("en", "senior")]


@pytest.mark.parametrize(("lang", "mode"), MODES)
def test_a_withdrawn_item_answers_410_with_a_tombstone(
    ingested: Path, lang: str, mode: str
) -> None:
    root = ingested
    config = load_config(root)
    store = open_store(config.store, root)
    record = read_record(store, "bonsho")
    image = record.pages[0].image
    size = record.pages[0].sizes[0]
    tile = f"/iiif/bonsho/{image}/full/{size[0]},{size[1]}/0/default.jpg"
    client = create_app(config, {"TESTING": True}).test_client()
    assert client.get(tile).status_code == 200
    assert kura(root, "withdraw", "bonsho", "--reason", REASON).exit_code == 0
    date = read_record(store, "bonsho").withdrawn.at[:10]

    page = client.get(f"/items/bonsho?lang={lang}&mode={mode}")
    assert page.status_code == 410
    html = page.text
    text = plain(html)  # kids mode adds furigana
    assert "真福寺梵鐘" in text and REASON in text and date in text
    assert f'class="mode-{mode}"' in html
    heading = "This item has been withdrawn" if lang == "en" else "この資料は公開を取りやめました"
    assert heading in text
    assert ("Withdrawn on" if lang == "en" else "取り下げた日") in text
    # the same page design as the 404 page: the site's header and the error section
    missing = client.get(f"/items/nothing?lang={lang}&mode={mode}")
    assert missing.status_code == 404
    for part in ('<header class="site-header">', '<section class="error'):
        assert part in html and part in missing.text

    for path in (
        "/iiif/bonsho/manifest.json",
        f"/iiif/bonsho/{image}/info.json",
        tile,
        "/records/bonsho.json",
    ):
        gone = client.get(path)
        assert gone.status_code == 410, path
        assert "真福寺梵鐘" in plain(gone.text)
        assert gone.headers["Access-Control-Allow-Origin"] == "*"
    api = client.get("/api/items/bonsho")
    assert api.status_code == 410
    assert api.json["withdrawn"] == {
        "id": "bonsho",
        "title": "真福寺梵鐘",
        "date": date,
        "reason": REASON,
    }
    assert api.json["error"]["status"] == 410
    # others are untouched, and the item is nowhere in lists
    assert client.get("/items/ezu").status_code == 200
    assert client.get("/api/items/nothing").status_code == 404
    assert "bonsho" not in client.get("/api/search?q=梵鐘").text
    assert "/items/bonsho" not in client.get("/").text
    # restored: the pages answer again, without restarting the viewer
    assert kura(root, "withdraw", "--undo", "bonsho").exit_code == 0
    assert client.get("/items/bonsho").status_code == 200
    assert client.get(tile).status_code == 200
    assert client.get("/iiif/bonsho/manifest.json").status_code == 200


def test_the_tombstone_shows_the_english_title_on_english_pages(ingested: Path) -> None:
    root = ingested
    config = load_config(root)
    store = open_store(config.store, root)
    assert kura(root, "withdraw", "sashida-nikki", "bonsho").exit_code == 0
    assert read_log(store)["withdrawn"]["sashida-nikki"]["title_en"] == "Sashida Diary"
    assert "title_en" not in read_log(store)["withdrawn"]["bonsho"]  # it has none
    client = create_app(config, {"TESTING": True}).test_client()

    def item(path: str) -> str:
        page = client.get(path)
        assert page.status_code == 410
        return plain(page.text.split('<section class="error')[1])

    english = item("/items/sashida-nikki?lang=en")
    assert "Sashida Diary" in english and "指田日記" in english  # the original beside it
    japanese = item("/items/sashida-nikki?lang=ja")
    assert "指田日記" in japanese and "Sashida Diary" not in japanese
    assert "真福寺梵鐘" in item("/items/bonsho?lang=en")  # no English title: the Japanese one
    # a log an older version wrote (no English titles): the record still has it
    log = read_log(store)
    del log["withdrawn"]["sashida-nikki"]["title_en"]
    store.put(LOG_KEY, json.dumps(log, ensure_ascii=False).encode())
    assert "Sashida Diary" in item("/items/sashida-nikki?lang=en&mode=senior")


class KilledBeforeTheLog:
    """A store whose writer dies just before the withdrawal log is written (a ``kura
    withdraw`` killed between the record and the log)."""

    def __init__(self, store) -> None:
        self.store = store

    def __getattr__(self, name: str):
        return getattr(self.store, name)

    def put(self, key: str, data, **options) -> None:
        if key == LOG_KEY:
            raise KeyboardInterrupt("killed")
        self.store.put(key, data, **options)


@pytest.mark.parametrize("undo", [False, True])
def test_verify_finds_a_withdrawal_cut_short(ingested: Path, undo: bool) -> None:
    from archive import withdrawals

    root = ingested
    store = open_store(load_config(root).store, root)
    if undo:
        assert kura(root, "withdraw", "bonsho").exit_code == 0
    assert kura(root, "verify").exit_code == 0
    change = withdrawals.restore if undo else withdrawals.withdraw
    with pytest.raises(KeyboardInterrupt):
        change(KilledBeforeTheLog(store), ["bonsho"])
    result = kura(root, "verify", lang="en")
    assert result.exit_code == 1
    (line,) = [line for line in result.output.splitlines() if "disagrees" in line]
    finish = "kura -C {} withdraw{} bonsho".format(root, " --undo" if undo else "")
    assert line.startswith("bonsho: withdrawal log disagrees: state/withdrawals.json")
    assert f"repair: {finish} to finish" in line
    assert "1 withdrawal disagreements" in result.output
    report = json.loads(kura(root, "verify", "--json").output)
    assert report["counts"]["disagrees"] == 1 and not report["ok"]
    # doing what it says repairs it
    assert kura(root, *finish.split()[3:]).exit_code == 0
    assert kura(root, "verify").exit_code == 0
    assert (read_record(store, "bonsho").withdrawn is None) == undo


def test_a_reason_is_optional_and_escaped(ingested: Path) -> None:
    config = load_config(ingested)
    assert kura(ingested, "withdraw", "ezu").exit_code == 0
    client = create_app(config, {"TESTING": True}).test_client()
    page = client.get("/items/ezu")
    assert page.status_code == 410 and "理由" not in page.text.split('<section class="error')[1]
    assert kura(ingested, "withdraw", "--undo", "ezu").exit_code == 0
    assert kura(ingested, "withdraw", "ezu", "--reason", "<script>x</script>").exit_code == 0
    page = client.get("/items/ezu")
    assert "<script>x</script>" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text


LESSON = """---
title: 鐘を見よう
---

## 梵鐘
item: sashida-nikki

本文。

## もうひとつ
item: bonsho

本文。
"""

COLLECTION = """title = "寺と絵図"
[[items]]
id = "ezu"
[[items]]
id = "bonsho"
note = "鐘"
"""


def test_lessons_and_collections_using_it_fail_with_file_and_line(ingested: Path) -> None:
    root = ingested
    (root / "lessons").mkdir(exist_ok=True)
    (root / "collections").mkdir(exist_ok=True)
    (root / "lessons" / "kane.md").write_text(LESSON, encoding="utf-8")
    (root / "collections" / "tera.toml").write_text(COLLECTION, encoding="utf-8")
    assert kura(root, "index").exit_code == 0
    docs = documents(root, SITE)
    assert docs.render("iiif/lesson/kane.json") is not None

    result = kura(root, "withdraw", "bonsho", lang="en")
    assert result.exit_code == 0, result.output
    problems = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert [line.split(" ", 2)[1] for line in problems] == [
        "lessons/kane.md:11:",
        "collections/tera.toml:5:",
    ]
    assert all(
        line.endswith(
            "/ item 'bonsho' is withdrawn: remove it, or restore it with "
            "`kura withdraw --undo bonsho`"
        )
        for line in problems
    )
    # the next ingest fails on them too, and nothing shows the item meanwhile
    ingest = kura(root, "ingest", "-j", "1")
    assert ingest.exit_code == 1
    assert "lessons/kane.md:11: 資料「bonsho」は取り下げられています" in ingest.output
    docs = documents(root, SITE)
    assert docs.render("iiif/lesson/kane.json") is None
    tera = docs.render("iiif/collection/tera.json")
    assert [ref["id"].split("/")[-2] for ref in tera["items"]] == ["ezu"]
    assert kura(root, "withdraw", "--undo", "bonsho").exit_code == 0
    assert kura(root, "index").exit_code == 0
