"""The Japanese analysis chain, the same at index and at query time.

``normalize`` folds what people type differently for the same text: NFKC (full-width
digits and letters, half-width katakana), case, katakana → hiragana, old or variant
kanji (學→学, see :mod:`archive.search.variants`), iteration marks written out (家々 = 家家,
こゝろ = こころ) and the linking ヶ/ケ/が/ガ of place names (緑ヶ丘 = 緑が丘 = 緑ケ丘).
``loose_kana`` folds further, for readings written as old sheets and people write them:
small kana as big ones (キヨウ = キョウ, ツ = ッ) and long vowels in any spelling (ー, う, お). ``grams`` then cuts normalised text into
runs of Japanese (kanji and kana) and of letters or digits: a Japanese run gives its
character bigrams (so 村山 finds 武蔵村山 and 土器 finds 人面装飾付土器), a letter or digit
run is one word. At index time the last character of every Japanese run is also kept as
a one-character term (and the first, see ``grams``), so that a one-character query (蔵)
finds a run ending in it.

``GramTokenizer`` wraps ``grams`` for Whoosh; it holds no state, so it pickles into the
schema cheaply.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from archive.search.kana import long_vowels_spelt, loose_kana, to_hiragana
from archive.search.variants import fold_variants

__all__ = [
    "GramTokenizer",
    "ReadingTokenizer",
    "TrigramTokenizer",
    "grams",
    "is_japanese",
    "kana_only",
    "long_vowels_spelt",
    "loose_kana",
    "normalize",
    "query_trigrams",
    "reading_grams",
    "to_hiragana",
]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
# Japanese: hiragana, katakana (incl. ー), CJK ideographs and compatibility forms, 々〆ヶ
_JA = r"\u3005\u3006\u303b\u3041-\u309f\u30a1-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(rf"(?P<ja>[{_JA}]+)|(?P<word>[^\W_{_JA}]+)")
_KANA = re.compile(r"[\u3041-\u309f\u30fc]+")
_KANJI = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


_ITERATION = re.compile(r"[々〻ゝゞヽヾ]")
_LINKING_GA = re.compile(
    rf"(?<=[{_KANJI}])[ゖヶけがケガ](?=[{_KANJI}])|(?<=[\u3041-\u30ff])[ゖヶ](?=[{_KANJI}])"
)  # 緑ヶ丘, 緑ケ丘, 霞ガ関; つつじヶ丘 (after kana only the small ヶ, never a plain け/が)


def _write_out_iterations(text: str) -> str:
    """家々 → 家家, こゝろ → こころ, いすゞ → いすず (a mark repeats the character before)."""
    out: list[str] = []
    for ch in text:
        prev = out[-1] if out else ""
        if (ch in "々〻" and prev and re.match(f"[{_KANJI}]", prev)) or (
            ch in "ゝヽ" and prev and "\u3041" <= prev <= "\u30ff"
        ):
            ch = prev
        elif ch in "ゞヾ" and prev and "\u3041" <= prev <= "\u30ff":
            ch = unicodedata.normalize("NFC", prev + "\u3099")
        out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """NFKC, lower case, katakana → hiragana, variant kanji folded, iteration marks written
    out, a linking ヶ/ケ/ガ between kanji as が; control characters gone."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text))
    if _ITERATION.search(text):
        text = _write_out_iterations(text)
    text = _LINKING_GA.sub("が", text)
    return fold_variants(to_hiragana(text.lower()))


def is_japanese(ch: str) -> bool:
    return bool(re.fullmatch(f"[{_JA}]", ch))


def kana_only(text: str) -> bool:
    """True for normalised text that is all hiragana (katakana is folded already)."""
    return bool(_KANA.fullmatch(text))


def runs(normalized: str) -> Iterator[tuple[str, int, str]]:
    """(kind, start, text) for each Japanese ("ja") or letter/digit ("word") run."""
    for m in _RUN.finditer(normalized):
        kind = "ja" if m.group("ja") else "word"
        yield kind, m.start(), m.group()


def grams(normalized: str, *, index: bool = True) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, startchar, endchar) over normalised text; see the module docstring.

    At index time each Japanese run also gives its first and last characters alone, so a
    query whose own run is one character (the 年 of 天保5年) matches at the start of a longer
    run, and one ending a run matches at its end. The first character shares the position
    of the run's first bigram; the last has a position of its own.
    """
    pos = 0
    for kind, start, text in runs(normalized):
        if kind == "word" or len(text) == 1:
            yield text, pos, start, start + len(text)
            pos += 1
            continue
        if index:
            yield text[0], pos, start, start + 1
        for i in range(len(text) - 1):
            yield text[i : i + 2], pos, start + i, start + i + 2
            pos += 1
        if index:
            yield text[-1], pos, start + len(text) - 1, start + len(text)
            pos += 1


def reading_grams(normalized: str, *, bigrams: bool = True) -> Iterator[str]:
    """The terms of a reading field: each run's bigrams and trigrams (and its first and last
    character). A kana query of three or more characters is matched as all its trigrams,
    which overlap, so its characters must stand in order without reading any positions.
    Without ``bigrams`` (long text: a two-kana query there would match anything) a run
    gives its trigrams only, or itself when it is two characters long (いど, a word)."""
    for kind, _, text in runs(normalized):
        if kind == "word" or len(text) == 1 or (len(text) == 2 and not bigrams):
            yield text
            continue
        if bigrams:
            yield text[0]
            yield text[-1]
        for i in range(len(text) - 2 + (1 if bigrams else 0)):
            if bigrams:
                yield text[i : i + 2]
            if i + 3 <= len(text):
                yield text[i : i + 3]


def query_trigrams(normalized: str) -> list[str]:
    """What a kana word must match in a reading field: its trigrams, or itself when shorter."""
    if len(normalized) < 3:
        return [normalized] if normalized else []
    return list(dict.fromkeys(normalized[i : i + 3] for i in range(len(normalized) - 2)))


class _Terms(Tokenizer):
    """A Whoosh tokenizer that holds no state (it pickles into the schema cheaply): the
    terms of :meth:`terms` over the normalised value, with their positions and characters."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def terms(self, normalized: str, index: bool) -> Iterator[tuple[str, int, int, int]]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for term, pos, start, end in self.terms(normalize(value), mode != "query"):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class GramTokenizer(_Terms):
    """Whoosh tokenizer: :func:`normalize` then :func:`grams` (index mode)."""

    def terms(self, normalized: str, index: bool) -> Iterator[tuple[str, int, int, int]]:
        return grams(normalized, index=index)


class ReadingTokenizer(_Terms):
    """Whoosh tokenizer of the reading fields: :func:`normalize` then :func:`reading_grams`
    (no positions: order is in the trigrams)."""

    bigrams = True

    def terms(self, normalized: str, index: bool) -> Iterator[tuple[str, int, int, int]]:
        return ((t, 0, 0, 0) for t in reading_grams(normalized, bigrams=self.bigrams))


class TrigramTokenizer(ReadingTokenizer):
    """:class:`ReadingTokenizer` without bigrams, for long readings (a record's text)."""

    bigrams = False
