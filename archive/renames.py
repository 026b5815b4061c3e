"""An ID renamed only by case between runs (``abc`` last run, ``ABC`` now) is refused.

Kura writes an item's files under its ID (``records/abc.json``, ``iiif/abc/``, ``masters/abc/``)
and a city may copy the archive to Windows or macOS, whose file systems do not tell ``abc``
from ``ABC``: there the two items would be one file, each overwriting the other. So IDs are
compared ignoring case, within one sheet (a duplicate, :mod:`archive.sheet`) and against the
items already in the archive (here). Such a row fails with one error naming the stored item
and saying how to really rename it; nothing of either item is written, and the stored item is
not reported as missing from the sheet (its row is there, spelt differently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.model import Item, Problem
from archive.record import record_ids


@dataclass
class CaseRename:
    item: Item  # the sheet's row
    stored: str  # the ID of the item already in the archive
    problem: Problem


def case_renames(store: Any, items: list[Item], sheet: str) -> list[CaseRename]:
    """The rows whose ID differs only by case from an item already in the archive (withdrawn
    ones included: their files are still there)."""
    stored = record_ids(store)
    exact = set(stored)
    folded: dict[str, str] = {}
    for item_id in stored:
        folded.setdefault(item_id.casefold(), item_id)
    found = []
    for item in items:
        other = folded.get(item.id.casefold())
        if item.id not in exact and other is not None:
            found.append(CaseRename(item, other, _problem(sheet, item, other)))
    return found


def _problem(sheet: str, item: Item, stored: str) -> Problem:
    new = item.id
    return Problem(
        "error",
        sheet,
        f"ID「{new}」はアーカイブにある資料「{stored}」と大文字・小文字しか違いません（ID は大文字・"
        "小文字を区別しません。Windows や macOS では同じファイルになります）。同じ資料なら ID を"
        f"「{stored}」のままにし、ID を変えるなら大文字・小文字以外も違う ID にして、古い資料を "
        f'`kura withdraw {stored} --reason "…"` で取り下げてください',
        f"ID {new!r} differs only by case from the item {stored!r} already in the archive "
        "(IDs ignore case: on Windows and macOS both would be one file); to keep that item "
        f"write its ID as {stored!r}; to rename it, choose an ID that differs by more than "
        f'case and withdraw the old one (`kura withdraw {stored} --reason "…"`)',
        row=item.row,
        column="ID",
        item_id=new,
    )
