"""A small corpus of item records for the search tests, and the fixture indexing it once.

Records are written straight into ``records/`` in the shape ingest writes (no scans, no
tiling), so the index builds in well under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.era import era_range
from archive.model import Record
from archive.project import init_project
from archive.search import rebuild
from tests.records import record_of

# (id, 名称, 名称_カナ, 名称_英語, 資料種別, 文化財分類, 年代, 場所名称, 概要, pages)
ITEMS = [
    (
        "shishi",
        "武蔵村山市史",
        "ムサシムラヤマシシ",
        "History of Musashimurayama City",
        "図書",
        "",
        "平成14年",
        "武蔵村山市",
        "市の歴史をまとめた通史。",
        0,
    ),
    (
        "tsumugi",
        "村山大島紬",
        "ムラヤマオオシマツムギ",
        "Murayama Oshima Tsumugi",
        "民具",
        "無形文化財;伝統的工芸品",
        "昭和30年代",
        "村山織物協同組合",
        "絣の技法で織られた絹織物。",
        2,
    ),
    (
        "satoyama",
        "狭山丘陵の里山風景",
        "サヤマキュウリョウノサトヤマフウケイ",
        "Satoyama of the Sayama Hills",
        "写真",
        "",
        "昭和40年",
        "狭山丘陵",
        "雑木林と谷戸田の写真。",
        1,
    ),
    (
        "doki",
        "人面装飾付土器",
        "ジンメンソウショクツキドキ",
        "Pottery with a Human Face",
        "考古資料",
        "有形文化財",
        "縄文時代中期",
        "吉祥山遺跡",
        "縄文時代中期の深鉢の把手。",
        1,
    ),
    (
        "gakko-old",
        "學校沿革誌",
        "ガッコウエンカクシ",
        "School Chronicle",
        "古文書",
        "",
        "明治6年",
        "中藤村",
        "村の學校の沿革を記した帳面。",
        3,
    ),
    (
        "gakko-new",
        "学校日誌",
        "ガッコウニッシ",
        "School Diary",
        "古文書",
        "",
        "大正3年",
        "三ツ木村",
        "学校の日々の記録。",
        0,
    ),
    (
        "kuni-ezu",
        "武蔵國絵図",
        "ムサシノクニエズ",
        "Map of Musashi Province",
        "絵図",
        "有形文化財",
        "天保年間",
        "武蔵村山市立歴史民俗資料館",
        "武蔵國の村々を描いた絵図。",
        1,
    ),
    (
        "sawai",
        "澤井家文書",
        "サワイケモンジョ",
        "Sawai Family Papers",
        "古文書",
        "",
        "天保5年",
        "中藤",
        "名主澤井家に伝わる文書。",
        4,
    ),
    (
        "saito",
        "齋藤家日記",
        "サイトウケニッキ",
        "Saito Family Diary",
        "古文書",
        "",
        "弘化元年",
        "横田",
        "齋藤家の当主が書き継いだ日記。",
        2,
    ),
    (
        "shimada",
        "嶋田家古文書",
        "シマダケコモンジョ",
        "Shimada Family Papers",
        "古文書",
        "",
        "安政元年",
        "岸",
        "嶋田家の土地売買の証文。",
        1,
    ),
    (
        "watanabe",
        "渡邊家文書",
        "ワタナベケモンジョ",
        "Watanabe Family Papers",
        "古文書",
        "",
        "文久3年",
        "残堀",
        "渡邊家の年貢関係文書。",
        1,
    ),
    (
        "watanabe2",
        "渡邉家過去帳",
        "ワタナベケカコチョウ",
        "Watanabe Family Death Register",
        "古文書",
        "",
        "明治時代",
        "残堀",
        "渡邉家の過去帳。",
        0,
    ),
    (
        "takahashi",
        "髙橋家文書",
        "タカハシケモンジョ",
        "Takahashi Family Papers",
        "古文書",
        "",
        "慶応2年",
        "中央",
        "髙橋家の村入用帳。",
        1,
    ),
    (
        "yamazaki",
        "山﨑家の石臼",
        "ヤマザキケノイシウス",
        "Yamazaki Family Hand Mill",
        "民具",
        "",
        "江戸時代～昭和時代",
        "本町",
        "山﨑家で使われた石臼。",
        1,
    ),
    (
        "sashida",
        "指田日記",
        "サシダニッキ",
        "The Sashida Diary",
        "古文書",
        "有形文化財",
        "天保5年～明治4年",
        "武蔵村山市立歴史民俗資料館",
        "陰陽師指田摂津正藤詮の日記。",
        6,
    ),
    (
        "shumon",
        "宗門人別改帳",
        "シュウモンニンベツアラタメチョウ",
        "Register of Religious Affiliation",
        "古文書",
        "",
        "江戸時代後期",
        "中藤村",
        "村人の宗旨を記した帳面。",
        2,
    ),
    (
        "bonsho",
        "真福寺梵鐘",
        "シンプクジボンショウ",
        "Temple Bell of Shinpukuji",
        "写真",
        "有形文化財",
        "寛永15年",
        "真福寺",
        "寛永15年に鋳造された銅製の梵鐘。",
        1,
    ),
    (
        "shishimai",
        "横中馬獅子舞",
        "ヨコチュウマシシマイ",
        "Lion Dance of Yokochuma",
        "写真",
        "無形民俗文化財",
        "",
        "横中馬",
        "秋の祭礼で舞われる三匹獅子舞。",
        1,
    ),
    (
        "tomi",
        "唐箕",
        "トウミ",
        "Winnowing Machine",
        "民具",
        "",
        "明治時代～昭和時代前期",
        "武蔵村山市立歴史民俗資料館",
        "風で穀物を選別する農具。",
        0,
    ),
    (
        "ogame",
        "中世常滑窯大甕",
        "チュウセイトコナメガマオオガメ",
        "Large Tokoname Jar",
        "考古資料",
        "有形文化財",
        "室町時代",
        "長円寺",
        "常滑で焼かれた大甕。",
        1,
    ),
    (
        "koshashin",
        "昭和の村山駅前",
        "ショウワノムラヤマエキマエ",
        "Murayama Station in Showa",
        "写真",
        "",
        "1960年",
        "",
        "駅前の商店街。",
        1,
    ),
    (
        "kichijoji-site",
        "吉祥山遺跡",
        "",
        "Kichijosan Site",
        "考古資料",
        "旧跡",
        "縄文時代",
        "吉祥山",
        "縄文時代の集落跡。",
        0,
    ),
]


def record(row: tuple) -> Record:
    """An item record shaped as ingest writes it (records/{id}.json)."""
    item_id, title, kana, en, kind, designation, date, place, summary, pages = row
    fields = {
        "ID": item_id,
        "名称": title,
        "名称_カナ": kana,
        "名称_英語": en,
        "資料種別": kind,
        "文化財分類": designation,
        "年代": date,
        "場所名称": place,
        "概要": summary,
    }
    return record_of(fields, pages)


def write_records(project: Path, rows: list[tuple]) -> None:
    records = project / "public" / "records"
    records.mkdir(parents=True, exist_ok=True)
    for row in rows:
        (records / f"{row[0]}.json").write_text(
            json.dumps(record(row).to_json(), ensure_ascii=False), encoding="utf-8"
        )


@pytest.fixture(scope="session")
def search_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose records are ITEMS, indexed once for the whole session."""
    project = tmp_path_factory.mktemp("search") / "archive"
    init_project(project, "検索テスト", "search test")
    write_records(project, ITEMS)
    rebuild(project)
    return project


def test_corpus_dates_parse() -> None:
    assert all(era_range(row[6]) for row in ITEMS if row[6])
