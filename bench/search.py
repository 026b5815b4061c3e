"""Search benchmark: Kura's search against SQLite FTS5 (trigram), speed and relevance.

    make bench-search                                   (1,000 and 100,000: 10-20 min)
    .venv/bin/python bench/search.py --sizes 1000,10000 (quicker)
    .venv/bin/python bench/search.py -n 100000 --json bench/out/search.json

Options: ``-n/--sizes N[,N…]`` (records per run, default 1000,100000), ``--per-kind K``
(timed queries per kind, default 30: 330 queries), ``--per-page P`` (Kura's page size,
default 20 as ``/api/search``), ``--procs P`` (Kura's writer processes; default
``archive.search.indexer.writer_procs``), ``--seed S``, ``--json FILE`` (every figure),
``--profile`` (cProfile the timed Kura queries of the largest size; top functions printed),
``--workdir DIR`` (where the indexes are built; deleted after).

Two engines, in the same run and on the same records:

- **Kura**: ``archive.search.indexer.write_index`` builds the index; queries go through
  ``archive.search.searcher.SearchIndex(path).search(text, per_page=P)``, the method
  ``/api/search`` ends in (``viewer.search.run_search`` → ``archive.search.search`` →
  ``open_search_index(...).search``), with its defaults (curation on, relevance sort).
- **FTS5**: stdlib ``sqlite3``, one ``fts5(id UNINDEXED, title, body, reading,
  tokenize='trigram')`` table (title = 名称, reading = 名称_カナ, body = every other text
  column), filled in one transaction, then ``optimize``. A query is the text split on spaces,
  each word of 3+ characters quoted as an FTS5 string and ANDed in one MATCH; a shorter word
  (trigrams cannot index it) becomes ``(title LIKE '%w%' OR body LIKE … OR reading LIKE …)``;
  ``ORDER BY bm25(docs) LIMIT 10`` (rowid when no word is long enough) plus a ``count(*)``.
  No normalisation, readings or romaji: the baseline a small team would pick.

Records for size N: the relevance set's records plus seeded synthetic records up to N
(titles from family, hamlet and object names of several Tama-area cities, with their kana
readings in 名称_カナ for most; 15 % titled by a person from 380 two-kanji surnames, so the
index's vocabulary grows with N as a real one does; English titles for some; 住所, 所有者等,
キーワード, 概要 and 説明 sentences that name people, places and years; dates 寛永 to 昭和).

Speed. A fixed, seeded mixed query set, ``--per-kind`` queries of each kind: ``word``
(plain words and two-word queries), ``kana`` (readings, hiragana or katakana), ``hepburn``
and ``kunrei`` (romaji of the readings, with long vowels written or not, n/m before b/m/p,
spaces between words), ``year`` (1834, 明治15年, 昭和30年代, 江戸時代), ``sentence`` (〜の写真を
見たい, 〜はどこ, 〜について知りたい), ``english`` (kimono, festival, farming tools), ``typo`` (a
same-reading kanji, a voiced kana, a wrong letter), ``short`` (one or two characters),
``suggest`` (near-spellings of indexed words that match nothing literally: the zero-hit path
through did-you-mean, which should offer a suggestion) and ``zero`` (nothing like it in the
index: did-you-mean runs and should offer nothing). Both engines first answer a separate
warm-up set (same kinds, another seed: warm caches and searchers, but no query of the timed
set is seen before it is timed). Then each timed query is run once per engine, timed alone
with ``time.perf_counter``, the engines interleaved per query (Kura first on even queries,
FTS5 first on odd ones). Reported: p50/p95/p99 (nearest rank) per engine, and per kind for
both, with Kura's zero-hit count and how many of those got a ``suggestion`` (non-None: the
did-you-mean path ran and found something). Build time, index size on disk and the
searchers' open time are beside them. A query that raises counts as an error with no hits
(reported, never silent) rather than ending the run.

Relevance. The set in ``tests/relevance`` (``RECORDS``, ``QUERIES`` with ``kind``, ``text``,
``relevant``; written before any engine ran) is indexed alone by each engine, and each query
scored on its first 10 hits: recall@10 = found relevant / min(relevant, 10), MRR = 1 / rank of
the first relevant hit (0 when none). A ``zero`` query (nothing relevant exists) scores 1 for
both when the engine returns no hits at all, else 0. Per kind and overall (mean over
queries). Without ``tests/relevance`` the older ``tests/test_search_relevance.CASES`` over
``tests/test_search_corpus.ITEMS`` is used (kind ``legacy``). The same queries are also run
at each size among the synthetic records ("in noise"): a synthetic record can be as relevant
as the expected ones, so that figure shows ranking under load, not misses.

Targets (issue 12), printed beside the figures: Kura at 100,000 records p95 ≤ 50 ms and
p99 ≤ 150 ms; relevance recall@10 ≥ 0.95 and MRR ≥ 0.9 overall, no kind below 0.8 (either).
The machine should be quiet: the timings move by tens of percent under other load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jaconv  # noqa: E402

from archive.model import Record  # noqa: E402
from archive.search.indexer import learn_readings, write_index, writer_procs  # noqa: E402
from archive.search.searcher import SearchIndex  # noqa: E402
from tests.records import record_of  # noqa: E402

TARGETS = {"p95_ms": 50.0, "p99_ms": 150.0, "recall": 0.95, "mrr": 0.9, "kind_floor": 0.8}
TARGET_SIZE = 100_000

# -- vocabulary: (kanji, hiragana reading[, English, 資料種別]) ---------------------------

CITIES = [("武蔵村山市", "むさしむらやまし"), ("東大和市", "ひがしやまとし"), ("立川市", "たちかわし"),
          ("青梅市", "おうめし"), ("日野市", "ひのし"), ("府中市", "ふちゅうし"),
          ("町田市", "まちだし"), ("八王子市", "はちおうじし")]  # fmt: skip
PLACES = [("中藤", "なかとう"), ("横田", "よこた"), ("三ツ木", "みつぎ"), ("岸", "きし"),
          ("残堀", "ざんぼり"), ("伊奈平", "いなだいら"), ("本町", "ほんちょう"),
          ("新町", "しんまち"), ("神明", "しんめい"), ("大南", "おおみなみ"), ("榎", "えのき"),
          ("長者", "ちょうじゃ"), ("新橋", "しんばし"), ("二宮", "にのみや"),
          ("拝島", "はいじま"), ("谷保", "やほ")]  # fmt: skip
FAMILIES = [("比留間", "ひるま"), ("乙幡", "おっぱた"), ("内野", "うちの"), ("宮鍋", "みやなべ"),
            ("指田", "さしだ"), ("荒田", "あらた"), ("鈴木", "すずき"), ("小林", "こばやし"),
            ("大野", "おおの"), ("森田", "もりた"), ("志村", "しむら"), ("土屋", "つちや"),
            ("新藤", "しんどう"), ("井上", "いのうえ"), ("渡辺", "わたなべ"), ("澤井", "さわい")]  # fmt: skip
SURNAME_KANJI = "田中山本川井上野村松木林森石原小高橋岡島"  # 2-kanji surnames: 400, rarer words
GIVEN_HEAD, GIVEN_TAIL = "新善清久弥源", ["右衛門", "兵衛", "蔵", "助"]
GIVEN = ["源左衛門", "久兵衛", "新右衛門", "弥五郎", "善蔵", "とよ", "きく", "清吉"]
THINGS = [("日記", "にっき", "diary", "古文書"), ("証文", "しょうもん", "deed", "古文書"),
          ("村明細帳", "むらめいさいちょう", "village register", "古文書"),
          ("年貢割付状", "ねんぐわりつけじょう", "tax assessment", "古文書"),
          ("絵馬", "えま", "votive tablet", "絵画"), ("石臼", "いしうす", "millstone", "民具"),
          ("農具", "のうぐ", "farming tools", "民具"),
          ("写真帳", "しゃしんちょう", "photograph album", "写真"),
          ("土器片", "どきへん", "pottery shards", "考古資料"), ("絵図", "えず", "map", "絵図"),
          ("御用留", "ごようどめ", "official record book", "古文書"),
          ("人別帳", "にんべつちょう", "population register", "古文書"),
          ("宗門帳", "しゅうもんちょう", "religious census", "古文書"),
          ("棟札", "むなふだ", "ridge tablet", "工芸品"), ("扁額", "へんがく", "framed tablet", "工芸品"),
          ("掛軸", "かけじく", "hanging scroll", "絵画"),
          ("織物見本", "おりものみほん", "textile samples", "民具"),
          ("茶摘み籠", "ちゃつみかご", "tea-picking basket", "民具"),
          ("絵葉書", "えはがき", "picture postcard", "写真"),
          ("祭礼入用帳", "さいれいにゅうようちょう", "festival expense book", "古文書"),
          ("着物", "きもの", "kimono", "民具"), ("蓑笠", "みのがさ", "straw raincoat and hat", "民具"),
          ("千歯扱き", "せんばこき", "thresher", "民具"), ("唐箕", "とうみ", "winnowing machine", "民具"),
          ("井戸", "いど", "well", "考古資料"), ("書状", "しょじょう", "letter", "古文書"),
          ("獅子頭", "ししがしら", "lion dance mask", "工芸品"),
          ("梵鐘", "ぼんしょう", "temple bell", "工芸品")]  # fmt: skip
KEYWORDS = ["養蚕", "織物", "年中行事", "用水", "祭礼", "寺院", "農業", "村政", "交通", "教育",
            "信仰", "狭山丘陵", "新田開発", "茶業"]  # fmt: skip
DESIGNATIONS = ["市指定有形文化財", "市指定有形民俗文化財", "都指定有形文化財", "市登録文化財"]
DATES = ["寛永15年", "元禄3年", "享保10年", "天明2年", "寛政5年", "文化元年", "文政8年", "天保5年",
         "天保年間", "弘化2年", "嘉永6年", "安政3年", "文久元年", "慶応2年", "明治5年", "明治15年",
         "明治20年代", "大正3年", "昭和30年代", "昭和45年", "江戸時代後期", "江戸時代",
         "縄文時代中期", "室町時代", "1970年", "1834年", ""]  # fmt: skip
SENTENCES = ["村の出来事を書き留めたもの。", "名主の家に伝わる。", "養蚕と織物の様子がわかる。",
             "狭山丘陵の南麓の集落で使われた。", "市内の旧家から寄贈された。", "年中行事の記録が多い。",
             "用水と田畑の争いについて記す。", "保存状態は良好である。", "一部に虫損がある。",
             "{family}{given}が記した。", "{year}の飢饉について記す。", "{place}の鎮守の祭礼で使われた。",
             "{city}{place}の{family}家に伝来した。", "{year}に修理された記録がある。"]  # fmt: skip
YEARS_IN_TEXT = ["天保7年", "明治17年", "安政2年", "昭和22年", "1923年", "享保17年"]

ENGLISH_QUERIES = ["kimono", "festival", "diary", "map", "letter", "well", "scroll",
                   "farming tools", "pottery", "photograph", "temple bell", "silk", "tea",
                   "lion dance", "millstone", "postcard", "census", "village", "shrine", "basket"]  # fmt: skip
ERAS = [
    "寛永",
    "元禄",
    "享保",
    "天明",
    "寛政",
    "文政",
    "天保",
    "嘉永",
    "安政",
    "明治",
    "大正",
    "昭和",
]
HOMOPHONES = {"記": "紀", "帳": "張", "写": "謝", "真": "新", "具": "愚", "農": "能", "図": "豆",
              "馬": "魔", "文": "分", "証": "正", "物": "仏", "留": "流", "状": "条", "鐘": "鍾",
              "間": "真", "田": "多", "野": "埜"}  # fmt: skip
VOICING = dict(
    zip(
        "かきくけこさしすせそたちつてとはひふへほ",
        "がぎぐげござじずぜぞだぢづでどばびぶべぼ",
        strict=True,
    )
)
VOICING |= {v: k for k, v in VOICING.items()}
NONSENSE_WORDS = ["宇宙船", "スマートフォン", "ロボット", "新幹線", "電子計算機", "潜水艦",
                  "quantum", "spaceship", "blockchain", "ぬゑぽぺ", "ゐゑゎぬ", "xqzvw", "zzyzx",
                  "プログラミング言語", "火星探査機", "量子力学"]  # fmt: skip
RARE_KANJI = "鰐鸚鵡麒麟蟷螂魑魅魍魎"
RARE_KANA = "ぬゑゐぺぽゎ"


def hira_kata(text: str) -> str:
    return jaconv.hira2kata(text)


def hepburn(kana: str) -> str:
    """Wapuro-style Hepburn of a hiragana reading (long vowels as written: shuumonchou)."""
    return jaconv.kana2alphabet(kana).replace("cch", "tch")


def hepburn_variant(rng: random.Random, kana: str) -> str:
    text = hepburn(kana)
    if rng.random() < 0.4:  # passport Hepburn: long vowels unwritten
        text = text.replace("ou", "o").replace("uu", "u")
    if rng.random() < 0.5:  # n → m before b/m/p
        text = re.sub(r"n(?=[bmp])", "m", text)
    return text


_KUNREI = [
    ("tch", "tt"),
    ("sha", "sya"),
    ("shu", "syu"),
    ("sho", "syo"),
    ("shi", "si"),
    ("cha", "tya"),
    ("chu", "tyu"),
    ("cho", "tyo"),
    ("chi", "ti"),
    ("tsu", "tu"),
    ("fu", "hu"),
    ("ja", "zya"),
    ("ju", "zyu"),
    ("jo", "zyo"),
    ("ji", "zi"),
]


def kunrei(kana: str) -> str:
    text = hepburn(kana)
    for a, b in _KUNREI:
        text = text.replace(a, b)
    return text


# -- records ---------------------------------------------------------------------------


def make_record(item_id: str, fields: dict[str, str], pages: int = 0) -> Record:
    """An item record shaped as ingest writes it (records/{id}.json)."""
    return record_of({"ID": item_id, **fields}, pages)


def synthetic(n: int, seed: int = 3) -> list[Record]:
    """``n`` seeded records in several Tama-area cities' style (see the module docstring)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        family, place, city = rng.choice(FAMILIES), rng.choice(PLACES), rng.choice(CITIES)
        thing, kana_thing, english, kind = rng.choice(THINGS)
        shape = rng.random()
        if shape < 0.4:
            title, kana = f"{family[0]}家{thing}", f"{family[1]}け{kana_thing}"
        elif shape < 0.55:  # a person's name, no reading given: the lexicon grows with N
            surname = "".join(rng.sample(SURNAME_KANJI, 2))
            given = rng.choice(GIVEN_HEAD) + rng.choice(GIVEN_TAIL)
            title, kana = f"{surname}{given}{thing}", ""
        elif shape < 0.8:
            title, kana = f"{place[0]}村{thing}", f"{place[1]}むら{kana_thing}"
        else:
            title, kana = f"{place[0]}{thing}", f"{place[1]}{kana_thing}"
        fill = {
            "family": family[0],
            "given": rng.choice(GIVEN),
            "place": place[0],
            "city": city[0],
            "year": rng.choice(YEARS_IN_TEXT),
        }
        fields = {
            "名称": title,
            "名称_カナ": hira_kata(kana) if kana and rng.random() < 0.7 else "",
            "名称_英語": english.capitalize() if rng.random() < 0.3 else "",
            "資料種別": kind,
            "文化財分類": rng.choice(DESIGNATIONS) if rng.random() < 0.15 else "",
            "年代": rng.choice(DATES),
            "場所名称": f"{place[0]}村" if rng.random() < 0.5 else place[0],
            "住所": f"{city[0]}{place[0]}{rng.randint(1, 5)}丁目",
            "所有者等": rng.choice([f"{family[0]}家", city[0], "個人蔵", f"{place[0]}自治会"]),
            "キーワード": ";".join(rng.sample(KEYWORDS, 2)),
            "概要": "".join(s.format(**fill) for s in rng.sample(SENTENCES, 3)),
            "説明": rng.choice(SENTENCES).format(**fill) if rng.random() < 0.3 else "",
        }
        fields = {k: v for k, v in fields.items() if v}
        rows.append(make_record(f"syn-{i:06d}", fields, rng.randint(0, 3)))
    return rows


