"""Readings (in hiragana) and romaji from SudachiPy with SudachiDict-core.

A reading lets a kana query find a kanji title (むさしむらやま → 武蔵村山); romaji from that
reading lets a Latin query find it too (sayama → 狭山). The sheet's 名称_カナ is preferred
where given (dictionary readings of local names are often wrong: 狭山丘陵 → さやまがおかりょう),
and the dictionary reading is added beside it.

The Sudachi dictionary is loaded once per process (about 50 ms) and never pickled.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

import jaconv

from archive.search.kana import loose_kana
from archive.search.oldforms import fold_official

__all__ = [
    "Morpheme",
    "fold_romaji",
    "learn_reading",
    "learned_readings",
    "morphemes",
    "reading",
    "romaji",
    "romaji_words",
    "sudachi_dictionary",
]

_MAX_CHARS = 2000  # longer text is cut: readings are for titles, names and queries


class Morpheme(NamedTuple):
    surface: str
    reading: str  # hiragana; the surface when the dictionary has no reading
    normalized: str
    pos: str = "名詞"  # Sudachi's part of speech (first level): 名詞, 動詞, 助詞 …


_DICTIONARY_LOCK = threading.Lock()
_THREAD = threading.local()


@functools.cache
def _dictionary() -> object:
    from sudachipy import Dictionary

    with _DICTIONARY_LOCK:
        return Dictionary(dict="core")


def _tokenizer(mode: str) -> tuple[object, object]:
    """This thread's tokenizer of ``mode`` and the dictionary: a Sudachi tokenizer cannot be
    used by two threads at once (the viewer searches from several), the dictionary can."""
    from sudachipy import SplitMode

    found = getattr(_THREAD, "tokenizers", None)
    if found is None:
        found = _THREAD.tokenizers = {}
    if mode not in found:
        found[mode] = _dictionary().tokenizer(mode=getattr(SplitMode, mode))
    return found[mode], _dictionary()


def sudachi_dictionary() -> object:
    """The process's SudachiPy dictionary (SudachiDict-core), loaded once; other Japanese
    text tools (furigana) make their own tokenizers from it."""
    return _dictionary()


_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def morphemes(text: str, *, mode: str = "C", fold: bool = True) -> list[Morpheme]:
    """Sudachi's morphemes of ``text`` (variant kanji folded first unless ``fold=False``)."""
    return list(_morphemes(text, mode, fold))


@functools.lru_cache(maxsize=32768)
def _morphemes(text: str, mode: str, fold: bool) -> tuple[Morpheme, ...]:
    """Cached: titles, family names and places repeat across an archive's records."""
    if fold:
        text = fold_official(text)
    text = unicodedata.normalize("NFKC", text)[:_MAX_CHARS]
    out: list[Morpheme] = []
    at = 0
    names, pattern = _local_names() if fold else ({}, None)
    for m in pattern.finditer(text) if pattern else ():
        out += _analyse(text[at : m.start()], mode)
        out.append(Morpheme(m.group(), names[m.group()], m.group()))
        at = m.end()
    out += _analyse(text[at:], mode)
    return tuple(out)


_LEARNED: dict[str, str] = {}


@contextlib.contextmanager
def learned_readings(names: dict[str, str]) -> Iterator[None]:
    """Within the block, ``names`` (surface → hiragana, learned from the archive's own
    名称_カナ by :func:`learn_reading`) are read as the local names table reads its names;
    the table wins where both have a name."""
    global _LEARNED
    before = _LEARNED
    _LEARNED = dict(names)
    _local_names.cache_clear()
    _morphemes.cache_clear()
    try:
        yield
    finally:
        _LEARNED = before
        _local_names.cache_clear()
        _morphemes.cache_clear()


_KANJI_SPAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々]{2,}")


def learn_reading(title: str, kana: str) -> dict[str, str]:
    """What a title's own reading (the sheet's 名称_カナ) teaches that the dictionary gets
    wrong: the part of the title between the words the dictionary reads as the sheet does.
    大國魂神社本殿 / オオクニタマジンジャホンデン → {大国魂: おおくにたま} (the dictionary
    says たいこくたましい). Only kanji spans of two characters or more are learned."""
    spoken = jaconv.kata2hira(unicodedata.normalize("NFKC", kana)).replace(" ", "")
    ms = _analyse(_fold(title), "C")
    said = "".join(m.reading for m in ms)
    if not ms or not spoken or loose_kana(said) == loose_kana(spoken):  # シユウモン = しゅうもん
        return {}
    first = 0
    while first < len(ms) and spoken.startswith(ms[first].reading):
        spoken = spoken[len(ms[first].reading) :]
        first += 1
    last = len(ms)
    while last > first and spoken.endswith(ms[last - 1].reading) and ms[last - 1].reading:
        spoken = spoken[: -len(ms[last - 1].reading)]
        last -= 1
    surface = "".join(m.surface for m in ms[first:last])
    if not spoken or not _KANJI_SPAN.fullmatch(surface) or not re.fullmatch("[ぁ-ゖー]+", spoken):
        return {}
    if len(spoken) > 4 * len(surface):  # not a reading of it: the sheet says something else
        return {}
    return {surface: spoken}


