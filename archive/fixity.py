"""Fixity: the sha256 of every kept and published file, recorded at ingest and audited later.

What is recorded where:

- ``records/{id}.json`` holds each scan's sha256 and size (``files``) and, when masters are
  kept, the key of the kept copy (``master``).
- ``fixity/{id}.json`` (written by the ingest just before the record) holds the sha256 and
  size of every published file of the item: its documents (``manifest.json``) and every file
  of every page's tile tree (``info.json`` and tiles).

``verify`` re-hashes those files and reports, item by item, what is missing, changed or
unexpected. It uses only ``list``/``get``/``exists`` of the store (and a streaming ``open``
or a local ``path`` when the store has one), so an S3 store can be audited the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO

from archive import keys
from archive.errors import StoreError
from archive.i18n import pick
from archive.model import Page, Record, RecordFormatError
from archive.record import record_ids
from archive.store import json_names

FIXITY_VERSION = 1
NOT_ITEMS = ("collection", "lesson", "activity")  # iiif/ folders that are not items

# kinds of finding; the first five fail an audit
MISSING, CHANGED, UNEXPECTED, INVALID = "missing", "changed", "unexpected", "invalid"
DISAGREES = "disagrees"  # the withdrawal log and a record say different things
UNRECORDED, SUPERSEDED = "unrecorded", "superseded"
FAILING = (MISSING, CHANGED, UNEXPECTED, INVALID, DISAGREES)
# what a record says of an item the withdrawal log disagrees on (a finding's detail)
MARKED, UNMARKED, NO_RECORD = "record: withdrawn", "record: not withdrawn", "no record"

_LABELS = {
    MISSING: ("欠落", "missing"),
    CHANGED: ("変化", "changed"),
    UNEXPECTED: ("想定外", "unexpected"),
    INVALID: ("読めない", "invalid"),
    DISAGREES: ("取り下げの記録と食い違い", "withdrawal log disagrees"),
    UNRECORDED: ("ハッシュ未記録", "not recorded"),
    SUPERSEDED: ("旧版(保存)", "superseded, kept"),
}


@contextlib.contextmanager
def open_key(store: Any, key: str) -> Iterator[BinaryIO]:
    """A stored file opened for streaming: the store's own ``open`` when it has one (S3),
    the file itself for a ``LocalStore``, else its bytes in memory."""
    try:
        if hasattr(store, "open"):
            with store.open(key) as fh:
                yield fh
        elif hasattr(store, "path"):
            with open(store.path(key), "rb") as fh:
                yield fh
        else:
            yield io.BytesIO(store.get(key))
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise StoreError(f"ありません / no such key: {key}") from exc


def hash_key(store: Any, key: str) -> tuple[str, int]:
    """The sha256 and size of a stored file, streamed."""
    digest = hashlib.sha256()
    size = 0
    with open_key(store, key) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def entry(data: bytes) -> list:
    """The fixity entry of bytes about to be stored: ``[sha256, size]``."""
    return [hashlib.sha256(data).hexdigest(), len(data)]


def tree_hashes(store: Any, prefix: str) -> dict[str, list]:
    """``{path in the tree: [sha256, size]}`` for every file of a tile tree as stored."""
    out = {}
    for key in store.list(prefix):
        out[key[len(prefix) + 1 :]] = list(hash_key(store, key))
    return out


def fixity_document(item_id: str, documents: dict[str, list], trees: dict[str, dict]) -> dict:
    return seal(
        {
            "kura_fixity": FIXITY_VERSION,
            "id": item_id,
            "algorithm": "sha256",
            "documents": dict(sorted(documents.items())),
            "trees": {name: dict(sorted(files.items())) for name, files in sorted(trees.items())},
        }
    )


SEAL = "sha256"  # a JSON document's own checksum, over its other fields


def _digest_of(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def seal(data: dict) -> dict:
    """``data`` with its own sha256 (of its other fields, canonical JSON): the fixity files
    and the files the public documents are rendered from (compiled lessons and collections,
    the change log) carry one, so ``kura verify`` finds a changed byte in them too."""
    body = {k: v for k, v in data.items() if k != SEAL}
    return {**body, SEAL: _digest_of(body)}


def seal_holds(data: dict) -> bool | None:
    """True when the document's seal matches its content, False when not, None without one
    (written by a version before seals)."""
    if SEAL not in data:
        return None
    return data[SEAL] == _digest_of({k: v for k, v in data.items() if k != SEAL})


# --- audit ----------------------------------------------------------------------------


@dataclass
class Finding:
    item: str  # item id, or "" for files that belong to no item
    kind: str
    key: str
    detail: str = ""

    @property
    def failing(self) -> bool:
        return self.kind in FAILING

    def line(self, lang: str | None = None, project: str = "") -> str:
        """One line: the item, what was found, the file, and how to repair it (the command
        names ``project`` with ``-C`` unless it is the current folder)."""
        ja, en = _LABELS[self.kind]
        where = self.item or pick("(資料なし)", "(no item)", lang)
        detail = f" ({self.detail})" if self.detail else ""
        repair = self.repair(lang, project)
        how = f" — {pick('直し方', 'repair', lang)}: {repair}" if repair else ""
        return f"{where}: {pick(ja, en, lang)}: {self.key}{detail}{how}"

    def repair(self, lang: str | None = None, project: str = "") -> str:
        """What repairs this finding: a command, or where to restore the file from ("" when
        nothing needs repair)."""
        ja, en = _repair(self, _kura(project))
        return pick(ja, en, lang) if en else ""


def _kura(project: str) -> str:
    import shlex

    return f"kura -C {shlex.quote(project)}" if project and project != "." else "kura"


BACKUP = (
    "バックアップか BagIt の書き出し (kura export bag) から戻す",
    "restore it from a backup or a BagIt export (kura export bag)",
)


def _repair(f: Finding, kura: str) -> tuple[str, str]:
    """(ja, en) of how to repair ``f``, by the kind of file (see docs/reliability.md)."""
    if f.kind == SUPERSEDED or (
        f.kind == UNRECORDED and f.key.startswith(("iiif/", "state/activity"))
    ):
        return "", ""  # kept on purpose; written by an older version (nothing to repair)
    if f.kind == DISAGREES:  # a kura withdraw (--undo) cut short between record and log
        return _withdrawal_repair(f, kura)
    again = f"{kura} ingest --only {f.item}"  # built again from the sheet and the scans
    if not f.item:  # a folder or file of no recorded item
        if f.key.startswith(("lessons/", "state/collections/")):
            return f"{kura} index", f"{kura} index"
        if f.key == keys.address_history():  # where the site was: only the feed's moves
            return (
                "プロジェクトのバックアップから戻す (消すと、それまでの公開先からの移転 (Move) が変更フィードから消えます)",
                "restore it from a backup of the project (deleting it drops the feed's moves from earlier addresses)",
            )
        if f.key.startswith("state/activity"):  # the history of changes: nothing to rebuild from
            return (
                "プロジェクトのバックアップから戻す (変更の記録は他から作り直せません)",
                "restore it from a backup of the project (the history of changes cannot be rebuilt)",
            )
        return (
            f"台帳にある資料なら {kura} ingest (レコードが作り直されます)、なければストアの外へ移す",
            f"{kura} ingest if the sheet lists it (its record is written again); otherwise move it out of the store",
        )
    if f.key.startswith("masters/"):
        if f.kind == MISSING:
            return (
                f"{again} (scans/ のスキャンが変わっていなければそこから保存し直します)、または{BACKUP[0]}",
                f"{again} (copies it again from scans/ if the scan there is unchanged), or {BACKUP[1]}",
            )
        if f.kind == CHANGED:
            return (
                f"このファイルを消して {again} (scans/ のスキャンが変わっていなければそこから保存し直します)、または{BACKUP[0]}",
                f"delete it and run {again} (copies it again from scans/ if the scan there is unchanged), or {BACKUP[1]}",
            )
        return (  # an earlier version whose content no longer matches its folder, or a stranger
            "以前のスキャンならバックアップから戻す (フォルダー名がその sha256)、Kura が書いたものでなければストアの外へ移す",
            "restore it from a backup if it is an earlier scan (its folder names its sha256); otherwise move it out of the store",
        )
    if f.key.startswith("iiif/") and f.key.count("/") >= 3 and not f.key.endswith("/"):
        # a file in a page's tile tree
        if f.kind == INVALID:  # read without a fixity record: tiled again when it is gone
            tree = "/".join(f.key.split("/")[:3])
            return f"{tree}/ を消して {again}", f"delete {tree}/ and run {again}"
        return f"{kura} ingest --check --only {f.item}", f"{kura} ingest --check --only {f.item}"
    if (
        f.key.startswith("iiif/")
        and not f.key.endswith("/")
        and not f.key.endswith("/manifest.json")
    ):
        return (
            "ストアの外へ移す (Kura が書いたものではありません)",
            "move it out of the store (Kura did not write it)",
        )
    # the record, the fixity record, a tree no page uses, a manifest an older version stored
    return again, again


def _withdrawal_repair(f: Finding, kura: str) -> tuple[str, str]:
    withdraw, undo = f"{kura} withdraw {f.item}", f"{kura} withdraw --undo {f.item}"
    if f.detail == MARKED:  # the record was written, the log not: a withdrawal cut short
        return (
            f"{withdraw} (取り下げを終える)、または {undo} (公開に戻す)",
            f"{withdraw} to finish withdrawing it, or {undo} to restore it",
        )
    if f.detail == UNMARKED:  # a restoration cut short (or the record lost its mark)
        return (
            f"{undo} (公開に戻すのを終える)、または {withdraw} (取り下げたままにする)",
            f"{undo} to finish restoring it, or {withdraw} to keep it withdrawn",
        )
    return (
        f"records/{f.item}.json をバックアップから戻す (取り下げの記録にある資料です)",
        f"restore records/{f.item}.json from a backup (the withdrawal log lists the item)",
    )


@dataclass
class VerifyReport:
    items: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    sampled: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.failing for f in self.findings)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def line(self, lang: str | None = None) -> str:
        n = {kind: self.count(kind) for kind in _LABELS}
        mb = self.bytes / 1e6
        scope = pick("抽出 ", "sampled ", lang) if self.sampled else ""
        return pick(
            f"検証{'(抽出)' if self.sampled else ''}: 資料 {self.items} 件, ファイル {self.files} 個 "
            f"({mb:.1f} MB) — 欠落 {n[MISSING]}, 変化 {n[CHANGED]}, 想定外 {n[UNEXPECTED]}, "
            f"読めない {n[INVALID]}, ハッシュ未記録 {n[UNRECORDED]}"
            + (f", 取り下げの食い違い {n[DISAGREES]}" if n[DISAGREES] else "")
            + f" ({self.seconds:.1f} 秒)"
            + (" — 問題なし" if self.ok else " — 問題あり"),
            f"verify: {scope}{self.items} items, {self.files} files ({mb:.1f} MB) — "
            f"{n[MISSING]} missing, {n[CHANGED]} changed, {n[UNEXPECTED]} unexpected, "
            f"{n[INVALID]} invalid, {n[UNRECORDED]} not recorded"
            + (f", {n[DISAGREES]} withdrawal disagreements" if n[DISAGREES] else "")
            + f" ({self.seconds:.1f} s)"
            + (" — OK" if self.ok else " — FAILED"),
            lang,
        )

    def to_json(self, project: str = "") -> dict:
        return {
            "ok": self.ok,
            "items": self.items,
            "files": self.files,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "sampled": self.sampled,
            "counts": {kind: self.count(kind) for kind in _LABELS},
            "findings": [{**asdict(f), "repair": f.repair("en", project)} for f in self.findings],
        }


class _Audit:
    def __init__(self, store: Any, report: VerifyReport, on_item: Callable[[], None]) -> None:
        self.store = store
        self.report = report
        self.on_item = on_item
        self.marked: dict[str, bool] = {}  # audited item → withdrawn in its record

    def add(self, item: str, kind: str, key: str, detail: str = "") -> None:
        self.report.findings.append(Finding(item, kind, key, detail))

    def check(self, item: str, key: str, expected: list | tuple | None) -> None:
        """Re-hash ``key`` and compare with ``[sha256, size]``."""
        try:
            sha, size = hash_key(self.store, key)
        except StoreError:
            self.add(item, MISSING, key)
            return
        self.report.files += 1
        self.report.bytes += size
        if expected is not None and (sha, size) != (expected[0], expected[1]):
            self.add(item, CHANGED, key, f"sha256 {sha[:16]}…, {size} B")

    def json(self, item: str, key: str) -> dict | None:
        try:
            data = json.loads(self.store.get(key))
        except StoreError:
            self.add(item, MISSING, key)
            return None
        except ValueError:
            self.add(item, INVALID, key, "JSON")
            return None
        return data if isinstance(data, dict) else None

    # -- one item ------------------------------------------------------------------------

    def item(self, item_id: str) -> None:
        self.report.items += 1
        record = self.record(item_id)
        if record is None:
            self.on_item()
            return
        self.marked[item_id] = record.withdrawn is not None
        self.masters(item_id, record)
        self.published(item_id, record)
        self.on_item()

    def record(self, item_id: str) -> Record | None:
        """The item's record; None (and a finding) when it is missing or not a record."""
        key = keys.record(item_id)
        data = self.json(item_id, key)
        if data is None:
            return None
        try:
            return Record.from_json(data)
        except RecordFormatError as exc:
            self.add(item_id, INVALID, key, exc.where)
            return None

    def masters(self, item_id: str, record: Record) -> None:
        referenced = set()
        for f in record.files:
            if f.master:
                referenced.add(f.master)
                self.check(item_id, f.master, (f.sha256, f.size))
        for key in self.store.list(f"masters/{item_id}"):
            if key in referenced:
                continue
            # an earlier version of a scan, kept by content: its folder names its sha256
            sha, size = hash_key(self.store, key)
            self.report.files += 1
            self.report.bytes += size
            folder = key.split("/")[2] if key.count("/") == 3 else ""
            if folder and sha.startswith(folder):
                self.add(item_id, SUPERSEDED, key)
            else:
                self.add(item_id, UNEXPECTED, key)

    def published(self, item_id: str, record: Record) -> None:
        pages = record.pages
        trees = {p.image for p in pages}
        found: dict[str, list[str]] = {}
        for key in self.store.list(f"iiif/{item_id}"):
            rest = key[len(f"iiif/{item_id}/") :]
            if "/" in rest:
                found.setdefault(rest.split("/", 1)[0], []).append(key)
            else:  # documents are rendered, never stored (an older version's copy included)
                self.add(item_id, UNEXPECTED, key)
        for name in sorted(found.keys() - trees):
            self.add(item_id, UNEXPECTED, f"iiif/{item_id}/{name}/", f"{len(found[name])} files")

        key = keys.fixity(item_id)
        if not self.store.exists(key):  # ingested before fixity was recorded
            self.add(item_id, UNRECORDED, key)
            self.structure(item_id, pages)
            return
        fixity = self.json(item_id, key)
        if fixity is None:
            self.structure(item_id, pages)
            return
        self.sealed(item_id, key, fixity)
        documents = fixity.get("documents", {})
        if keys.record(item_id) not in documents:
            self.add(item_id, UNRECORDED, keys.record(item_id))
        for key, expected in documents.items():
            self.check(item_id, key, expected)
        recorded_trees = fixity.get("trees", {})
        for name in sorted(t for t in trees if t):
            prefix = f"iiif/{item_id}/{name}"
            files = recorded_trees.get(name)
            if files is None:
                self.add(item_id, UNRECORDED, f"{prefix}/")
                self.structure_tree(item_id, prefix)
                continue
            present = set(found.get(name, []))
            for path, expected in files.items():
                key = f"{prefix}/{path}"
                if key in present:
                    self.check(item_id, key, expected)
                else:
                    self.add(item_id, MISSING, key)
            for key in sorted(present - {f"{prefix}/{p}" for p in files}):
                self.add(item_id, UNEXPECTED, key)

    def sealed(self, item_id: str, key: str, data: dict) -> None:
        """A sealed document whose content no longer matches its seal has been changed."""
        holds = seal_holds(data)
        if holds is False:
            self.add(item_id, CHANGED, key, "sha256")
        elif holds is None:
            self.add(item_id, UNRECORDED, key, "sha256")

    def curation(self) -> None:
        """The files lessons, collections and the change feed are rendered from."""
        for prefix in ("lessons", "state/collections", "state/activity"):
            for name in json_names(self.store, prefix):
                key = f"{prefix}/{name}.json"
                if (data := self.json("", key)) is not None:
                    self.sealed("", key, data)
        for log in (keys.event_log(), keys.address_history()):
            if self.store.exists(log) and (data := self.json("", log)) is not None:
                self.sealed("", log, data)

    def withdrawals(self, every_record: bool) -> None:
        """The withdrawal log and the records agree: an item is withdrawn in both or in
        neither (a ``kura withdraw`` killed between the record and the log leaves them
        apart). With ``every_record``, each item the log lists has a record."""
        key = keys.withdrawal_log()
        if not self.store.exists(key) and not any(self.marked.values()):
            return
        data = self.json("", key) if self.store.exists(key) else {}
        listed = (data or {}).get("withdrawn")
        listed = set(listed) if isinstance(listed, dict) else set()
        for item_id, marked in sorted(self.marked.items()):
            if marked and item_id not in listed:
                self.add(item_id, DISAGREES, key, MARKED)
            elif item_id in listed and not marked:
                self.add(item_id, DISAGREES, key, UNMARKED)
        if every_record:
            for item_id in sorted(listed - self.marked.keys()):
                if not self.store.exists(keys.record(item_id)):
                    self.add(item_id, DISAGREES, key, NO_RECORD)

    def structure(self, item_id: str, pages: tuple[Page, ...]) -> None:
        """Without recorded hashes: every page's tree has a readable info.json."""
        for page in pages:
            self.structure_tree(item_id, keys.image(item_id, page.image))

    def structure_tree(self, item_id: str, prefix: str) -> None:
        self.json(item_id, f"{prefix}/info.json")