# -- relevance set ---------------------------------------------------------------------


def load_relevance() -> tuple[str, list[Record], list[tuple[str, str, frozenset]], list[str]]:
    """(source, records, [(kind, text, relevant ids)], kinds): ``tests/relevance`` if it
    imports, else the older corpus and cases as kind ``legacy``."""
    try:
        from tests.relevance import KINDS, QUERIES, RECORDS

        queries = [(q.kind, q.text, frozenset(q.relevant)) for q in QUERIES]
        kinds = list(dict.fromkeys([*KINDS, *(k for k, _, _ in queries)]))
        return "tests/relevance", list(RECORDS), queries, kinds
    except Exception as exc:  # missing, or half-written by someone else
        print(f"note: tests.relevance not usable ({exc!r}); using the legacy set", file=sys.stderr)
    try:
        from tests.test_search_corpus import ITEMS, record
        from tests.test_search_relevance import CASES
    except Exception as exc:
        print(f"note: no relevance set ({exc!r}); relevance skipped", file=sys.stderr)
        return "none", [], [], []
    queries = [("legacy", q, frozenset(expected)) for q, expected in CASES]
    return (
        "tests/test_search_relevance.py (legacy)",
        [record(r) for r in ITEMS],
        queries,
        ["legacy"],
    )


