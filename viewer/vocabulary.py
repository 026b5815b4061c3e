"""English for the archive's own vocabulary: material types, designations, kinds, periods and
dates, and the counting units of 員数, so that English pages do not show 絵図, 江戸時代後期 or
舗 untranslated where the sheet has no English column for them.

Only words of the metadata sheet's controlled vocabulary are translated; free text (titles,
summaries) is shown in English only where the sheet gives it (名称_英語, 概要_英語 …). A word
not in these tables stays as written, in Japanese.
"""

from __future__ import annotations

import re

from archive.era import era_range

MATERIAL_TYPES = {
    "古文書": "Historical document",
    "文書": "Document",
    "絵図": "Pictorial map",
    "地図": "Map",
    "写真": "Photograph",
    "民具": "Folk implement",
    "考古資料": "Archaeological material",
    "絵画": "Painting",
    "彫刻": "Sculpture",
    "工芸品": "Craft object",
    "書跡": "Calligraphy",
    "典籍": "Classical book",
    "遺跡": "Archaeological site",
    "建造物": "Building",
    "行政文書": "Administrative record",
}
DESIGNATIONS = {
    "有形文化財": "Tangible cultural property",
    "無形文化財": "Intangible cultural property",
    "有形民俗文化財": "Tangible folk cultural property",
    "無形民俗文化財": "Intangible folk cultural property",
    "民俗文化財": "Folk cultural property",
    "史跡": "Historic site",
    "旧跡": "Former site",
    "名勝": "Place of scenic beauty",
    "天然記念物": "Natural monument",
    "記念物": "Monument",
    "埋蔵文化財包蔵地": "Known archaeological site",
    "伝統的工芸品": "Traditional craft",
    "登録有形文化財": "Registered tangible cultural property",
}
KINDS = {
    "建造物": "Building",
    "美術工芸品": "Fine art and craft",
    "芸能": "Performing art",
    "工芸技術": "Craft technique",
    "風俗慣習": "Custom",
    "民俗芸能": "Folk performing art",
    "その他": "Other",
}
PERIODS = {
    "旧石器": "Palaeolithic",
    "縄文": "Jōmon",
    "弥生": "Yayoi",
    "古墳": "Kofun",
    "飛鳥": "Asuka",
    "奈良": "Nara",
    "平安": "Heian",
    "鎌倉": "Kamakura",
    "南北朝": "Nanboku-chō",
    "室町": "Muromachi",
    "戦国": "Sengoku",
    "安土桃山": "Azuchi-Momoyama",
    "江戸": "Edo",
    "明治": "Meiji",
    "大正": "Taishō",
    "昭和": "Shōwa",
    "平成": "Heisei",
    "令和": "Reiwa",
}
PARTS = {
    "前期": "Early",
    "初期": "Early",
    "早期": "Initial",
    "中期": "Middle",
    "後期": "Late",
    "晩期": "Final",
    "末期": "End of the",
}
# counters of 員数（単位）: (singular, plural)
UNITS = {
    "点": ("item", "items"),
    "冊": ("volume", "volumes"),
    "舗": ("sheet", "sheets"),
    "枚": ("sheet", "sheets"),
    "組": ("set", "sets"),
    "巻": ("scroll", "scrolls"),
    "幅": ("hanging scroll", "hanging scrolls"),
    "基": ("structure", "structures"),
    "棟": ("building", "buildings"),
    "口": ("bell", "bells"),
    "体": ("figure", "figures"),
    "面": ("panel", "panels"),
    "件": ("item", "items"),
}

_PERIOD = re.compile(r"(?P<name>[^\s～〜~時代]+?)時代(?P<part>前期|初期|早期|中期|後期|晩期|末期)?")
_RANGE = re.compile(r"\s*[～〜~]\s*")
_BRACKETS = re.compile(r"[（(]([^）)]+)[）)]$")
_COUNT = re.compile(r"(?P<n>\d+)\s*(?P<unit>\S+)")


def _period(text: str) -> str | None:
    match = _PERIOD.fullmatch(text.strip())
    if not match or match["name"] not in PERIODS:
        return None
    english = f"{PERIODS[match['name']]} period"
    part = match["part"]
    return f"{PARTS[part]} {english}" if part else english


def english_date(text: str) -> str:
    """年代 in English: periods by name (江戸時代後期 → Late Edo period, ranges of them too),
    anything else as the Gregorian years it names (天保5年～明治4年 → 1834–1871), or ""."""
    text = text.strip()
    if (inner := _BRACKETS.search(text)) and inner.start() > 0:  # 室町時代（15世紀前半）
        main, aside = english_date(text[: inner.start()]), english_date(inner[1])
        return f"{main} ({aside})" if main and aside else main or aside
    if text.endswith(("頃", "ころ", "ごろ")):
        found = english_date(re.sub("(頃|ころ|ごろ)$", "", text))
        return f"c. {found}" if found else ""
    parts = _RANGE.split(text)
    periods = [_period(p) for p in parts]
    if all(periods):
        return " – ".join(p for p in periods if p)
    span = era_range(text)
    if span is None:
        return ""

    def year(y: int) -> str:
        return f"{-y} BCE" if y < 0 else str(y)

    if span.start == span.end:
        return year(span.start)
    return f"{year(span.start)}–{year(span.end)}"


def english_list(text: str, table: dict[str, str]) -> str:
    """A ``、``/``;`` list of vocabulary words in English, or "" if one is not known."""
    words = [w.strip() for w in re.split(r"[、;；]", text) if w.strip()]
    if not words or any(w not in table for w in words):
        return ""
    return "; ".join(table[w] for w in words)


def english_count(text: str) -> str:
    """員数 in English: 1 舗 → 1 sheet, 3 冊 → 3 volumes, or "" for an unknown counter."""
    match = _COUNT.fullmatch(text.strip())
    if not match or match["unit"] not in UNITS:
        return ""
    one, many = UNITS[match["unit"]]
    return f"{match['n']} {one if match['n'] == '1' else many}"


def english_value(column: str, value: str) -> str:
    """The English for a metadata value of ``column``, or "" where there is none."""
    if column == "資料種別":
        return english_list(value, MATERIAL_TYPES)
    if column == "文化財分類":
        return english_list(value, DESIGNATIONS)
    if column == "種類":
        return english_list(value, KINDS)
    if column == "年代":
        return english_date(value)
    if column == "員数":
        return english_count(value)
    return ""
