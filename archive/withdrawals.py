"""Withdrawing items from public view, explicitly, logged and reversibly (``kura withdraw``).

A rights holder objects, a photo shows a living person: the archivist runs ``kura withdraw
ID… --reason TEXT``. The item then leaves everything public (its pages answer 410 with a short
tombstone, it leaves the IIIF documents, the top collection, search, the sitemap, the open
data, and the bucket on the next ``kura publish --delete``; the change feed gets a ``Delete``)
while its record and masters stay in the store for preservation. ``kura withdraw --undo ID…``
restores it (the feed gets a ``Create``). Ingest never withdraws: it only reports the items
the sheet no longer lists, with the command to run (:func:`not_in_sheet`).

Two places hold a withdrawal, both written here and only here:

- the record's ``withdrawn`` block ``{at, reason, by}``: the mark that travels with the item
  (preservation, BagIt exports); :func:`archive.record.is_published` asks it;
- ``state/withdrawals.json``: ``withdrawn`` (the items withdrawn now, by id, with their title
  and English title (``title_en``, when the record has 名称_英語), for answers that must not
  read a record: every tile request) and ``history`` (every
  withdrawal and restoration: what, when, why, by whom). Never published.

A withdrawal writes the record (and its fixity entry) first, then the log; a run killed in
between is completed by running the same command again (each step is idempotent).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from archive import keys
from archive.errors import StoreError
from archive.fixity import entry, seal
from archive.i18n import pick
from archive.model import Record, Withdrawal
from archive.record import load_record, read_record, record_bytes, record_ids, to_json, write_record

LOG_KEY = keys.withdrawal_log()
REASON_MAX = 500  # characters of a reason shown on the tombstone page
LOG_VERSION = 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def current_user() -> str:
    """Who ran the command, as the operating system knows them ("" when it cannot say)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def read_log(store: Any) -> dict:
    """``{"withdrawn": {id: {...}}, "history": [...]}``; empty when there is none yet."""
    try:
        data = json.loads(store.get(LOG_KEY))
    except (StoreError, ValueError, OSError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    withdrawn = data.get("withdrawn")
    history = data.get("history")
    return {
        "kura_withdrawals": LOG_VERSION,
        "withdrawn": withdrawn if isinstance(withdrawn, dict) else {},
        "history": history if isinstance(history, list) else [],
    }


def withdrawn_items(store: Any) -> dict[str, dict]:
    """The items withdrawn now: ``{id: {title, at, reason, by}}``."""
    return read_log(store)["withdrawn"]


# --- withdrawing and restoring ----------------------------------------------------------


@dataclass
class Outcome:
    id: str
    status: str  # withdrawn | already | restored | not-withdrawn | unknown
    title: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "unknown"

    def line(self, lang: str | None = None) -> str:
        name = f"{self.id} ({self.title})" if self.title else self.id
        texts = {
            "withdrawn": ("取り下げました", "withdrawn"),
            "already": ("取り下げ済みです (変更なし)", "already withdrawn (unchanged)"),
            "restored": ("公開に戻しました", "restored"),
            "not-withdrawn": ("取り下げられていません (変更なし)", "not withdrawn (unchanged)"),
            "unknown": ("その ID の資料はありません", "no item with this ID"),
        }
        ja, en = texts[self.status]
        return pick(f"{ja}: {name}", f"{en}: {name}", lang)


@dataclass
class WithdrawalReport:
    undo: bool
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(o.failed for o in self.outcomes)

    @property
    def changed(self) -> list[str]:
        """The ids whose public state changed in this run."""
        return [o.id for o in self.outcomes if o.status in ("withdrawn", "restored")]


def _write_record(store: Any, record: Record) -> None:
    """Write the record with its fixity entry updated first (as ingest does), so ``kura
    verify`` finds the record it recorded."""
    data = record_bytes(record)
    item_id = record.id
    with contextlib.suppress(StoreError, ValueError, OSError):
        fixity = json.loads(store.get(keys.fixity(item_id)))
        if isinstance(fixity, dict) and isinstance(fixity.get("documents"), dict):
            fixity["documents"][keys.record(item_id)] = entry(data)
            store.put(keys.fixity(item_id), to_json(seal(fixity)), durable=True)
    write_record(store, record)


def withdraw(
    store: Any, ids: list[str], reason: str = "", by: str | None = None
) -> WithdrawalReport:
    """Withdraw the items ``ids`` (unknown ids are reported, the others go on)."""
    return _change(store, ids, undo=False, reason=reason.strip()[:REASON_MAX], by=by)


def restore(
    store: Any, ids: list[str], reason: str = "", by: str | None = None
) -> WithdrawalReport:
    """Put withdrawn items back into public view (``reason`` goes to the history only)."""
    return _change(store, ids, undo=True, reason=reason.strip()[:REASON_MAX], by=by)


def _change(
    store: Any, ids: list[str], *, undo: bool, reason: str, by: str | None
) -> WithdrawalReport:
    by = current_user() if by is None else by
    report = WithdrawalReport(undo=undo)
    log = read_log(store)
    for item_id in dict.fromkeys(ids):
        record = None
        if keys.valid_id(item_id):
            try:
                record = read_record(store, item_id)
            except StoreError:
                record = None
        if record is None:
            report.outcomes.append(Outcome(item_id, "unknown"))
            continue
        title = record.title
        block = record.withdrawn
        if undo:
            status = "restored" if block or item_id in log["withdrawn"] else "not-withdrawn"
            if block:
                _write_record(store, replace(record, withdrawn=None))
            log["withdrawn"].pop(item_id, None)
        else:
            status = "already" if block else "withdrawn"
            if block is None:
                block = Withdrawal(at=_now(), reason=reason, by=by)
                _write_record(store, replace(record, withdrawn=block))
            log["withdrawn"][item_id] = {"title": title, **english_title(record), **block.to_json()}
        report.outcomes.append(Outcome(item_id, status, title))
        if status in ("withdrawn", "restored"):
            action = {"action": "restore" if undo else "withdraw", "id": item_id, "title": title}
            log["history"].append({**action, "at": _now(), "reason": reason, "by": by})
    log["withdrawn"] = dict(sorted(log["withdrawn"].items()))
    store.put(LOG_KEY, to_json(log), durable=True)
    return report


def english_title(record: Record) -> dict[str, str]:
    """``{"title_en": …}`` when the record has an English title (名称_英語), else ``{}``."""
    english = record.get("名称_英語").strip()
    return {"title_en": english} if english else {}


def mark_withdrawn(store: Any, item_id: str, entry: dict) -> None:
    """Put the withdrawal the log holds (``entry``: its ``at``, ``reason``, ``by``) back into
    the item's record, written again without it: ingest repairing a record changed behind it
    (the change may have taken the mark away) must not bring the item back."""
    record = read_record(store, item_id)
    if record is not None and record.withdrawn is None:
        mark = Withdrawal(**{k: str(entry.get(k) or "") for k in ("at", "reason", "by")})
        _write_record(store, replace(record, withdrawn=mark))


# --- what the sheet no longer lists -----------------------------------------------------


def not_in_sheet(store: Any, sheet_ids: set[str]) -> list[tuple[str, str]]:
    """``(id, title)`` of every published item whose row the sheet no longer has. Ingest
    reports them (with :func:`withdraw_command`) and never withdraws them by itself. Only
    the records of ids the sheet lacks are read."""
    found = []
    for item_id in record_ids(store):
        if item_id not in sheet_ids:
            record = load_record(store, item_id)
            if record is not None and record.withdrawn is None:
                found.append((item_id, record.title))
    return found


def withdraw_command(ids: list[str], project: str = "") -> str:
    """The command that withdraws ``ids`` (ids are safe in a shell as they are)."""
    where = f" -C {_quote(project)}" if project and project != "." else ""
    return f'kura{where} withdraw {" ".join(ids)} --reason "…"'


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


# --- a fast answer for every request ----------------------------------------------------


class WithdrawnIds:
    """The ids withdrawn now, for answers that cannot read a record each time (tiles): the
    log is read again when it changed (a local store: its size and mtime; another store:
    every ``ttl`` seconds)."""

    def __init__(self, store: Any, ttl: float = 10.0) -> None:
        self.store = store
        self.ttl = ttl
        self._stamp: object = None
        self._items: dict[str, dict] = {}

    def _current(self) -> dict[str, dict]:
        if hasattr(self.store, "path"):
            try:
                st = os.stat(self.store.path(LOG_KEY))
                stamp: object = (st.st_size, st.st_mtime_ns)
            except OSError:
                stamp = None
            if stamp is None:
                self._stamp, self._items = None, {}
                return self._items
        else:
            stamp = int(time.monotonic() // self.ttl)
        if stamp != self._stamp:
            self._items = withdrawn_items(self.store)
            self._stamp = stamp
        return self._items

    def get(self, item_id: str) -> dict | None:
        """``{title, at, reason, by}`` of a withdrawn item; None otherwise."""
        return self._current().get(item_id)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._current()