# -- queries ---------------------------------------------------------------------------

QUERY_KINDS = (
    "word",
    "kana",
    "hepburn",
    "kunrei",
    "year",
    "sentence",
    "english",
    "typo",
    "short",
    "suggest",
    "zero",
)


def _reading_pick(rng: random.Random) -> tuple[str, str]:
    """(kanji, reading) of a thing, family, place or family+thing."""
    r = rng.random()
    if r < 0.35:
        t = rng.choice(THINGS)
        return t[0], t[1]
    if r < 0.6:
        return rng.choice(FAMILIES)
    if r < 0.8:
        return rng.choice(PLACES)
    f, t = rng.choice(FAMILIES), rng.choice(THINGS)
    return f"{f[0]}家{t[0]}", f"{f[1]}け{t[1]}"


def _typo(rng: random.Random) -> str:
    for _ in range(50):
        how = rng.random()
        kanji, kana = _reading_pick(rng)
        if how < 0.4:
            spots = [i for i, ch in enumerate(kanji) if ch in HOMOPHONES]
            if spots:
                i = rng.choice(spots)
                return kanji[:i] + HOMOPHONES[kanji[i]] + kanji[i + 1 :]
        elif how < 0.75:
            spots = [i for i, ch in enumerate(kana) if ch in VOICING]
            if spots:
                i = rng.choice(spots)
                return kana[:i] + VOICING[kana[i]] + kana[i + 1 :]
        else:
            word = hepburn(kana)
            if len(word) >= 5:
                i = rng.randrange(1, len(word) - 1)
                return word[:i] + rng.choice("aeioukstnmr".replace(word[i], "")) + word[i + 1 :]
    return "日紀"


