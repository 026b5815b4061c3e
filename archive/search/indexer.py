"""Build the search index from ``records/`` and keep it up to date after an ingest.

The index is a derived artefact in the project's ``index/`` folder: ``rebuild`` writes a
new one beside the old and swaps it in, so a reader never sees a half-built index and a
crash leaves the old one usable; ``update`` re-indexes (or drops) the given item ids.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from archive.errors import KuraError
from archive.i18n import pick
from archive.model import Record
from archive.record import is_published, load_record, record_ids
from archive.search.readings import learn_reading, learned_readings
from archive.search.schema import SCHEMA_VERSION, build_schema, document

INDEX_DIR = "index"
INDEX_NAME = "kura"
MARKER = "kura-search.json"
VOCABULARY = "vocabulary.json"
"""The titles' words and readings (the ``words`` field) with the romaji of the kana ones:
what typos are corrected toward and "did you mean" offers, without walking the lexicon."""
LEARNED = "learned-readings.json"
"""Readings the archive's own 名称_カナ taught (see :func:`learn_readings`), kept with the
index so that an update reads new records the way the rebuild read the others."""

__all__ = [
    "INDEX_DIR",
    "IndexStats",
    "index_dir",
    "load_vocabulary",
    "open_index",
    "rebuild",
    "refresh_stale",
    "update",
]


class IndexError_(KuraError):
    """The index is missing, stale or unreadable."""


@dataclass
class IndexStats:
    records: int
    skipped: int
    seconds: float
    path: Path

    def line(self, lang: str | None = None) -> str:
        return pick(
            f"検索インデックス: {self.records} 件 ({self.skipped} 件読めず, {self.seconds:.1f} 秒) → {self.path}",
            f"search index: {self.records} records ({self.skipped} unreadable, {self.seconds:.1f} s) → {self.path}",
            lang,
        )


def index_dir(root: Path) -> Path:
    """The index folder of the project at ``root`` (or ``root`` itself if it is one)."""
    root = Path(root)
    if (root / MARKER).is_file():
        return root
    return root / INDEX_DIR


def _store(root: Path) -> Any:
    """The store of the project at ``root`` (for callers that did not pass theirs: reads
    kura.toml)."""
    from archive.config import load_config
    from archive.store import open_store

    config = load_config(root)
    return open_store(config.store, config.root)


def project_records(store: Any, ids: list[str] | None = None) -> Iterator[Record | None]:
    """Every published item record in ``store`` (None for one that cannot be read; a
    withdrawn item is left out)."""
    for item_id in record_ids(store) if ids is None else ids:
        record = load_record(store, item_id)
        if record is None or is_published(record):
            yield record


KEPT_RECORDS = 5000
"""Records a rebuild keeps in memory between learning readings and indexing (5.5 KB each for
the relevance set's records: under 30 MB); an archive with more reads the rest again."""


class _TwoPasses:
    """The records of a rebuild for its two passes (learning readings, then indexing), each
    record read once for an archive of up to ``KEPT_RECORDS``."""

    def __init__(self, store: Any, ids: list[str]) -> None:
        self.store, self.ids, self.keep = store, ids, KEPT_RECORDS
        self.kept: list[Record | None] = []
        self.read = 0  # ids whose records are in ``kept``

    def first(self) -> Iterator[Record | None]:
        for n, item_id in enumerate(self.ids):
            record = load_record(self.store, item_id)
            published = record is None or is_published(record)  # None: unreadable, counted
            if n < self.keep:
                self.read = n + 1
                if published:
                    self.kept.append(record)
            if published:
                yield record

    def second(self) -> Iterator[Record | None]:
        kept, self.kept = self.kept, []
        yield from kept
        yield from project_records(self.store, self.ids[self.read :])


PARALLEL_FROM = 5000
"""Records from which a rebuild writes with two processes (Whoosh's ``procs=2``): at 100,000
records it nearly halves the time; below a few thousand starting the processes costs more."""


def writer_procs(records: int, cpus: int | None = None) -> int:
    """Writer processes for a rebuild of ``records`` records on ``cpus`` cores."""
    cpus = (os.cpu_count() or 1) if cpus is None else cpus
    return 2 if records >= PARALLEL_FROM and cpus >= 2 else 1


def learn_readings(records: Iterable[Record | None]) -> dict[str, str]:
    """Names the dictionary misreads, learned from the titles' 名称_カナ: 大國魂神社本殿 read
    オオクニタマジンジャホンデン teaches 大国魂 = おおくにたま, which then reads the shrine's
    name in every other record's place, summary or description."""
    learned: dict[str, str] = {}
    for record in records:
        if record is None:
            continue
        title, kana = record.get("名称"), record.get("名称_カナ")
        if title and kana:
            for surface, spoken in learn_reading(title, kana).items():
                learned.setdefault(surface, spoken)
    return learned


def _read_table(file: Path) -> dict[str, str]:
    """A JSON object of strings kept beside the index ({} when missing or unreadable: both
    tables are helps, rebuilt by the next ``kura index``)."""
    try:
        found = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _saved_learned(path: Path) -> dict[str, str]:
    return _read_table(path / LEARNED)


def write_index(
    target: Path,
    records: Iterable[Record | None],
    *,
    procs: int = 1,
    progress: Callable[[int], None] | None = None,
    learned: dict[str, str] | None = None,
) -> tuple[int, int]:
    """Create a fresh index in ``target`` from ``records`` (read with the ``learned``
    readings); returns (indexed, skipped)."""
    target.mkdir(parents=True, exist_ok=True)
    (target / LEARNED).write_text(json.dumps(learned or {}, ensure_ascii=False), encoding="utf-8")
    with learned_readings(learned or {}):
        return _write(target, records, procs, progress)


def load_vocabulary(path: Path) -> dict[str, str]:
    """The index's title words → their romaji ('' for words not in kana)."""
    return _read_table(path / VOCABULARY)


def save_vocabulary(path: Path, words: Iterable[str], known: dict[str, str] | None = None) -> None:
    from archive.search.analysis import kana_only
    from archive.search.readings import romaji

    table = dict(known or {})
    for word in words:
        if word not in table:
            table[word] = romaji(word) if kana_only(word) else ""
    (path / VOCABULARY).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")


def _write(
    target: Path,
    records: Iterable[Record | None],
    procs: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    vocabulary: set[str] = set()
    ix = whoosh_index.create_in(str(target), build_schema(), indexname=INDEX_NAME)
    kwargs = {"limitmb": 256}
    if procs > 1:
        kwargs.update(procs=procs, multisegment=True)
    writer = ix.writer(**kwargs)
    done = skipped = 0
    try:
        for record in records:
            if record is None:
                skipped += 1
                continue
            doc = document(record)
            vocabulary.update(doc.get("words", "").split())
            writer.add_document(**doc)
            done += 1
            if progress:
                progress(done)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    save_vocabulary(target, vocabulary)
    (target / MARKER).write_text(
        json.dumps({"version": SCHEMA_VERSION, "records": done}), encoding="utf-8"
    )
    return done, skipped


def rebuild(root: Path, *, procs: int | None = None, store: Any = None) -> IndexStats:
    """Rebuild the project's index from ``records/`` (swapped in when complete); ``procs``
    writer processes, by default two for a large archive on two cores or more. ``store``:
    the project's store, when the caller has it open."""
    started = time.monotonic()
    final = index_dir(root)
    recover(final)
    temp = final.with_name(f".{final.name}.new-{os.getpid()}")
    store = _store(root) if store is None else store
    ids = record_ids(store)
    procs = writer_procs(len(ids)) if procs is None else procs
    try:
        records = _TwoPasses(store, ids)
        learned = learn_readings(records.first())
        done, skipped = write_index(temp, records.second(), procs=procs, learned=learned)
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        temp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return IndexStats(done, skipped, time.monotonic() - started, final)


def is_current(path: Path) -> bool:
    """True when ``path`` holds an index of this schema version."""
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("version") == SCHEMA_VERSION
        and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)
    )


