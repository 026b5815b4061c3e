"""Furigana (ruby) for children: readings over every kanji not yet taught in a school grade.

Which kanji a child has learnt comes from the official 学年別漢字配当表 (the 2020 revision,
令和2年度施行; ``kanji-lists``' ``KYOIKU.REIWA2``): in grade 3, the 440 kanji of grades 1–3
stand without ruby and every other kanji gets one. Readings come from the same morphological
analyser and dictionary as search (SudachiPy with SudachiDict-core, see
:mod:`archive.search.readings`), word by word, so okurigana stay outside the ruby
(``<ruby>染<rt>そ</rt></ruby>める``) and readings that belong to a whole word stay whole
(今日 → きょう, 明日 → あす).

Inside a compound, the word's reading is split between its kanji with the dictionary's
readings of each kanji (with rendaku and small っ), so only the untaught ones get a ruby
(村山大島紬 → 村山大島<ruby>紬<rt>つむぎ</rt></ruby>). When the split is not certain, the
kanji that cannot be told apart share one ruby (武蔵村山市 → <ruby>武蔵<rt>むさし</rt></ruby>村山市).
Dictionary readings of local names and old tools are sometimes wrong (扱き → しごき), so a
lesson may give its own readings, which win over the dictionary's.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import threading
from collections.abc import Iterable, Mapping
from typing import NamedTuple

__all__ = [
    "DEFAULT_GRADE",
    "GRADES",
    "Segment",
    "every_grade",
    "furigana_html",
    "furigana_text",
    "kanji_grade",
    "segments",
]

DEFAULT_GRADE = 3
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3006\u30f6"  # + 々 〆 ヶ
_KANJI_RUN = re.compile(f"([{_KANJI}]+)")
_HAS_KANJI = re.compile(f"[{_KANJI}]")
_MAX_RUN = 12  # longer kanji runs are not split kanji by kanji (one ruby over the run)


class Segment(NamedTuple):
    """A piece of text; ``reading`` (hiragana) is set when the piece needs a ruby."""

    text: str
    reading: str | None = None


@functools.cache
def _grades() -> dict[str, int]:
    from kanji_lists import KYOIKU

    table = KYOIKU.REIWA2
    return {ch: g for g in range(6, 0, -1) for ch in getattr(table, f"GRADE{g}")}


def kanji_grade(ch: str) -> int | None:
    """The school grade (1–6) in which ``ch`` is taught, or None for a kanji taught later
    (or not a kanji)."""
    return _grades().get(ch)


def _taught(run: str, grade: int) -> list[bool]:
    """For each character of a kanji run: taught by the end of ``grade``? (々 and 〆 take
    the status of the kanji before them.)"""
    out: list[bool] = []
    for ch in run:
        if ch in "々〆ヶ" and out:
            out.append(out[-1])
        else:
            g = kanji_grade(ch)
            out.append(g is not None and g <= grade)
    return out


# --- the analyser ---------------------------------------------------------------------------

_local = threading.local()


def _dictionary():
    from archive.search.readings import sudachi_dictionary

    return sudachi_dictionary()


def _tokenizer():
    # SudachiPy tokenizers are not safe to share between threads (the viewer serves with
    # several): one per thread, over the dictionary loaded once for the process.
    if not hasattr(_local, "tokenizer"):
        from sudachipy import SplitMode

        _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return _local.tokenizer


_KATA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _hira(text: str) -> str:
    return text.translate(_KATA)


_VOICED = dict(
    zip(
        "かきくけこさしすせそたちつてとはひふへほ",
        "がぎぐげござじずぜぞだぢづでどばびぶべぼ",
        strict=True,
    )
)
_SEMI = dict(zip("はひふへほ", "ぱぴぷぺぽ", strict=True))


@functools.cache
def _kanji_readings(ch: str) -> tuple[str, ...]:
    """Readings of one kanji from the dictionary's entries for it, with the forms it takes
    inside words: rendaku (しま → じま), small っ (だつ → だっ), a last kana dropped
    (こき → こ, for okurigana the dictionary folds in)."""
    with _lock:
        base = [_hira(m.reading_form()) for m in _dictionary().lookup(ch)]
    out: list[str] = []
    for r in base:
        if not r or not all("\u3041" <= c <= "\u309f" or c == "ー" for c in r):
            continue
        forms = [r]
        if r[0] in _VOICED:
            forms.append(_VOICED[r[0]] + r[1:])
        if r[0] in _SEMI:
            forms.append(_SEMI[r[0]] + r[1:])
        if len(r) >= 2 and r[-1] in "つちくき":
            forms.append(r[:-1] + "っ")
        if len(r) >= 2:
            forms.append(r[:-1])
        out.extend(f for f in forms if f not in out)
    return tuple(out)


_lock = threading.Lock()


def _split_run(run: str, reading: str) -> list[tuple[str, str]] | None:
    """Split a kanji run's reading between its kanji: a list of (kanji, reading) groups.

    Every kanji is matched with one of its readings, except at most one group of two or more
    kanji (or the whole run) read as a whole (熟字訓, names: 武蔵, 今日). Splits where every
    kanji matches win over those with such a group. None when nothing fits.
    """
    n = len(run)
    if n == 1:
        return [(run, reading)]
    if n > _MAX_RUN:
        return None
    cands = []
    for i, ch in enumerate(run):
        if ch == "々" and i:
            cands.append(
                tuple({*_kanji_readings(run[i - 1]), *map(_rendaku, _kanji_readings(run[i - 1]))})
            )
        else:
            cands.append(_kanji_readings(ch))

    @functools.cache
    def walk(i: int, pos: int, free_used: bool) -> tuple[tuple[int, str], ...] | None:
        # groups as (number of kanji, reading)
        if i == n:
            return () if pos == len(reading) else None
        for r in cands[i]:
            if reading.startswith(r, pos):
                rest = walk(i + 1, pos + len(r), free_used)
                if rest is not None:
                    return ((1, r), *rest)
        if free_used:
            return None
        for size in range(2, n - i + 1):
            for end in range(pos + 1, len(reading) + 1):
                rest = walk(i + size, end, True)
                if rest is not None:
                    return ((size, reading[pos:end]), *rest)
        return None

    groups = walk(0, 0, False)
    if groups is None:
        return [(run, reading)]
    out, i = [], 0
    for size, r in groups:
        out.append((run[i : i + size], r))
        i += size
    return out


def _rendaku(r: str) -> str:
    return _VOICED.get(r[0], r[0]) + r[1:] if r else r


def _align(surface: str, reading: str) -> list[tuple[str, str | None]] | None:
    """Pair each kanji run of a word with its part of the reading, using the kana between
    the runs (okurigana) as anchors: (食べ, たべ) → [(食, た), (べ, None)]."""
    parts = [p for p in _KANJI_RUN.split(surface) if p]
    pattern = "".join("(.+?)" if _HAS_KANJI.match(p) else f"({re.escape(_hira(p))})" for p in parts)
    match = re.fullmatch(pattern, _hira(reading))
    if not match:
        return None
    return [
        (p, r if _HAS_KANJI.match(p) else None) for p, r in zip(parts, match.groups(), strict=True)
    ]


def _word_segments(surface: str, reading: str, grade: int) -> Iterable[Segment]:
    pairs = _align(surface, reading)
    if pairs is None:
        if all(_taught(ch, grade)[0] for ch in _HAS_KANJI.findall(surface)):
            yield Segment(surface)
        else:
            yield Segment(surface, _hira(reading))
        return
    for part, r in pairs:
        if r is None:
            yield Segment(part)
            continue
        taught = _taught(part, grade)
        if all(taught):
            yield Segment(part)
            continue
        i = 0
        groups = _split_run(part, r) or [(part, r)]
        if len(groups) == 1:
            groups = _split_pair(part, r, taught) or groups
        for chunk, chunk_reading in groups:
            known = all(taught[i : i + len(chunk)])
            yield Segment(chunk, None if known else chunk_reading)
            i += len(chunk)


_SMALL = set("ぁぃぅぇぉゃゅょゎっんー")


def _split_pair(pair: str, reading: str, taught: list[bool]) -> list[tuple[str, str]] | None:
    """A two-kanji word whose untaught kanji's reading the dictionary lacks (模 in 模様 is
    も; its entry for 模 gives only かたぎ): when the taught kanji is read, at its end of the
    word, with one of its own dictionary readings, the rest of the reading is the other's,
    so only the untaught kanji gets the ruby."""
    if len(pair) != 2 or taught[0] == taught[1]:
        return None
    known = 0 if taught[0] else 1
    with _lock:
        own = {_hira(m.reading_form()) for m in _dictionary().lookup(pair[known])}
    for r in sorted(own, key=len, reverse=True):
        if not r or len(r) >= len(reading):
            continue
        if known == 1 and reading.endswith(r) and reading[0] not in _SMALL:
            return [(pair[0], reading[: -len(r)]), (pair[1], r)]
        if known == 0 and reading.startswith(r) and reading[len(r)] not in _SMALL:
            return [(pair[0], r), (pair[1], reading[len(r) :])]
    return None


def _merge(parts: Iterable[Segment]) -> list[Segment]:
    """Join neighbours: plain text with plain text, ruby with ruby (脱 + 穀 → 脱穀)."""
    out: list[Segment] = []
    for seg in parts:
        if not seg.text:
            continue
        if out and (out[-1].reading is None) == (seg.reading is None):
            last = out[-1]
            reading = None if seg.reading is None else f"{last.reading}{seg.reading}"
            out[-1] = Segment(last.text + seg.text, reading)
        else:
            out.append(seg)
    return out


def _analysed(text: str, grade: int) -> Iterable[Segment]:
    with _lock:
        tokens = [(m.surface(), m.reading_form()) for m in _tokenizer().tokenize(text)]
    for surface, reading in tokens:
        if not _HAS_KANJI.search(surface) or not reading:
            yield Segment(surface)
        else:
            yield from _word_segments(surface, reading, grade)


def _override_pattern(readings: Mapping[str, str]) -> re.Pattern | None:
    words = sorted((w for w in readings if w and _HAS_KANJI.search(w)), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


@functools.lru_cache(maxsize=4096)
def _segments_cached(
    text: str, grade: int, readings: tuple[tuple[str, str], ...]
) -> tuple[Segment, ...]:
    table = dict(readings)
    pattern = _override_pattern(table)
    parts: list[Segment] = []
    pos = 0
    for match in pattern.finditer(text) if pattern else ():
        if match.start() > pos:
            parts.extend(_analysed(text[pos : match.start()], grade))
        parts.extend(_word_segments(match[0], table[match[0]], grade))
        pos = match.end()
    if pos < len(text):
        parts.extend(_analysed(text[pos:], grade))
    return tuple(_merge(parts))


def segments(
    text: str, grade: int = DEFAULT_GRADE, readings: Mapping[str, str] | None = None
) -> list[Segment]:
    """``text`` cut into plain pieces and pieces with the reading a child of ``grade`` needs.

    ``readings`` maps words to their hiragana reading and wins over the dictionary.
    """
    if not _HAS_KANJI.search(text):
        return [Segment(text)] if text else []
    key = tuple(sorted((readings or {}).items()))
    out: list[Segment] = []
    at = 0
    for m in _INLINE_READING.finditer(text):  # 実（もみ）: the writer's own reading, as ruby
        if m.start() > at:
            out += _segments_cached(text[at : m.start()], grade, key)
        out.append(Segment(m[1], _hiragana(m[2])))
        at = m.end()
    if at < len(text):
        out += _segments_cached(text[at:], grade, key)
    return out


# a kanji word followed by its reading in brackets, as writers for children often give it
_INLINE_READING = re.compile(f"([{_KANJI}]+)[（(]([ぁ-ゖァ-ヺー]+)[）)]")


def _hiragana(kana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in kana)


def _ruby(seg: Segment) -> str:
    # quotes too: the result is markup that a template may put anywhere, attributes included
    text = html.escape(seg.text)
    if seg.reading is None:
        return text
    reading = html.escape(seg.reading)
    return f"<ruby>{text}<rp>(</rp><rt>{reading}</rt><rp>)</rp></ruby>"


def furigana_text(
    text: str, grade: int | None = DEFAULT_GRADE, readings: Mapping[str, str] | None = None
) -> str:
    """Plain text as HTML (escaped) with ``<ruby>`` on the kanji not yet taught in ``grade``
    (``None``: for every grade at once, see ``every_grade``)."""
    if grade is None:
        return every_grade(text, readings)
    return "".join(_ruby(s) for s in segments(text, grade, readings))


GRADES = range(1, 7)


def every_grade(text: str, readings: Mapping[str, str] | None = None) -> str:
    """``text`` as HTML that shows, for each grade, exactly what ``furigana_text`` gives for
    it, when the page says which grade (a static site, where the reader picks the grade in
    the browser): what reads the same in every grade is written once; each stretch that
    differs is written once per distinct rendering, as ``<span class="fg" data-fg="1 2">``
    naming the grades it is for (the stylesheet shows the one for ``<html data-grade>``).

    The text is cut only where no grade has a ruby across the cut, so every ruby stays
    whole and the stretches of one grade, joined, are that grade's rendering.
    """
    by_grade = {g: segments(text, g, readings) for g in GRADES}
    inside: set[int] = set()  # positions strictly inside some grade's ruby
    cuts = {0, len(text)}
    for segs in by_grade.values():
        at = 0
        for seg in segs:
            end = at + len(seg.text)
            if seg.reading is not None:
                inside.update(range(at + 1, end))
            cuts.update((at, end))
            at = end
    points = sorted(cuts - inside)
    out: list[str] = []
    differing: dict[int, list[str]] = {}

    def flush() -> None:
        if not differing:
            return
        shown: dict[str, list[int]] = {}
        for g, parts in differing.items():
            shown.setdefault("".join(parts), []).append(g)
        for markup, grades in shown.items():
            out.append(f'<span class="fg" data-fg="{" ".join(map(str, grades))}">{markup}</span>')
        differing.clear()

    for start, end in itertools.pairwise(points):
        pieces = {g: _clipped(segs, start, end) for g, segs in by_grade.items()}
        if len(set(pieces.values())) == 1:
            flush()
            out.append(pieces[GRADES[0]])
        else:
            for g, piece in pieces.items():
                differing.setdefault(g, []).append(piece)
    flush()
    return "".join(out)


def _clipped(segs: list[Segment], start: int, end: int) -> str:
    """The markup of ``segs`` between two text positions (no ruby crosses either)."""
    out, at = [], 0
    for seg in segs:
        seg_end = at + len(seg.text)
        if seg_end > start and at < end:
            if seg.reading is None:
                out.append(html.escape(seg.text[max(start - at, 0) : end - at]))
            else:
                out.append(_ruby(seg))
        at = seg_end
        if at >= end:
            break
    return "".join(out)


_TAG = re.compile(r"(<[^>]*>)")
_SKIP = {"ruby", "rt", "rp", "code", "pre", "script", "style", "textarea", "kbd", "samp"}


def furigana_html(
    markup: str, grade: int | None = DEFAULT_GRADE, readings: Mapping[str, str] | None = None
) -> str:
    """Well-formed (sanitised) HTML with ``<ruby>`` added in its text, never inside tags,
    existing ruby, code or attributes."""
    out: list[str] = []
    skipping: list[str] = []
    for piece in _TAG.split(markup):
        if not piece:
            continue
        if piece.startswith("<"):
            name = re.match(r"</?\s*([A-Za-z0-9]+)", piece)
            tag = name[1].lower() if name else ""
            if tag in _SKIP and not piece.endswith("/>"):
                if piece.startswith("</"):
                    if tag in skipping:
                        del skipping[len(skipping) - 1 - skipping[::-1].index(tag)]
                else:
                    skipping.append(tag)
            out.append(piece)
        elif skipping or not _HAS_KANJI.search(piece):
            out.append(piece)
        else:
            out.append(furigana_text(html.unescape(piece), grade, readings))
    return "".join(out)