def _query(rng: random.Random, kind: str) -> str:
    if kind == "word":
        f, p, t = rng.choice(FAMILIES), rng.choice(PLACES), rng.choice(THINGS)
        return rng.choice(
            [
                t[0],
                f"{f[0]}家",
                p[0],
                rng.choice(CITIES)[0],
                rng.choice(KEYWORDS),
                f"{f[0]} {t[0]}",
                f"{p[0]} {t[0]}",
                f"{rng.choice(KEYWORDS)} {t[0]}",
            ]
        )
    if kind == "kana":
        kana = _reading_pick(rng)[1]
        return hira_kata(kana) if rng.random() < 0.3 else kana
    if kind == "hepburn":
        if rng.random() < 0.25:  # two words, spaced
            f, t = rng.choice(FAMILIES), rng.choice(THINGS)
            return f"{hepburn_variant(rng, f[1])} {hepburn_variant(rng, t[1])}"
        return hepburn_variant(rng, _reading_pick(rng)[1])
    if kind == "kunrei":
        for _ in range(20):  # a word whose Kunrei spelling differs from its Hepburn one
            kana = _reading_pick(rng)[1]
            if kunrei(kana) != hepburn(kana):
                return kunrei(kana)
        return kunrei(kana)
    if kind == "year":
        r = rng.random()
        if r < 0.35:
            return str(rng.randint(1620, 1975)) + ("年" if rng.random() < 0.3 else "")
        if r < 0.7:
            return f"{rng.choice(ERAS)}{rng.randint(1, 15)}年"
        return rng.choice(
            [
                "江戸時代",
                "明治時代",
                "昭和30年代",
                "明治10年代",
                "天保",
                "江戸時代後期",
                "縄文時代",
                "室町時代",
                "大正",
            ]
        )
    if kind == "sentence":
        t, p, f = rng.choice(THINGS), rng.choice(PLACES), rng.choice(FAMILIES)
        return rng.choice(
            [
                f"{t[0]}の写真を見たい",
                f"{p[0]}はどこ",
                f"{f[0]}家の{t[0]}について知りたい",
                f"{rng.choice(ERAS)}の{t[0]}はありますか",
                f"むかしの{t[1]}がみたい",
                f"{p[0]}村のお祭りのことを教えて",
                f"{t[0]}を見たい",
            ]
        )
    if kind == "english":
        return rng.choice(ENGLISH_QUERIES)
    if kind == "typo":
        return _typo(rng)
    if kind == "short":
        t, f = rng.choice(THINGS), rng.choice(FAMILIES)
        return rng.choice(
            [t[0][0], f[0][:2], t[1][:1], t[1][:2], "家", "村", "帳", "絵", hepburn(t[1])[:2]]
        )
    if kind == "suggest":  # near-spellings that match nothing literally
        kanji, kana = _reading_pick(rng)
        r = rng.random()
        if r < 0.35:
            word = hepburn(kana)
            i = rng.randrange(1, len(word))
            return word[:i] + word[i] + word[i:]  # a doubled letter: nikkki, hirumma
        if r < 0.7 and len(kanji) >= 2:
            i = rng.randrange(len(kanji))
            return kanji[:i] + rng.choice(RARE_KANJI) + kanji[i + 1 :]
        i = rng.randrange(len(kana))
        return kana[:i] + rng.choice(RARE_KANA) + kana[i + 1 :]
    if kind == "zero":
        r = rng.random()
        if r < 0.5:
            return rng.choice(NONSENSE_WORDS)
        if r < 0.75:
            return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(5, 8)))
        return "".join(rng.choice(RARE_KANA + "ゔぢづ") for _ in range(rng.randint(3, 5)))
    raise ValueError(kind)


