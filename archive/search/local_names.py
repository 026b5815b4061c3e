"""Readings of Musashimurayama's own place and family names, where the dictionary is wrong.

SudachiDict-core reads 狭山丘陵 as さやまがおかりょう and 乙幡 as おっぱん; a person who
searches for them types さやまきゅうりょう and おっぱた. These entries play the part of a
Sudachi user dictionary (a compiled one is bound to the exact system dictionary build, so
a table is kept instead): :func:`archive.search.readings.morphemes` cuts any of these
names out of the text before the analyser sees the rest, and gives them this reading.

Add a name here when a search by its reading fails; the sheet's 名称_カナ is still
preferred for titles. Readings are hiragana; keys are written in the new kanji forms
(old forms are folded before matching).
"""

from __future__ import annotations

LOCAL_READINGS: dict[str, str] = {
    # places: the hills, parks, rivers and districts of the city and its neighbours
    "狭山丘陵": "さやまきゅうりょう",
    "六道山": "ろくどうやま",
    "野山北": "のやまきた",
    "残堀川": "ざんぼりがわ",
    "残堀": "ざんぼり",
    "横中馬": "よこちゅうま",
    "中藤": "なかとう",
    "三ツ木": "みつぎ",
    "伊奈平": "いなだいら",
    "三ツ藤": "みつふじ",
    "大南": "おおみなみ",
    "吉祥山": "きちじょうさん",
    "豊鹿島": "とよかしま",
    "蔵敷": "ぞうしき",
    "芋窪": "いもくぼ",
    # family names of the old villages (名主, 旧家) that the dictionary misreads
    "乙幡": "おっぱた",
    "内野": "うちの",
    "比留間": "ひるま",
    "宮鍋": "みやなべ",
    "指田": "さしだ",
    # archival words: 文書 in a family's papers is もんじょ
    "古文書": "こもんじょ",
    "家文書": "けもんじょ",
}
"""Surface → hiragana reading."""

FAMILY_NAMES = ("乙幡", "内野", "比留間", "宮鍋", "指田")
"""Family names above: 乙幡家 is おっぱたけ (the dictionary's 家 after an unknown name is か)."""
