"""The official old → new kanji pairs (旧字体 → 新字体: 學→学, 國→国, 澤→沢) and the compatibility
forms used in names (髙→高, 﨑→崎), from the PyPI package ``joyokanji`` (the 常用漢字表's own
table, never typed in).

These are what a reader of the text would call the same character, so readings are taken
after this folding (:mod:`archive.search.readings`); the looser variant families used for
matching (:mod:`archive.search.variants`) are built on top of them.
"""

from __future__ import annotations

import functools
import json
from importlib import resources

__all__ = ["fold_official", "is_kanji", "official_pairs"]


def is_kanji(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3134F
    )


@functools.cache
def official_pairs() -> tuple[tuple[str, str], ...]:
    """(old, new) pairs of single kanji from joyokanji's tables."""
    base = resources.files("joyokanji") / "config"
    pairs: list[tuple[str, str]] = []
    for name in ("kanji.json", "variants.json"):
        data = json.loads((base / name).read_text(encoding="utf-8"))
        pairs += [
            (k, v)
            for k, v in data.items()
            if len(k) == 1 and len(v) == 1 and k != v and is_kanji(k) and is_kanji(v)
        ]
    return tuple(pairs)


@functools.cache
def _table() -> dict[int, str]:
    return {ord(old): new for old, new in official_pairs()}


def fold_official(text: str) -> str:
    """Only the official old → new pairs (學→学, 國→国, 澤→沢): the dictionary reads the
    result; the looser families of :func:`archive.search.variants.fold_variants` are for
    matching only (囃 would become 咋 and be misread)."""
    return text.translate(_table())