def query_set(per_kind: int, seed: int) -> list[tuple[str, str]]:
    """``per_kind`` (kind, text) of each kind, seeded, kinds interleaved."""
    rng = random.Random(seed)
    by_kind = {k: [_query(rng, k) for _ in range(per_kind)] for k in QUERY_KINDS}
    return [(k, by_kind[k][i]) for i in range(per_kind) for k in QUERY_KINDS]


# -- engines ---------------------------------------------------------------------------


class Kura:
    name = "kura"

    def __init__(self, path: Path, per_page: int) -> None:
        t0 = time.perf_counter()
        self.index = SearchIndex(path)
        self.open_s = time.perf_counter() - t0
        self.per_page = per_page

    def search(self, text: str):
        return self.index.search(text, per_page=self.per_page)

    @staticmethod
    def outcome(result) -> tuple[int, list[str], str | None]:
        return result.total, [h.id for h in result.hits], result.suggestion

    def close(self) -> None:
        self.index.close()


def kura_build(path: Path, records: list[Record], procs: int | None) -> dict:
    procs = writer_procs(len(records)) if procs is None else procs
    t0 = time.perf_counter()
    # as `kura index` does: readings learned from the titles' 名称_カナ first, then the index
    write_index(path, records, procs=procs, learned=learn_readings(records))
    return {"build_s": time.perf_counter() - t0, "procs": procs}


def fts_row(record: Record) -> tuple[str, str, str, str]:
    title = record.title or record.get("名称")
    reading = record.get("名称_カナ")
    body = "\n".join(
        v.strip()
        for k, v in record.fields.items()
        if k not in ("ID", "名称", "名称_カナ") and v.strip()
    )
    return record.id, title, body, reading


def fts_build(path: Path, records: list[Record]) -> dict:
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, reading, tokenize='trigram')"
    )
    with con:
        con.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", map(fts_row, records))
    with con:
        con.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    con.close()
    return {"build_s": time.perf_counter() - t0, "procs": 1}


class Fts:
    name = "fts5"

    def __init__(self, path: Path, limit: int = 10) -> None:
        t0 = time.perf_counter()
        self.con = sqlite3.connect(path)
        self.con.execute("SELECT count(*) FROM docs WHERE docs MATCH '\"あいう\"'").fetchone()
        self.open_s = time.perf_counter() - t0
        self.limit = limit

    def search(self, text: str) -> tuple[int, list[str]]:
        where, params = [], []
        words = text.split()
        long = [w for w in words if len(w) >= 3]
        if long:
            where.append("docs MATCH ?")
            params.append(" AND ".join('"' + w.replace('"', '""') + '"' for w in long))
        for w in words:
            if len(w) < 3:
                where.append("(title LIKE ? OR body LIKE ? OR reading LIKE ?)")
                params += [f"%{w}%"] * 3
        if not where:
            return 0, []
        cond = " AND ".join(where)
        order = "bm25(docs)" if long else "rowid"
        ids = self.con.execute(
            f"SELECT id FROM docs WHERE {cond} ORDER BY {order} LIMIT ?", (*params, self.limit)
        ).fetchall()
        total = self.con.execute(f"SELECT count(*) FROM docs WHERE {cond}", params).fetchone()[0]
        return total, [r[0] for r in ids]

    @staticmethod
    def outcome(result) -> tuple[int, list[str], str | None]:
        return result[0], result[1], None

    def close(self) -> None:
        self.con.close()


