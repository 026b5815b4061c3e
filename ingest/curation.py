"""Compile the project's lessons and curated collections into the store.

Run after every ingest and index (``kura ingest``, ``kura index``, ``kura demo``): each
``lessons/<id>.md`` is parsed and checked against the items' records (unknown item or page,
region outside the page), then written as the compiled lesson the viewer's player reads
(``lessons/<id>.json``); each ``collections/<id>.toml|md`` becomes its compiled form
(``state/collections/<id>.json``). Their IIIF documents (``iiif/lesson/<id>.json``,
``iiif/collection/<id>.json``) are rendered from these for whatever address serves them
(:mod:`manifests.documents`). A file with a problem is reported with its file and line and not
published (what it published before is left as it was, so a typo never takes a lesson away
from a class); the others are. Lessons and collections whose files were removed are
unpublished. Changes are logged for the change feed, and the published lessons and collections
are indexed for search (``index-curation/``, see :mod:`archive.search.curation`), so a search
finds them beside the items.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from archive import keys
from archive.addresses import note_viewer
from archive.config import Config
from archive.curated import check_collection, load_collections
from archive.curation_files import LessonProblem
from archive.errors import StoreError
from archive.events import record_changes
from archive.fixity import seal
from archive.i18n import pick
from archive.lessons import check_lesson, load_lessons
from archive.record import iter_records, to_json
from archive.store import Store, open_store

PUBLISHED = "lessons/_published.json"  # which lessons and collections this step wrote


@dataclass
class CurationReport:
    lessons: list[str] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    problems: list[LessonProblem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def line(self, lang: str | None = None) -> str:
        return pick(
            f"教材: 学習 {len(self.lessons)} 件、コレクション {len(self.collections)} 件を公開"
            f"、問題 {len(self.problems)} 件",
            f"curation: {len(self.lessons)} lessons and {len(self.collections)} collections "
            f"published, {len(self.problems)} problems",
            lang,
        )


def _put(store: Store, key: str, data: bytes, *, durable: bool = False) -> None:
    """Write ``key`` unless it already holds exactly ``data``: a re-run with nothing changed
    leaves the store untouched (mtimes too, which publishing and mirrors go by)."""
    try:
        if store.get(key) == data:
            return
    except StoreError:
        pass
    store.put(key, data, durable=durable)


def compile_curation(config: Config, *, dry_run: bool = False) -> CurationReport:
    """Check and publish every lesson and curated collection of the project."""
    store = open_store(config.store, config.root)
    if not dry_run:  # what a run killed while writing left behind
        store.sweep_temp("lessons")
        store.sweep_temp("state", depth=2)  # compiled collections, the event log
    records = {r.id: r for r in iter_records(store)}
    report = CurationReport()
    lessons, problems = load_lessons(Path(config.root))
    collections, more = load_collections(Path(config.root))
    report.problems.extend(problems + more)
    lesson_paths = {p.path for p in problems}
    for lesson in lessons:
        found = check_lesson(lesson, records)
        if found:
            report.problems.extend(found)
            continue
        report.lessons.append(lesson.id)
        if dry_run:
            continue
        _put(store, keys.lesson_data(lesson.id), to_json(seal(lesson.to_json())), durable=True)
    for collection in collections:
        found = check_collection(collection, records)
        if found:
            report.problems.extend(found)
            continue
        report.collections.append(collection.id)
        if not dry_run:
            data = to_json(seal(collection.to_json()))
            _put(store, keys.collection_data(collection.id), data, durable=True)
    if dry_run:
        return report
    # unpublish what was published before and whose file is gone (not what merely failed)
    try:
        before = json.loads(store.get(PUBLISHED))
    except (StoreError, ValueError):
        before = {}
    failed_ids = {Path(p).stem for p in lesson_paths} | {Path(p.path).stem for p in report.problems}
    for lid in before.get("lessons", []):
        if lid not in report.lessons and lid not in failed_ids:
            store.delete(keys.lesson_data(lid))
            report.removed.append(f"lesson:{lid}")
    for cid in before.get("collections", []):
        if cid not in report.collections and cid not in failed_ids and cid != "top":
            store.delete(keys.collection_data(cid))
            report.removed.append(f"collection:{cid}")
    kept_lessons = sorted(
        {*report.lessons, *(i for i in before.get("lessons", []) if i in failed_ids)}
    )
    kept_collections = sorted(
        {*report.collections, *(i for i in before.get("collections", []) if i in failed_ids)}
    )
    _put(store, PUBLISHED, to_json({"lessons": kept_lessons, "collections": kept_collections}))
    note_viewer(store, config)  # kura index: a new base_url is noted before the changes
    record_changes(store)
    _index(config, store, lessons, collections, records, kept_lessons, report)
    return report


def _index(config, store, lessons, collections, records, kept_lessons, report) -> None:
    """Index what is published: the lessons and collections of this run, and a lesson kept
    from before while its file has a problem (read back from the store)."""
    from archive.lessons import Lesson
    from archive.search.curation import index_curation
    from archive.search.indexer import index_dir

    published = [x for x in lessons if x.id in report.lessons]
    for lid in kept_lessons:
        if lid not in report.lessons:
            try:
                published.append(Lesson.from_json(json.loads(store.get(keys.lesson_data(lid)))))
            except (StoreError, ValueError, TypeError):
                continue
    chosen = [c for c in collections if c.id in report.collections]
    index_curation(index_dir(Path(config.root)), published, chosen, records)