def _left_over(final: Path, kind: str) -> list[Path]:
    """The staging (``new``) or swapped-out (``old``) folders of rebuilds beside ``final``."""
    if not final.parent.is_dir():
        return []
    start = f".{final.name}.{kind}-"
    return sorted(p for p in final.parent.iterdir() if p.name.startswith(start) and p.is_dir())


def readable(path: Path, current: Callable[[Path], bool] | None = None) -> Path:
    """``path``, or while a rebuild killed between its two renames has left no index there,
    the previous index it swapped out (put back by the next rebuild)."""
    if not path.exists():
        for old in _left_over(path, "old"):
            if (current or is_current)(old):
                return old
    return path


def recover(final: Path, current: Callable[[Path], bool] | None = None) -> None:
    """Before a rebuild of the index at ``final``: put back the index a rebuild killed
    mid-swap took away, and remove what killed rebuilds left beside it."""
    old = readable(final, current)
    if old != final:
        old.rename(final)
    for left in _left_over(final, "new") + _left_over(final, "old"):
        shutil.rmtree(left, ignore_errors=True)


def open_index(path: Path):
    """Open the index at ``path``; a clear error if it is missing or of an older version."""
    path = readable(path)
    if not is_current(path):
        raise IndexError_(
            pick(
                f"{path}: 検索インデックスがないか古い形式です。`kura index` で作り直してください",
                f"{path}: no search index, or an old one; rebuild it with `kura index`",
            )
        )
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def refresh_stale(root: Path, *, store: Any = None) -> IndexStats | None:
    """Rebuild the project's index if it is of an older format (after an upgrade of Kura);
    None when it is current or there is none."""
    path = readable(index_dir(root))
    if not path.exists() or is_current(path):
        return None
    return rebuild(root, store=store)


def update(root: Path, ids: Iterable[str], *, store: Any = None) -> IndexStats:
    """Re-index the records of ``ids`` (dropping those whose record is gone or withdrawn),
    each read once. ``store``: the project's store, when the caller has it open.

    Without a current index this is a full :func:`rebuild`.
    """
    started = time.monotonic()
    path = index_dir(root)
    ids = sorted(set(ids))
    store = _store(root) if store is None else store
    if not is_current(path):
        return rebuild(root, store=store)
    records = {item_id: load_record(store, item_id) for item_id in ids}
    published = (r for r in records.values() if is_published(r))
    learned = {**learn_readings(published), **_saved_learned(path)}
    ix = open_index(path)
    writer = ix.writer()
    done = skipped = 0
    vocabulary: set[str] = set()
    try:
        with learned_readings(learned):
            for item_id, record in records.items():
                if record is None:
                    writer.delete_by_term("id", item_id)
                    skipped += 1
                elif not is_published(record):
                    writer.delete_by_term("id", item_id)
                else:
                    doc = document(record)
                    vocabulary.update(doc.get("words", "").split())
                    writer.update_document(**doc)
                    done += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    save_vocabulary(path, vocabulary, load_vocabulary(path))
    (path / LEARNED).write_text(json.dumps(learned, ensure_ascii=False), encoding="utf-8")
    return IndexStats(done, skipped, time.monotonic() - started, path)