# -- measuring -------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _dir_mib(path: Path) -> float:
    if path.is_file():
        return path.stat().st_size / 2**20
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_one(engine, text: str) -> tuple[float, int, list[str], str | None, str | None]:
    """(ms, total, ids, suggestion, error) of one query; an exception in the engine (a 500
    from the API) is counted as an error with no hits instead of ending the run."""
    t0 = time.perf_counter()
    try:
        result = engine.search(text)
    except Exception as exc:
        ms = (time.perf_counter() - t0) * 1000
        return ms, 0, [], None, f"{text}: {exc!r}"
    ms = (time.perf_counter() - t0) * 1000
    total, ids, suggestion = engine.outcome(result)
    return ms, total, ids, suggestion, None


def time_queries(engines: list, queries: list[tuple[str, str]]) -> dict[str, list[dict]]:
    """Each query once per engine, timed alone; engines interleaved, alternating who goes
    first. Returns per engine a row per query: kind, text, ms, total, ids, suggestion."""
    out: dict[str, list[dict]] = {e.name: [] for e in engines}
    for i, (kind, text) in enumerate(queries):
        for engine in engines if i % 2 == 0 else engines[::-1]:
            ms, total, ids, suggestion, error = run_one(engine, text)
            out[engine.name].append(
                {
                    "kind": kind,
                    "q": text,
                    "ms": ms,
                    "total": total,
                    "ids": ids[:10],
                    "suggestion": suggestion,
                    "error": error,
                }
            )
    return out


def latency_summary(rows: list[dict]) -> dict:
    ms = [r["ms"] for r in rows]
    summary = {
        "queries": len(ms),
        "p50_ms": pct(ms, 0.5),
        "p95_ms": pct(ms, 0.95),
        "p99_ms": pct(ms, 0.99),
        "max_ms": max(ms) if ms else float("nan"),
    }
    kinds: dict[str, dict] = {}
    for kind in dict.fromkeys(r["kind"] for r in rows):
        mine = [r for r in rows if r["kind"] == kind]
        kms = [r["ms"] for r in mine]
        zero = [r for r in mine if r["total"] == 0]
        slowest = max(mine, key=lambda r: r["ms"])
        kinds[kind] = {
            "queries": len(mine),
            "p50_ms": pct(kms, 0.5),
            "p95_ms": pct(kms, 0.95),
            "max_ms": max(kms),
            "slowest": slowest["q"],
            "zero_hit": len(zero),
            "suggested": sum(1 for r in zero if r["suggestion"] is not None),
            "suggestions": sorted(
                {f"{r['q']} → {r['suggestion']}" for r in zero if r["suggestion"] is not None}
            )[:5],
        }
    summary["kinds"] = kinds
    summary["zero_hit"] = sum(k["zero_hit"] for k in kinds.values())
    summary["suggested"] = sum(k["suggested"] for k in kinds.values())
    errors = [r["error"] for r in rows if r["error"]]
    summary["errors"], summary["first_errors"] = len(errors), errors[:3]
    return summary


def score(total: int, ids: list[str], relevant: frozenset) -> tuple[float, float]:
    """(recall@10, reciprocal rank) of one query; a query with nothing relevant scores 1
    when there are no hits at all, else 0."""
    if not relevant:
        s = 1.0 if total == 0 else 0.0
        return s, s
    top = ids[:10]
    recall = len(relevant & set(top)) / min(len(relevant), 10)
    first = next((i for i, x in enumerate(top) if x in relevant), None)
    return recall, 0.0 if first is None else 1 / (first + 1)


def relevance(engine, queries: list[tuple[str, str, frozenset]]) -> dict:
    by_kind: dict[str, list[tuple[float, float]]] = {}
    misses, errors = [], []
    for kind, text, relevant in queries:
        _, total, ids, _, error = run_one(engine, text)
        if error:
            errors.append(error)
        r, rr = score(total, ids, relevant)
        by_kind.setdefault(kind, []).append((r, rr))
        if r < 1 or rr < 1:
            misses.append({"kind": kind, "q": text, "recall": r, "rr": rr})
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    kinds = {
        k: {"queries": len(v), "recall": mean([a for a, _ in v]), "mrr": mean([b for _, b in v])}
        for k, v in by_kind.items()
    }
    every = [s for v in by_kind.values() for s in v]
    out = {
        "queries": len(every),
        "recall": mean([a for a, _ in every]),
        "mrr": mean([b for _, b in every]),
        "kinds": kinds,
        "misses": misses,
        "errors": len(errors),
        "first_errors": errors[:3],
    }
    floor = min((min(k["recall"], k["mrr"]) for k in kinds.values()), default=float("nan"))
    out["worst_kind"] = floor
    out["met"] = bool(
        out["recall"] >= TARGETS["recall"]
        and out["mrr"] >= TARGETS["mrr"]
        and floor >= TARGETS["kind_floor"]
    )
    return out