def _top_folders(keys: Iterable[str]) -> set[str]:
    return {key.split("/")[1] for key in keys if key.count("/") >= 2}


def verify(
    store: Any,
    *,
    sample: int | None = None,
    seed: int | None = None,
    on_item: Callable[[], None] = lambda: None,
) -> VerifyReport:
    """Audit the store against the recorded hashes. With ``sample``, audit that many items
    chosen at random (and skip the search for files that belong to no item)."""
    started = time.monotonic()
    report = VerifyReport()
    ids = record_ids(store)
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))
        report.sampled = True
    audit = _Audit(store, report, on_item)
    for item_id in ids:
        audit.item(item_id)
    audit.withdrawals(every_record=not report.sampled)
    if not report.sampled:
        audit.curation()
        known = set(ids)
        for folder in sorted(_top_folders(store.list("masters")) - known):
            audit.add("", UNEXPECTED, f"masters/{folder}/")
        for folder in sorted(_top_folders(store.list("iiif")) - known - set(NOT_ITEMS)):
            audit.add("", UNEXPECTED, f"iiif/{folder}/")
        for key in store.list("fixity"):
            if key[len("fixity/") : -len(".json")] not in known:
                audit.add("", UNEXPECTED, key)
    report.seconds = time.monotonic() - started
    return report
