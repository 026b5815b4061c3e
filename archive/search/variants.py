"""Old and variant kanji folding (學→学, 國→国, 澤→沢, 齋→斎, 嶋→島, 邊/邉→辺, 髙→高, 﨑→崎 …).

Search folds every kanji to one representative of its variant class, at index and at query
time alike, so that a query in either form finds a document in the other. Only the classes
matter for matching; the representative is the modern form where one is known.

The table is built once per process from data shipped in two PyPI packages, never typed in:

- ``joyokanji`` (Apache-2.0): the 常用漢字表's own 旧字体→新字体 pairs (學→学, 澤→沢, 龍→竜 …)
  and compatibility forms used in names (髙→高, 﨑→崎 …). These pairs are taken as they are.
- ``ja-itaiji`` (MIT): 16,000 itaiji families. They group loosely (學 sits with 教, 澤 with
  途, 崎 with 埼), so a family member is only folded into the *last* JIS X 0208 level-1
  character of its family (the common form; the package lists the standard form after the
  loose relatives), and two level-1 characters are only joined when each is the other's
  last level-1 relative and SudachiDict (``sudachidict-core``) normalises one to the other
  (嶋→島, 峯→峰). JIS levels come from Python's cp932 codec.

Building the table takes about 0.1 s, paid by every process that indexes or searches (each
``kura ingest`` updates the index). ``make deps`` therefore saves it once
(``python -m archive.search.variants``, into ``data/variants.json``, not in git) with a key
of what it was built from (the three packages' data files, Sudachi, Python and this code);
a process uses the saved table only when the key still matches, and builds it otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
from importlib import resources
from pathlib import Path

from archive.search.oldforms import is_kanji as _is_kanji
from archive.search.oldforms import official_pairs as _joyo_pairs
from archive.search.readings import morphemes

__all__ = ["fold_variants", "variant_table"]

SAVED = Path(__file__).with_name("data") / "variants.json"
_SAVED_FORMAT = 1
# (package, data files in it) the table is built from; found without importing the package
_DATA = (
    ("ja_itaiji", ("data/term/ja-itaiji.json",)),
    ("joyokanji", ("config/kanji.json", "config/variants.json")),
    ("sudachidict_core", ("resources/system.dic",)),
    ("sudachipy", ("__init__.py", "sudachipy.abi3.so")),
)
_CODE = ("variants.py", "oldforms.py", "readings.py", "kana.py")  # ours, hashed by content


@functools.cache  # the table asks ~55,000 times about ~17,000 characters
def _jis_tier(ch: str) -> int:
    """0 = JIS X 0208 level 1 (common kanji), 1 = level 2, 2 = vendor extension, 3 = none."""
    try:
        raw = ch.encode("cp932")
    except UnicodeEncodeError:
        return 3
    if len(raw) != 2:
        return 3
    code = int.from_bytes(raw, "big")
    if 0x889F <= code <= 0x9872:
        return 0
    if 0x989F <= code <= 0xEAA4:
        return 1
    return 2


def _itaiji_pairs() -> list[tuple[str, str]]:
    """(variant, common form) pairs: a rare form → its family's last level-1 member, and
    two level-1 characters that are each other's last level-1 relative."""
    data = json.loads(
        (resources.files("ja_itaiji") / "data" / "term" / "ja-itaiji.json").read_text(
            encoding="utf-8"
        )
    )

    def last_common(ch: str) -> str | None:
        common = [y for y in data.get(ch, ()) if y != ch and _jis_tier(y) == 0]
        return common[-1] if common else None

    pairs: list[tuple[str, str]] = []
    for ch in data:
        if len(ch) != 1 or not _is_kanji(ch):
            continue
        target = last_common(ch)
        if target is not None and (_jis_tier(ch) > 0 or last_common(target) == ch):
            pairs.append((ch, target))
    return pairs


def _dictionary_forms(ch: str) -> set[str]:
    """What SudachiDict normalises the one-character word ``ch`` to, both ways round."""
    return {m.normalized for m in morphemes(ch, fold=False) if len(m.normalized) == 1}


def source_key() -> str:
    """A digest of what the table is built from: each package data file's path, size and
    modification time, the code's bytes, and Python's version (the cp932 codec)."""
    digest = hashlib.sha256(f"{_SAVED_FORMAT} {sys.version}".encode())
    for package, names in _DATA:
        spec = importlib.util.find_spec(package)
        folders = (spec.submodule_search_locations or []) if spec else []
        for name in names:
            path = os.path.join(folders[0], name) if folders else f"{package}/{name}"
            try:
                st = os.stat(path)
                digest.update(f"{path} {st.st_size} {st.st_mtime_ns}\n".encode())
            except OSError:
                digest.update(f"{path} missing\n".encode())
    here = Path(__file__).parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def _saved_table() -> dict[int, str] | None:
    """The table saved by ``make deps``, when it was built from what is installed now."""
    try:
        saved = json.loads(SAVED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != source_key():
        return None
    table = saved.get("table")
    if not isinstance(table, dict):
        return None
    return {ord(k): v for k, v in table.items() if len(k) == 1 and isinstance(v, str)}


def save_table(path: Path | None = None) -> int:
    """Build the table and save it with its key in ``path`` (``SAVED``: what ``make deps``
    runs); returns its size."""
    path = path or SAVED
    table = build_table()
    data = {"key": source_key(), "table": {chr(k): v for k, v in sorted(table.items())}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return len(table)


@functools.cache
def variant_table() -> dict[int, str]:
    """``str.translate`` table: every variant kanji → its class's representative (the one
    ``make deps`` saved, when it is current; else built now: see :func:`build_table`)."""
    saved = _saved_table()
    return saved if saved is not None else build_table()


def build_table() -> dict[int, str]:
    """``str.translate`` table: every variant kanji → its class's representative.

    Classes are grown with guards against the loose families: the official pairs first;
    then a rare form joins a common one only while its class holds no common character
    yet (so 舍, already with 舎, never meets 捨), and two common characters join only when
    the Sudachi dictionary normalises one to the other (嶋→島, 峯→峰, 舘→館; never 機 机).
    """
    members: dict[str, set[str]] = {}

    def group(ch: str) -> set[str]:
        return members.setdefault(ch, {ch})

    def join(a: str, b: str) -> None:
        ga, gb = group(a), group(b)
        if ga is not gb:
            ga |= gb
            for ch in gb:
                members[ch] = ga

    official = _joyo_pairs()
    modern = {new for _, new in official}
    for old, new in official:
        join(old, new)

    def common(g: set[str]) -> int:
        return sum(1 for ch in g if _jis_tier(ch) == 0)

    for rare, target in _itaiji_pairs():
        ga, gb = group(rare), group(target)
        if ga is gb:
            continue
        if _jis_tier(rare) > 0:
            if common(ga) == 0:
                join(rare, target)
        elif common(ga) == 1 and common(gb) == 1 and target in _dictionary_forms(rare):
            join(rare, target)

    def rank(ch: str) -> tuple[int, int, int]:
        return (0 if ch in modern else 1, _jis_tier(ch), ord(ch))

    table: dict[int, str] = {}
    done: set[int] = set()
    for g in members.values():
        if id(g) in done:
            continue
        done.add(id(g))
        root = min(g, key=rank)
        table.update({ord(ch): root for ch in g if ch != root})
    return table


def fold_variants(text: str) -> str:
    """Fold old and variant kanji to their class's representative: 學國澤 → 学国沢."""
    return text.translate(variant_table())


if __name__ == "__main__":  # python -m archive.search.variants (make deps)
    print(f"{SAVED}: {save_table()} variant kanji")