def profile_kura(kura: Kura, queries: list[tuple[str, str]], top: int = 25) -> str:
    prof = cProfile.Profile()
    prof.enable()
    for _, text in queries:
        kura.search(text)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# -- one size --------------------------------------------------------------------------


def run_size(
    n: int,
    work: Path,
    rel_records: list[Record],
    rel_queries: list[tuple[str, str, frozenset]],
    timed: list[tuple[str, str]],
    warmup: list[tuple[str, str]],
    args: argparse.Namespace,
    profile: bool,
) -> dict:
    t0 = time.perf_counter()
    records = rel_records + synthetic(max(0, n - len(rel_records)), seed=args.seed)
    print(
        f"\n[{len(records):,} records: generated in {time.perf_counter() - t0:.1f} s; building]",
        file=sys.stderr,
        flush=True,
    )
    folder = work / f"n{n}"
    folder.mkdir()
    builds = {
        "kura": kura_build(folder / "kura", records, args.procs),
        "fts5": fts_build(folder / "fts5.db", records),
    }
    builds["kura"]["size_mib"] = _dir_mib(folder / "kura")
    builds["fts5"]["size_mib"] = _dir_mib(folder / "fts5.db")
    del records
    print(
        f"[built: kura {builds['kura']['build_s']:.1f} s, fts5 {builds['fts5']['build_s']:.1f} s;"
        f" querying]",
        file=sys.stderr,
        flush=True,
    )
    engines = [Kura(folder / "kura", args.per_page), Fts(folder / "fts5.db")]
    try:
        for engine in engines:
            builds[engine.name]["open_s"] = engine.open_s
        time_queries(engines, warmup)  # untimed: warm caches, no timed query seen
        rows = time_queries(engines, timed)
        out: dict = {"records": max(n, len(rel_records)), "engines": {}}
        for engine in engines:
            in_noise = relevance(engine, rel_queries) if rel_queries else None
            if in_noise:
                del in_noise["misses"]
            out["engines"][engine.name] = {
                **builds[engine.name],
                **latency_summary(rows[engine.name]),
                "in_noise": in_noise,
                "per_query": [
                    {k: r[k] for k in ("kind", "q", "ms", "total", "suggestion", "error")}
                    for r in rows[engine.name]
                ],
            }
        if profile:
            out["profile"] = profile_kura(engines[0], timed)
        return out
    finally:
        for engine in engines:
            engine.close()
        shutil.rmtree(folder, ignore_errors=True)


def run_relevance(work: Path, records: list[Record], queries: list) -> dict:
    folder = work / "relevance"
    folder.mkdir()
    write_index(folder / "kura", records, procs=1)
    fts_build(folder / "fts5.db", records)
    engines = [Kura(folder / "kura", 10), Fts(folder / "fts5.db")]
    try:
        return {e.name: relevance(e, queries) for e in engines}
    finally:
        for e in engines:
            e.close()
        shutil.rmtree(folder, ignore_errors=True)


# -- output ----------------------------------------------------------------------------


def _f(x: float, digits: int = 1) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def print_size(n: int, res: dict) -> None:
    k, f = res["engines"]["kura"], res["engines"]["fts5"]
    print(f"\n== {res['records']:,} records ==")
    target = n == TARGET_SIZE
    print(f"{'':20}{'kura':>10}{'fts5':>10}   target (kura at {TARGET_SIZE:,})")
    print(
        f"{'build (s)':20}{_f(k['build_s']):>10}{_f(f['build_s']):>10}   "
        f"kura writer procs {k['procs']}"
    )
    print(f"{'index size (MiB)':20}{_f(k['size_mib']):>10}{_f(f['size_mib']):>10}")
    print(f"{'open (s)':20}{_f(k['open_s'], 2):>10}{_f(f['open_s'], 2):>10}")
    for key, label, goal in (
        ("p50_ms", "p50 (ms)", None),
        ("p95_ms", "p95 (ms)", "p95_ms"),
        ("p99_ms", "p99 (ms)", "p99_ms"),
        ("max_ms", "max (ms)", None),
    ):
        note = ""
        if goal:
            note = f"≤ {TARGETS[goal]:.0f}"
            if target:
                note += "  met" if k[key] <= TARGETS[goal] else "  NOT met"
        print(f"{label:20}{_f(k[key]):>10}{_f(f[key]):>10}   {note}")
    print(
        f"{'zero-hit queries':20}{k['zero_hit']:>10}{f['zero_hit']:>10}   "
        f"(kura: {k['suggested']} with a did-you-mean suggestion)"
    )
    for name, e in (("kura", k), ("fts5", f)):
        if e["errors"]:
            print(f"!! {name}: {e['errors']} queries raised (no hits counted): {e['first_errors']}")
    if k.get("in_noise"):
        kn, fn = k["in_noise"], f["in_noise"]
        print(f"{'recall@10 in noise':20}{_f(kn['recall'], 3):>10}{_f(fn['recall'], 3):>10}")
        print(f"{'MRR in noise':20}{_f(kn['mrr'], 3):>10}{_f(fn['mrr'], 3):>10}")
    print(
        f"\n{'kind':10}{'n':>4}{'kura p50':>10}{'p95':>8}{'max':>8}{'zero':>6}{'sugg':>6}"
        f"{'fts5 p95':>10}{'zero':>6}   kura's slowest query"
    )
    slow = max(k["kinds"], key=lambda kind: k["kinds"][kind]["p95_ms"])
    for kind, kk in k["kinds"].items():
        fk = f["kinds"][kind]
        mark = " <- slowest p95" if kind == slow else ""
        print(
            f"{kind:10}{kk['queries']:>4}{_f(kk['p50_ms']):>10}{_f(kk['p95_ms']):>8}"
            f"{_f(kk['max_ms']):>8}{kk['zero_hit']:>6}{kk['suggested']:>6}{_f(fk['p95_ms']):>10}"
            f"{fk['zero_hit']:>6}   {kk['slowest']}{mark}"
        )
    shown = [s for kk in k["kinds"].values() for s in kk["suggestions"]][:6]
    if shown:
        print("did-you-mean (kura): " + "; ".join(shown))
    if res.get("profile"):
        print(f"\nprofile of kura's timed queries at {res['records']:,} records (cumulative):")
        print("\n".join(res["profile"].splitlines()[:45]))


