"""Kana spelling: katakana as hiragana, and the loose forms readings are compared in
(old sheets' big kana, long vowels in any spelling)."""

from __future__ import annotations

__all__ = ["long_vowels_spelt", "loose_kana", "to_hiragana"]

_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def to_hiragana(text: str) -> str:
    """Katakana → hiragana (ー kept)."""
    return text.translate(_KATA_TO_HIRA)


_SMALL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
_VOWEL_ROWS = {
    "a": "あかさたなはまやらわがざだばぱ",
    "i": "いきしちにひみりぎじぢびぴ",
    "u": "うくすつぬふむゆるぐずづぶぷゔ",
    "e": "えけせてねへめれげぜでべぺ",
    "o": "おこそとのほもよろをごぞどぼぽ",
}
_VOWEL = {ch: v for v, row in _VOWEL_ROWS.items() for ch in row}
_LENGTHENS = {"a": "あー", "i": "いー", "u": "うー", "e": "いえー", "o": "うおー"}


_LONG_MARK = {"a": "あ", "i": "い", "u": "う", "e": "い", "o": "う"}


def long_vowels_spelt(hiragana: str) -> str:
    """ー written as the vowel it lengthens (じょーもん → じょうもん, せんせー → せんせい)."""
    out: list[str] = []
    vowel = ""
    for ch in hiragana:
        if ch == "ー" and vowel:
            ch = _LONG_MARK[vowel]
        out.append(ch)
        vowel = _VOWEL.get(ch.translate(_SMALL), vowel if ch in "ゃゅょ" else "")
        if ch in "ゃ":
            vowel = "a"
        elif ch in "ゅ":
            vowel = "u"
        elif ch in "ょ":
            vowel = "o"
    return "".join(out)


def loose_kana(hiragana: str) -> str:
    """A reading folded for spelling: small kana as big ones (きよう = きょう, つ = っ) and a
    lengthening vowel or ー dropped (きょう, きょお, きょー → きよ; せんせい = せんせー)."""
    out: list[str] = []
    vowel = ""
    for ch in hiragana.translate(_SMALL):
        if vowel and ch in _LENGTHENS[vowel]:
            continue
        out.append(ch)
        vowel = _VOWEL.get(ch, "")
    return "".join(out)
