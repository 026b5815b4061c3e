"""What ingest finds damaged in an item it would otherwise leave alone, and so builds again.

An item whose sheet row and scans did not change is not touched by ``kura ingest``; its stored
files could still have been changed behind Kura's back (a disk, a sync tool, a hand). Ingest
compares them with the item's fixity record (``fixity/{id}.json``, written by ingest itself):

- every tile tree, by listing: a file missing, one of another size or one not recorded (cheap:
  no file is read, on a store that lists sizes); with ``--check`` also by sha256 (a same-size
  changed byte, which a listing cannot see);
- the record, by sha256 (one small file): a changed record is written again from the sheet
  and the scans (its fingerprint no longer vouches for it);
- the fixity record itself, by its seal: when it was changed (or cannot be read) nothing it
  says can be trusted, so every page is tiled again and the record written again;
- every kept master, by its size against the record (on a store that lists sizes): a missing
  or cut-short copy is copied again from the scan, which must still have the recorded sha256
  (a same-size change is for ``kura verify`` to find; see ``Finding.repair``).

Everything damaged is rebuilt from the scans and the sheet, never copied from what is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from archive import keys
from archive.errors import StoreError
from archive.fixity import entry, hash_key, seal_holds
from archive.keys import TEMP_MARK
from archive.model import Problem, Record
from archive.withdrawals import withdrawn_items


@dataclass
class Damage:
    """What of one item must be built again."""

    item_id: str
    trees: list[str] = field(default_factory=list)  # page trees to tile again
    record: bool = False  # the record differs from the one ingest wrote
    fixity: bool = False  # the fixity record was changed or cannot be read
    masters: list[str] = field(default_factory=list)  # kept copies missing or cut short
    withdrawn: dict | None = None  # the log's withdrawal of an item whose record is rebuilt

    def __bool__(self) -> bool:
        return bool(self.trees or self.record or self.fixity or self.masters)

    def problem(self, sheet: str) -> Problem:
        """One warning line saying what was found and what is done about it."""
        name = self.item_id
        ja: list[str] = []
        en: list[str] = []
        if self.fixity:
            ja.append(
                f"固定性記録 ({keys.fixity(name)}) が変わっている(または読めない)ため、全ページのタイルとレコードを作り直します"
            )
            en.append(
                f"its fixity record ({keys.fixity(name)}) was changed or cannot be read; tiling every page and writing the record again"
            )
        else:
            if self.record:
                ja.append(
                    f"レコード ({keys.record(name)}) が取り込み時から変わっているため、台帳とスキャンから作り直します"
                )
                en.append(
                    f"the record ({keys.record(name)}) differs from what ingest wrote; writing it again from the sheet and scans"
                )
            if self.trees:
                ja.append(f"タイルの欠落・変化を見つけたので作り直します ({len(self.trees)} 画像)")
                en.append(f"tiles missing or changed; tiling again ({len(self.trees)} images)")
        if self.masters:
            ja.append(
                f"保存したマスターの欠落・切れを見つけたのでスキャンから保存し直します ({len(self.masters)} ファイル)"
            )
            en.append(
                f"kept masters missing or cut short; copying them again from the scans ({len(self.masters)} files)"
            )
        return Problem(
            "warning", sheet, f"{name}: " + "。".join(ja), f"{name}: " + "; ".join(en), item_id=name
        )


def find_damage(store: Any, record: Record, check: bool = False) -> Damage:
    """Compare an item's stored files with its fixity record (see the module's docstring).
    ``check`` hashes every tile too. An item ingested before fixity records has nothing to
    be compared with (its record is written at the end of the run)."""
    item_id = record.id
    damage = Damage(item_id)
    if hasattr(store, "stats"):  # a stat each (no request to a bucket on every run)
        damage.masters = [
            f.master for f in record.files if f.master and store.size(f.master) != f.size
        ]
    try:
        fixity = json.loads(store.get(keys.fixity(item_id)))
    except StoreError:
        return damage  # none yet: recorded by this run
    except ValueError:
        fixity = None
    if not isinstance(fixity, dict) or seal_holds(fixity) is False:
        damage.fixity = damage.record = True
        damage.trees = [p.image for p in record.pages]
        damage.withdrawn = withdrawn_items(store).get(item_id)
        return damage
    expected = (fixity.get("documents") or {}).get(keys.record(item_id))
    if expected is not None:  # fixity records of older versions held the manifest
        try:
            damage.record = entry(store.get(keys.record(item_id))) != list(expected)
        except StoreError:
            damage.record = True
    trees = fixity.get("trees") or {}
    for page in record.pages:
        recorded = trees.get(page.image)
        if isinstance(recorded, dict) and not _tree_sound(
            store, keys.image(item_id, page.image), recorded, check
        ):
            damage.trees.append(page.image)
    if damage.record:  # rebuilt from the sheet: a withdrawal the log holds is kept
        damage.withdrawn = withdrawn_items(store).get(item_id)
    return damage


def _tree_sound(store: Any, prefix: str, recorded: dict, check: bool) -> bool:
    """Whether a tree holds exactly the recorded files: by listing names and sizes where the
    store gives sizes, and with ``check`` by the sha256 of every file."""
    if hasattr(store, "stats"):
        found = {
            key[len(prefix) + 1 :]: size
            for key, size, _mtime in store.stats(prefix)
            if TEMP_MARK not in key
        }
        if found != {path: file[1] for path, file in recorded.items()}:
            return False
    elif check:
        found_paths = {key[len(prefix) + 1 :] for key in store.list(prefix)}
        if found_paths != set(recorded):
            return False
    if not check:
        return True
    try:
        return all(
            list(hash_key(store, f"{prefix}/{path}")) == list(file[:2])
            for path, file in recorded.items()
        )
    except StoreError:
        return False