def _fold(text: str) -> str:
    return fold_official(text)


@functools.cache
def _local_names() -> tuple[dict[str, str], re.Pattern]:
    """The city's names (see :mod:`archive.search.local_names`) and those learned from the
    archive's own readings, folded, longest first."""
    from archive.search.local_names import FAMILY_NAMES, LOCAL_READINGS

    names = {**_LEARNED, **LOCAL_READINGS}
    for family in FAMILY_NAMES:
        names[family + "家"] = LOCAL_READINGS[family] + "け"
        names[family + "家文書"] = LOCAL_READINGS[family] + "けもんじょ"
    names = {fold_official(k): v for k, v in names.items()}
    alternatives = sorted(names, key=len, reverse=True)
    return names, re.compile("|".join(map(re.escape, alternatives)))


def _analyse(text: str, mode: str) -> list[Morpheme]:
    """Sudachi's morphemes; 家 after a surname is read け (澤井家 さわいけ, not さわいか)."""
    if not text.strip():
        return []
    tokenizer, _ = _tokenizer(mode)
    out: list[Morpheme] = []
    after_surname = False
    for m in tokenizer.tokenize(text):
        surface = m.surface()
        pos = m.part_of_speech()
        if not surface.strip():
            after_surname = False
            continue
        kana = m.reading_form()
        if not kana or pos[0] in ("補助記号", "空白") or kana == "キゴウ":
            kana = surface
        if surface == "家" and after_surname:
            kana = "ケ"
        after_surname = pos[2] == "人名" or (pos[1] == "固有名詞" and pos[3] == "姓")
        out.append(Morpheme(surface, kana.translate(_KATA_TO_HIRA), m.normalized_form(), pos[0]))
    return out


def reading(text: str) -> str:
    """The hiragana reading of ``text`` (kana and Latin kept as they are)."""
    return "".join(m.reading for m in morphemes(text))


# Hepburn, Kunrei and Nihon-shiki, long vowels written or not, folded to one spelling: the
# order matters (tch before ch, sh before s…). Applied to the index's romaji and to queries.
ROMAJI_FOLDS = [
    (re.compile(r"c(?=ch)"), "t"),  # maccha = matcha → mattya
    (re.compile(r"sh(?=i)"), "s"),  # shi → si
    (re.compile(r"sh"), "sy"),  # sha → sya
    (re.compile(r"ch(?=i)"), "t"),  # chi → ti
    (re.compile(r"ch"), "ty"),  # cha → tya
    (re.compile(r"ts(?=u)"), "t"),  # tsu → tu
    (re.compile(r"f(?=u)"), "h"),  # fu → hu
    (re.compile(r"d(?=[iu])"), "z"),  # ぢ di → zi, づ du → zu
    (re.compile(r"j(?=y)"), "z"),  # jya → zya
    (re.compile(r"j(?=i)"), "z"),  # ji → zi
    (re.compile(r"j"), "zy"),  # ja → zya
    (re.compile(r"(?<=[aiueo])h(?![aiueoy])"), ""),  # oh as a long vowel: ohno = ono
    (re.compile(r"m(?=[bpm])"), "n"),  # shimbashi = shinbashi
    (re.compile(r"nn(?![aiueoy])"), "n"),  # shinn typed as on a keyboard
    (re.compile(r"ou"), "o"),  # tou → to
    (re.compile(r"([aiueo])\1+"), r"\1"),  # oo, uu, aa … → one vowel
]


def fold_romaji(latin: str) -> str:
    """One spelling for every way of writing the same romaji: Hepburn, Kunrei and
    Nihon-shiki (si/shi, ti/chi, tu/tsu, hu/fu, zi/ji, sya/sha, tya/cha), long vowels as
    ``ou``, ``oo``, ``oh``, ``ō``, ``â`` or nothing, ``m``/``n`` before b, m, p; anything
    but letters and digits dropped. ``Musashimurayama``, ``musasi-murayama`` → one word."""
    text = unicodedata.normalize("NFKD", latin.lower())
    text = re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)))
    for pattern, repl in ROMAJI_FOLDS:
        text = pattern.sub(repl, text)
    return text


@functools.lru_cache(maxsize=65536)
def romaji(kana: str) -> str:
    """Folded romaji (:func:`fold_romaji`) of hiragana/katakana: きゅうりょう → kyuryo.

    Applied to queries as well, so ``Musashimurayama``, ``musasi-murayama`` and
    ``kyuuryou`` fold the same way. Non-kana characters are dropped.
    """
    text = jaconv.kana2alphabet(jaconv.kata2hira(kana.lower())).lower()
    return fold_romaji(text.replace("ー", ""))


def romaji_words(text: str) -> list[str]:
    """Romaji of each word (split mode A) and of the whole: 武蔵村山市 → musashi, murayama,
    shi, musashimurayamashi."""
    parts = [romaji(m.reading) for m in morphemes(text, mode="A")]
    parts = [p for p in parts if p]
    whole = "".join(parts)
    return [*parts, whole] if len(parts) > 1 else parts
