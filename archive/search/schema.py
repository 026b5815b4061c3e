"""The index's fields, and how an item record (``records/{id}.json``) fills them.

Text is indexed several ways, each for one kind of query:

| field | holds | finds |
| --- | --- | --- |
| ``title``, ``body`` | character bigrams of the normalised text (title and 名称_カナ; everything else) | any substring: 村山 in 武蔵村山, kana in kana, 學 as 学 |
| ``reading`` | bigrams of the hiragana readings of the title, keywords and place | a kana query, or a prefix of one, for a kanji title |
| ``reading_loose`` | the same readings, small kana and long vowels folded | キヨウ for キョウ, とーきょー |
| ``reading_body`` | readings of the other Japanese text (所有者等, 住所, 概要, 説明) | a family, hamlet or person in kana |
| ``romaji`` | romaji words of the title's readings (folded: Hepburn = Kunrei) | ``sayama``, ``sinmati``, ``Musashimurayama`` |
| ``romaji_body`` | romaji of the nouns of the other text | a family or hamlet in romaji |
| ``english`` | the English columns, stemmed | English words |
| ``gloss`` | English glosses (JMdict) of the title's and keywords' words | ``kimono``, ``well`` for records with no English |
| ``words`` | Sudachi's words of the title | ranking: whole-word matches come first |
| ``start``, ``end`` | the 年代 as a Gregorian year range | a year or an era overlapping it |
| ``years`` | the years the summary or description names (文政7年) | a year inside a period-dated record |
| ``type``, ``designation``, ``period``, ``place``, ``images`` | facet values | facets and filters |
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from archive.era import PERIODS
from archive.model import Record, YearRange
from archive.search.analysis import (
    GramTokenizer,
    ReadingTokenizer,
    TrigramTokenizer,
    loose_kana,
    normalize,
    to_hiragana,
)
from archive.search.dates import years_named_in
from archive.search.dictionary import glosses
from archive.search.dictionary import readings as dictionary_readings
from archive.search.readings import morphemes, reading, romaji_words
from archive.search.readings import romaji as _romaji

SCHEMA_VERSION = 5  # 3: all readings, glosses, named years; 4: trigrams; 5: reading shown

FACET_PERIODS = (
    "縄文", "弥生", "古墳", "飛鳥", "奈良", "平安", "鎌倉", "室町", "安土桃山",
    "江戸", "明治", "大正", "昭和", "平成", "令和",
)  # fmt: skip
"""The 時代 facet's values (without 時代), in time order."""

FACETS = {
    "type": "資料種別",
    "designation": "文化財分類",
    "period": "時代",
    "place": "場所名称",
    "images": "画像",
}
"""Facet field → the sheet column (or label) it comes from."""

_BODY_COLUMNS = (
    "キーワード", "概要", "説明", "場所名称", "住所", "資料種別", "文化財分類", "種類",
    "年代", "所有者等", "員数（単位）",
)  # fmt: skip
_SPOKEN_COLUMNS = ("所有者等", "住所", "概要", "説明", "年代", "資料種別", "種類", "文化財分類")
"""Text read aloud into ``reading_body`` (title, keywords and place are in ``reading``)."""
WHY_COLUMNS = ("名称", "キーワード", "場所名称", "所有者等", "住所", "概要", "説明")
"""Columns kept in the index to say which one matched (see :mod:`archive.search.why`)."""
_GLOSSED_POS = ("名詞", "動詞", "形容詞", "形状詞")
_NOT_START = set("ぁぃぅぇぉっゃゅょゎーんゔ ")
_ENGLISH_COLUMNS = ("名称_英語", "概要_英語", "説明_英語")


def build_schema() -> Schema:
    grams = GramTokenizer()
    spoken = ReadingTokenizer()
    long_spoken = TrigramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        title=TEXT(analyzer=grams, field_boost=3.0, phrase=True),
        body=TEXT(analyzer=grams, phrase=True),
        reading=TEXT(analyzer=spoken, field_boost=2.0, phrase=False),
        romaji=KEYWORD(lowercase=True, scorable=True, field_boost=2.0),
        english=TEXT(analyzer=StemmingAnalyzer(), phrase=True),
        words=KEYWORD(scorable=True, field_boost=2.0),
        reading_loose=TEXT(analyzer=long_spoken, field_boost=1.2, phrase=False),
        reading_body=TEXT(analyzer=long_spoken, field_boost=0.7, phrase=False),
        romaji_body=KEYWORD(lowercase=True, scorable=True, field_boost=0.8),
        gloss=TEXT(analyzer=StemmingAnalyzer(), field_boost=0.6),
        years=KEYWORD(scorable=True),
        start=NUMERIC(int, bits=32, signed=True, stored=True, sortable=True),
        end=NUMERIC(int, bits=32, signed=True, stored=True, sortable=True),
        sort_date=NUMERIC(int, bits=32, signed=True, sortable=True),
        type=ID(stored=True, sortable=True),
        designation=KEYWORD(stored=True, commas=True),
        period=KEYWORD(stored=True, commas=True),
        place=ID(stored=True, sortable=True),
        images=ID(stored=True, sortable=True),
        display=STORED,
    )


def periods_of(span: YearRange) -> list[str]:
    """The 時代 facet values of a year range: periods it shares more than a change year
    with, or the period it lies within (1868 alone is both 江戸 and 明治)."""
    out = []
    for name in FACET_PERIODS:
        p = PERIODS[name]
        inside = p.start <= span.start and span.end <= p.end
        if inside or min(span.end, p.end) - max(span.start, p.start) >= 1:
            out.append(name)
    return out