def print_relevance(source: str, rel: dict) -> None:
    k, f = rel["kura"], rel["fts5"]
    floor = TARGETS["kind_floor"]
    for name, e in (("kura", k), ("fts5", f)):
        if e["errors"]:
            print(f"!! {name}: {e['errors']} queries raised (scored 0): {e['first_errors']}")
    print(f"\n== relevance: {source}, {k['queries']} queries over its records alone ==")
    print("(recall@10 over min(relevant, 10); a 'zero' query scores 1 when no hits, else 0)")
    w = max(12, *(len(kind) + 2 for kind in k["kinds"]))
    print(f"{'kind':{w}}{'n':>4}{'kura R@10':>11}{'kura MRR':>10}{'fts5 R@10':>11}{'fts5 MRR':>10}")
    for kind, kk in k["kinds"].items():
        fk = f["kinds"][kind]
        low = "  < 0.8" if min(kk["recall"], kk["mrr"]) < floor else ""
        print(
            f"{kind:{w}}{kk['queries']:>4}{_f(kk['recall'], 3):>11}{_f(kk['mrr'], 3):>10}"
            f"{_f(fk['recall'], 3):>11}{_f(fk['mrr'], 3):>10}{low}"
        )
    print(
        f"{'overall':{w}}{k['queries']:>4}{_f(k['recall'], 3):>11}{_f(k['mrr'], 3):>10}"
        f"{_f(f['recall'], 3):>11}{_f(f['mrr'], 3):>10}"
    )
    print(
        f"targets: recall@10 ≥ {TARGETS['recall']}, MRR ≥ {TARGETS['mrr']}, no kind < {floor}"
        f" → kura {'met' if k['met'] else 'NOT met'} (worst kind {_f(k['worst_kind'], 3)})"
    )
    if k["misses"]:
        shown: dict[str, list[str]] = {}
        for m in k["misses"]:
            shown.setdefault(m["kind"], []).append(
                f"{m['q']} (R {m['recall']:.2f}, RR {m['rr']:.2f})"
            )
        print(f"kura misses ({len(k['misses'])}; first two per kind, all in --json):")
        for kind, items in shown.items():
            print(f"  {kind}: " + "; ".join(items[:2]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--sizes", default="1000,100000", help="records per run, comma-separated")
    ap.add_argument("--per-kind", type=int, default=30, help="timed queries per kind (30)")
    ap.add_argument("--per-page", type=int, default=20, help="Kura's page size (20, the API's)")
    ap.add_argument("--procs", type=int, default=None, help="Kura's writer processes")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", type=Path, help="write every figure to this file")
    ap.add_argument("--profile", action="store_true", help="cProfile Kura at the largest size")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    source, rel_records, rel_queries, _ = load_relevance()
    timed = query_set(args.per_kind, args.seed)
    warmup = query_set(3, args.seed + 1000)
    print(
        f"query set: {len(timed)} timed ({len(set(q for _, q in timed))} distinct), "
        f"{len(QUERY_KINDS)} kinds × {args.per_kind}; warm-up {len(warmup)} others; "
        f"engines interleaved per query, each query timed alone"
    )
    print(f"relevance: {source}: {len(rel_records)} records, {len(rel_queries)} queries")
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; kura per_page {args.per_page}, fts5 LIMIT 10"
    )

    report: dict = {
        "command": " ".join(sys.argv),
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "cores": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
        "targets": TARGETS,
        "query_kinds": list(QUERY_KINDS),
        "queries": [{"kind": k, "q": q} for k, q in timed],
        "timing": "warm-up set first (other seed); then each query once per engine, "
        "interleaved per query, timed alone with time.perf_counter",
        "relevance_source": source,
        "sizes": {},
    }
    work = Path(tempfile.mkdtemp(prefix="kura-bench-search-", dir=args.workdir))
    try:
        if rel_queries:
            report["relevance"] = run_relevance(work, rel_records, rel_queries)
            print_relevance(source, report["relevance"])
        for n in sizes:
            res = run_size(
                n,
                work,
                rel_records,
                rel_queries,
                timed,
                warmup,
                args,
                profile=args.profile and n == max(sizes),
            )
            report["sizes"][str(n)] = res
            print_size(n, res)
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
