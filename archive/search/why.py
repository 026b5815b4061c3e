"""Why a hit matched, in a few words: ``年代: 1877 = 明治10年``, ``所有者等: 指田家``,
``類義語: のうぐ → 農具``, ``英和辞書: kimono → 着物``.

The engine tells which marked parts of the query a hit matched (see
:func:`archive.search.query.labelled`); this module turns them into short text, quoting
the column (kept in the index as ``texts``) where the query's words or readings occur.
"""

from __future__ import annotations

from archive.era import era_range, era_span
from archive.i18n import pick
from archive.model import YearRange
from archive.search.analysis import kana_only, normalize, to_hiragana
from archive.search.dates import era_label
from archive.search.dictionary import glosses
from archive.search.readings import fold_romaji, morphemes, reading, romaji

__all__ = ["explain"]

_MAX_REASONS = 2
_QUOTE = 24  # characters of a column quoted around a match
COLUMN_EN = {
    "名称": "title",
    "キーワード": "keywords",
    "場所名称": "place",
    "所有者等": "owner",
    "住所": "address",
    "概要": "summary",
    "説明": "description",
}


def _column(name: str, lang: str | None) -> str:
    return pick(name, COLUMN_EN.get(name, name), lang)


def _quote(text: str, at: int, length: int) -> str:
    start = max(0, at - 6)
    end = min(len(text), at + length + _QUOTE - 6)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _literal(texts: dict[str, str], needles: list[str], lang: str | None) -> str | None:
    """The first column holding one of the query's words, quoted."""
    for column, text in texts.items():
        folded = normalize(text)
        for needle in needles:
            at = folded.find(normalize(needle))
            if needle and at >= 0:
                if column == "名称":
                    return None  # the title is shown already, marked
                return f"{_column(column, lang)}: {_quote(text, at, len(needle))}"
    return None


def _spoken(texts: dict[str, str], needles: list[str], lang: str | None, body: bool) -> str | None:
    """The column whose reading (or romaji) holds a kana (or Latin) word of the query."""
    for column, text in texts.items():
        if body == (column in ("名称", "キーワード", "場所名称")):
            continue
        for m in morphemes(text):
            spoken = normalize(m.reading)
            for needle in needles:
                n = normalize(needle)
                hit = (
                    (kana_only(n) and len(n) >= 2 and n in spoken)
                    or (n.isascii() and len(n) >= 3 and fold_romaji(n) in romaji(spoken))
                ) and m.surface != spoken
                if hit:
                    return pick(
                        f"読み ({column}): {m.surface} = {to_hiragana(m.reading)}",
                        f"reading ({_column(column, lang)}): {m.surface} = {m.reading}",
                        lang,
                    )
    return None


def _date(label: str, start: int | None, end: int | None, date: str, lang: str | None) -> str:
    """``1877 = 明治10年`` for a year, ``明治10年 = 1877`` for an era year, the range of a
    period; and where the record's date did not overlap it, that its text names it."""
    typed = label.removesuffix("年") if label.rstrip("年").isdigit() else label
    span = era_span(label) if not typed.isdigit() else YearRange(int(typed), int(typed))
    if typed.isdigit():
        said = f"{typed} = {era_label(int(typed))}"
    elif span is not None and span.start != span.end:
        said = f"{label} = {span.start}–{span.end}"
    else:
        found = era_range(label)
        said = f"{label} = {found.start}" if found and found.start == found.end else label
        span = found
    own = start is not None and end is not None and span is not None
    if own and start <= span.end and span.start <= end:  # type: ignore[operator]
        return pick(f"年代 {date}: {said}", f"date {date}: {said}", lang)
    return pick(f"概要・説明に {said}", f"named in the text: {said}", lang)


def _gloss(word: str, texts: dict[str, str]) -> str | None:
    """The Japanese word of the title or keywords whose English gloss holds ``word``."""
    low = word.lower()
    for column in ("名称", "キーワード"):
        for m in morphemes(texts.get(column, "")):
            if any(low in g.lower().split() or low == g.lower() for g in glosses(m.normalized)):
                return m.surface
    return None


def explain(
    reasons: list[str],
    needles: list[str],
    display: dict,
    start: int | None,
    end: int | None,
    lang: str | None = None,
) -> list[str]:
    """Up to two short lines saying why a hit matched."""
    texts: dict[str, str] = display.get("texts") or {}
    out: list[str] = []
    for reason in dict.fromkeys(reasons):
        kind, _, detail = reason.partition(":")
        line: str | None = None
        if kind == "date":
            dates = [n for n in needles if era_span(n) or n.rstrip("年").isdigit()]
            label = dates[0] if dates else ""
            if label:
                line = _date(label, start, end, display.get("date", ""), lang)
        elif kind == "thesaurus":
            typed = " ".join(needles)
            line = pick(f"類義語: {typed} → {detail}", f"related word: {typed} → {detail}", lang)
        elif kind == "gloss":
            word = _gloss(detail, texts)
            if word:
                line = pick(f"英和辞書: {detail} → {word}", f"dictionary: {detail} → {word}", lang)
        elif kind in ("reading_body", "romaji_body"):
            line = _spoken(texts, needles, lang, body=True)
        elif kind in ("reading", "romaji"):
            # the title's reading as indexed (no dictionary work for every hit of a page)
            spoken = display.get("reading") or ""
            if spoken:
                line = pick(f"読み: {spoken}", f"reading: {romaji(spoken)}", lang)
            else:
                line = _spoken(texts, needles, lang, body=False)
        elif kind == "near":
            spoken = to_hiragana(reading(detail))
            line = pick(
                f"近い読み・つづり: {detail}" + (f" ({spoken})" if spoken != detail else ""),
                f"near spelling: {detail}",
                lang,
            )
        elif kind == "english":
            line = pick("英語の名称・概要", "English title or summary", lang)
        if line and line not in out:
            out.append(line)
        if len(out) >= _MAX_REASONS:
            return out
    if not out and (line := _literal(texts, needles, lang)):
        out.append(line)
    return out