@dataclass(frozen=True)
class Display:
    """What a hit shows without opening the record."""

    title: str
    title_en: str
    summary: str
    date: str
    type: str
    pages: int
    thumbnail_page: str
    texts: dict[str, str]  # WHY_COLUMNS: what "why" quotes
    reading: str = ""  # the title's reading (名称_カナ first), for "why"


def _cells(record: Record, *columns: str) -> list[str]:
    return [cell for c in columns if (cell := record.get(c).strip())]


def _spoken(texts: list[str]) -> tuple[str, list[str]]:
    """The readings of the nouns of ``texts`` (a run of nouns read as one: 指田摂津正 さしだ
    せっつのかみ; particles and verbs left out: the index stays small and a name is not
    found across a particle) and the romaji of those nouns."""
    lines: list[str] = []
    romaji: list[str] = []
    for text in texts:
        ms = morphemes(text)
        lines.append(
            "".join(m.reading if m.pos in ("名詞", "接尾辞", "接頭辞") else " " for m in ms)
        )
        for m in ms:
            if m.pos == "名詞" and len(m.reading) >= 2:
                romaji.append(_romaji(m.reading))
                if len(m.surface) >= 4:  # 瑞穂町殿ケ谷 and its short units, 殿ケ谷
                    romaji += [
                        _romaji(a.reading)
                        for a in morphemes(m.surface, mode="A")
                        if a.pos == "名詞" and len(a.reading) >= 2
                    ]
    return "\n".join(lines), [r for r in dict.fromkeys(romaji) if len(r) >= 3]


def _english_words(title: str, others: list[str]) -> str:
    """English glosses of the words of the title, keywords and kind (JMdict)."""
    words: list[str] = []
    for text in (title, *others):
        for mode in ("C", "A"):
            words += [m.normalized for m in morphemes(text, mode=mode) if m.pos in _GLOSSED_POS]
        words.append(text)
    out: list[str] = []
    for word in dict.fromkeys(words):
        found = glosses(word)
        if not found and 2 <= len(word) <= 3:  # 蓑笠: no entry; 蓑 straw raincoat, 笠 hat
            found = tuple(g for ch in word for g in glosses(ch)[:2])
        out += found
    return "\n".join(dict.fromkeys(out))


def document(record: Record) -> dict:
    """The index document of one item record."""
    title = record.title or record.get("名称")
    kana = record.get("名称_カナ").strip()
    keywords = list(record.keywords)
    place = record.get("場所名称").strip()
    # Readings: the sheet's kana first, then the dictionary's for title, keywords and place.
    readings = [to_hiragana(kana)] if kana else []
    readings += [reading(t) for t in (title, *keywords, place) if t]
    # a keyword alone has no context: every reading the dictionary gives it (土器: どき, かわらけ)
    readings += [to_hiragana(r) for k in keywords for r in dictionary_readings(k)]
    readings = list(dict.fromkeys(readings))
    romaji: list[str] = []
    for text in (kana, title, *keywords, place):
        if text:
            romaji += romaji_words(text)
    # romaji from every kana of the title's readings on: "murayama" is a prefix of one
    for spoken in readings[:2]:
        romaji += [
            _romaji(spoken[i:])
            for i in range(1, min(len(spoken), 30))
            if spoken[i] not in _NOT_START
        ]
    title_words = {m.normalized for m in morphemes(title)}
    title_words |= {m.reading for m in morphemes(title)} | set(readings)
    title_words |= {m.normalized for m in morphemes(title, mode="A")}
    spoken, body_romaji = _spoken(_cells(record, *_SPOKEN_COLUMNS))
    named_years = []
    for text in _cells(record, "概要", "説明"):
        named_years += years_named_in(text)
    kinds = _cells(record, "資料種別", "種類")
    doc: dict = {
        "id": record.id,
        "title": " ".join(filter(None, (title, kana))),
        "body": "\n".join(_cells(record, *_BODY_COLUMNS)),
        "reading": " ".join(readings),
        "romaji": " ".join(dict.fromkeys(romaji)),
        "english": "\n".join(_cells(record, *_ENGLISH_COLUMNS)),
        "words": " ".join(normalize(w) for w in title_words if w.strip()),
        "reading_loose": " ".join(loose_kana(normalize(r)) for r in readings),
        "reading_body": normalize(spoken),
        "romaji_body": " ".join(body_romaji),
        "gloss": _english_words(title, [*keywords, *kinds]),
        "years": " ".join(str(y) for y in dict.fromkeys(named_years)),
        "type": record.get("資料種別").strip(),
        "place": place,
        "images": "yes" if record.pages else "no",
    }
    designations = [d.strip() for d in record.designations if d.strip()]
    if designations:
        doc["designation"] = ",".join(d.replace(",", " ") for d in designations)
    if span := record.years:
        doc.update(start=span.start, end=span.end, sort_date=span.start)
        if periods := periods_of(span):
            doc["period"] = ",".join(periods)
    else:
        doc["sort_date"] = 2**31 - 1  # undated items sort last
    pages = record.pages
    doc["display"] = Display(
        title=title,
        title_en=record.get("名称_英語"),
        summary=record.get("概要"),
        date=(record.date.text if record.date else "") or record.get("年代"),
        type=doc["type"],
        pages=len(pages),
        thumbnail_page=pages[0].image if pages else "",
        texts={c: v for c in WHY_COLUMNS if (v := record.get(c).strip())},
        reading=readings[0] if readings else "",
    ).__dict__
    return {k: v for k, v in doc.items() if v != ""}
