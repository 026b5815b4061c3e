"""The batch ingest: sheet → checks → masters + sha256 → level-0 tiles → records, manifests.

Re-runs redo only what changed. Whether a scan changed is decided by size and mtime first
and by sha256 when those differ; a page's tile tree is named by a digest of its source
(file hash, frame, tiling settings), so an unchanged page is never tiled twice, a moved page
reuses its tree, and tile URLs never change meaning (they can be cached forever).

Crash safety: trees appear atomically (``Store.tree``), the record is written after every tree
of the item is in place, and trees no longer referenced are deleted only after that. A run
killed at any point leaves the previous record intact; a plain re-run finishes the work.

Ingest writes records and tiles only: the IIIF documents (manifests, collections,
``info.json`` with its id, the change feed) are rendered from them for the address that serves
them (:mod:`manifests.documents`), so a new address never needs a re-ingest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from archive import __version__, keys
from archive.addresses import note_viewer
from archive.config import Config, Limits
from archive.errors import ImageError, KuraError, StoreError
from archive.events import record_changes
from archive.fixity import entry, fixity_document, seal_holds, tree_hashes
from archive.model import DateText, IngestStamp, Item, Page, Problem, Record, ScanFile
from archive.record import load_record, record_bytes, to_json, write_record
from archive.renames import case_renames
from archive.store import open_store
from archive.withdrawals import mark_withdrawn, not_in_sheet
from ingest.repair import find_damage
from ingest.runlog import RunLog, now_iso, relative
from ingest.summary import IngestSummary, ItemOutcome

TILER_VERSION = 2  # bump when the tiler's output changes, to re-tile all (2: full/{w},)
RECORD_VERSION = 2  # 2: records and fingerprints hold no address
# what ingest wrote before IIIF documents were rendered at output; removed when found
LEGACY_STATE = ("state/top-collection.pending",)


# --- plan -------------------------------------------------------------------------------


@dataclass
class FileState:
    """One scan file of an item, with what the last ingest recorded about it."""

    path: str  # relative to the project root, e.g. "scans/a.tif"
    size: int
    mtime_ns: int
    sha256: str = ""  # known when size and mtime match the last record


@dataclass
class ImageJob:
    """Everything a worker process needs to (re)build one item's pages."""

    item_id: str
    root: str
    store: str
    files: list[FileState]
    settings: dict
    max_pixels: int
    keep_masters: bool
    max_pages: int = Limits().tiff_pages  # pages per multi-page TIFF
    tile_workers: int = 1


def image_settings(config: Config) -> dict:
    """What the tile trees depend on besides the source pixels."""
    return {
        "tiler": TILER_VERSION,
        "tile_size": config.tile_size,
        "jpeg_quality": config.jpeg_quality,
        "sizes_max": config.sizes_max,
    }


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def page_tree_name(file_sha: str, frame: int, settings: dict) -> str:
    """The folder name of a page's image service: a digest of what its pixels come from."""
    return _digest([file_sha, frame, settings])[:16]


def _file_states(item: Item, root: Path, old: Record | None) -> list[FileState]:
    known = {f.path: f for f in old.files} if old else {}
    states = []
    for path in item.images:
        st = path.stat()
        rel = relative(path, root)
        state = FileState(rel, st.st_size, st.st_mtime_ns)
        prev = known.get(rel)
        if prev and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            state.sha256 = prev.sha256
        states.append(state)
    return states


def metadata_of(item: Item) -> Record:
    """The record's metadata part (what the manifest is built from besides pages). The sheet
    row is not in it: inserting, deleting or moving rows changes no other item's record."""
    return Record(
        id=item.id,
        title=item.title,
        fields=dict(item.fields),
        extra=dict(item.extra),
        rights=item.rights,
        viewing_direction=item.viewing_direction,
        date=DateText(item.get("年代"), item.date) if item.get("年代") else None,
        keywords=tuple(item.split("キーワード")),
        designations=tuple(item.split("文化財分類")),
    )


def fingerprint_of(
    meta: Record, files: tuple[ScanFile, ...], pages: tuple[Page, ...], context: dict
) -> str:
    """What a record's ``fingerprint`` is: a digest of its metadata, files and pages as JSON
    and the manifest settings (a record that would be written the same is not written)."""
    return _digest([meta.metadata_json(), _json(files), _json(pages), context])


def _json(parts: tuple[ScanFile, ...] | tuple[Page, ...]) -> list[dict]:
    return [part.to_json() for part in parts]


def _with_row_fingerprint(
    old: Record, meta: Record, files: tuple, pages: tuple, context: dict
) -> str | None:
    """The fingerprint ``old`` would have if it was written when records held their sheet row
    (before this version) and nothing else changed: such a record is left as it is, so an
    upgrade rewrites no record and announces no change."""
    if old.row is None:
        return None
    with_row = {**meta.metadata_json(), "row": old.row}
    return _digest([with_row, _json(files), _json(pages), context])


def manifest_context(config: Config) -> dict:
    """Settings that change every manifest when they change (never the address)."""
    return {
        "title": config.title,
        "required_statement": config.required_statement,
        "provider": config.provider,
        "record": RECORD_VERSION,
    }


# --- worker -----------------------------------------------------------------------------


def build_pages(job: ImageJob) -> dict:
    """Hash the item's scans, tile every page whose tree is not already in the store, and keep
    masters. Runs in a worker process; returns the record's ``files`` and ``pages`` (tuples of
    ScanFile and Page), the number of pages tiled and the tiled trees' fixity."""
    from ingest.images import probe, sha256_file
    from ingest.pixels import load_for_tiling, source_jpeg
    from ingest.pyramid import write_pyramid

    root = Path(job.root)
    store = open_store(job.store, root)
    files, pages, tiled = [], [], 0
    trees: dict[str, dict] = {}  # fixity of the trees written here, read back as stored
    to_keep: list[tuple[str, Path, str, int]] = []  # masters, kept once every page is tiled
    for state in job.files:
        source = root / state.path
        sha = state.sha256 or sha256_file(source)
        infos = probe(source, job.max_pixels, job.max_pages)
        master = None
        if job.keep_masters:
            master = keys.master(job.item_id, sha, Path(state.path).name)
            to_keep.append((master, source, sha, state.size))
        files.append(ScanFile(state.path, sha, state.size, state.mtime_ns, len(infos), master))
        for info in infos:
            n = len(pages) + 1
            name = page_tree_name(sha, info.frame, job.settings)
            key = keys.image(job.item_id, name)
            if not store.exists(keys.info(job.item_id, name)):
                # the master's own JPEG for full/max where it can be: read before the
                # pixels are decoded, and handed over like them, with no reference kept
                jpeg = [source_jpeg(source, info.frame)]
                with store.tree(key) as tree:
                    result = write_pyramid(
                        # no reference kept
                        load_for_tiling(source, info.frame, job.max_pixels, job.max_pages),
                        tree,
                        key,  # the tree's own info.json; the served one is rendered
                        tile=job.settings["tile_size"],
                        sizes_max=job.settings["sizes_max"],
                        quality=job.settings["jpeg_quality"],
                        workers=job.tile_workers,
                        source_jpeg=jpeg.pop(),
                    )
                tiled += 1
                trees[name] = result.files  # hashed as the tiler wrote them
                sizes = tuple((w, h) for w, h in result.sizes)
                width, height = result.width, result.height
            else:
                info_json = json.loads(store.get(keys.info(job.item_id, name)))
                width, height = info_json["width"], info_json["height"]
                sizes = tuple((s["width"], s["height"]) for s in info_json.get("sizes", []))
            pages.append(Page(n, name, state.path, info.frame, width, height, sizes))
    for master, source, sha, size in to_keep:  # a failed item leaves no unrecorded master
        kept = store.size(master) == size
        if not kept and store.put_file(master, source) != sha:
            store.delete(master)
            raise ImageError(
                f"{source}: 取り込み中にファイルが変わりました。もう一度実行してください"
                " / the file changed during ingest; run again"
            )
    return {"files": tuple(files), "pages": tuple(pages), "tiled": tiled, "trees": trees}


def die_with_main(main_pid: int) -> None:
    """In a worker process: end at once when the ingest's main process ends, however it
    ends, so killing only the main process leaves no worker running (a worker's parent is
    the forkserver, which outlives the main process while its workers run). A thread waits
    on a pidfd of the main process (Linux 5.3+); elsewhere workers end after their task."""
    import select
    import threading

    try:
        pidfd = os.pidfd_open(main_pid)
    except ProcessLookupError:
        os._exit(1)  # it ended before this worker started
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([pidfd], [], [])
        os._exit(1)  # the main process is gone: no result can be delivered

    threading.Thread(target=watch, name="kura-main-watch", daemon=True).start()


def _run_job(job: ImageJob) -> tuple[str, dict | None, str]:
    """Worker entry point: never raises; returns (item id, result, one-line error)."""
    try:
        return job.item_id, build_pages(job), ""
    except KuraError as exc:  # name files as the archivist knows them: relative to the project
        return job.item_id, None, str(exc).replace(f"{job.root}{os.sep}", "")
    except MemoryError:
        return job.item_id, None, "メモリ不足です / out of memory"
    except Exception as exc:  # one bad file must not stop the batch
        return job.item_id, None, f"{type(exc).__name__}: {exc}"


# --- the batch --------------------------------------------------------------------------


class _NoBar:
    """The progress bar when none is shown."""

    def update(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class IngestOptions:
    jobs: int = 0  # 0 = one per CPU
    only: list[str] = field(default_factory=list)
    dry_run: bool = False
    progress: bool | None = None  # None = only on a terminal
    check: bool = False  # also hash every tile of unchanged items (``kura ingest --check``)


class Ingest:
    """One run of ``kura ingest`` over a project."""

    def __init__(self, config: Config, options: IngestOptions, say: Callable[[str], None] = print):
        self.config = config
        self.options = options
        self.say = say
        self.store = open_store(config.store, config.root)
        self.settings = image_settings(config)

    def run(self) -> IngestSummary:
        from archive.sheet import read_sheet

        started = time.monotonic()
        started_at = now_iso()
        if hasattr(self.store, "check"):  # S3: a missing bucket or bad secret, in one line
            self.store.check()
        sheet = read_sheet(self.config.sheet_path(), self.config)
        summary = IngestSummary(sheet=sheet.file, problems=list(sheet.problems))
        summary.dry_run = self.options.dry_run
        summary.started_at = started_at
        log = RunLog.open(self.config.root, started_at, summary, self.options)
        failed_rows = {p.item_id for p in sheet.problems if p.level == "error" and p.item_id}
        items = self._selected(sheet.items, summary)
        renames = case_renames(self.store, items, summary.sheet)  # abc → ABC: refused
        for rename in renames:
            summary.problems.append(rename.problem)
            failed = ItemOutcome(rename.item.id, "failed", error="sheet", row=rename.item.row)
            summary.outcomes.append(failed)
        items = [i for i in items if i.id not in {r.item.id for r in renames}]
        failed_rows |= {r.stored for r in renames}  # its row is there, spelt differently
        if not self.options.only and not any(
            p.level == "error" and p.row is None for p in sheet.problems
        ):  # items whose rows are gone: reported with the command, never withdrawn here
            summary.missing = not_in_sheet(self.store, {i.id for i in sheet.items} | failed_rows)
            for item_id, title in summary.missing:
                log.write(event="not_in_sheet", id=item_id, title=title)
        if not self.options.dry_run:  # leftovers of a killed run, where they can be
            self.store.sweep_temp("iiif", depth=2)  # iiif/{id}/{tree}
            self.store.sweep_temp("records", depth=1)
            self.store.sweep_temp("fixity", depth=1)
            self.store.sweep_temp("state", depth=2)  # state/{file}, state/activity/{page}
            self.store.sweep_temp("masters", depth=3)  # masters/{id}/{sha}/{file}
            self._drop_legacy_documents()
            note_viewer(self.store, self.config)  # a new base_url: the feed's moves come first

        jobs: list[ImageJob] = []
        planned: dict[str, tuple[Item, Record | None]] = {}
        rewithdraw: dict[str, dict] = {}  # records rebuilt whose withdrawal the log holds
        for item in items:
            old = load_record(self.store, item.id)
            if old and old.withdrawn:  # kura withdraw took it out: the row does not bring it back
                summary.outcomes.append(ItemOutcome(item.id, "withdrawn"))
                continue
            damage = find_damage(self.store, old, self.options.check) if old else None
            if damage:  # changed behind Kura: built again from the sheet and the scans
                summary.problems.append(damage.problem(summary.sheet))
                if damage.record:  # its fingerprint and scan hashes no longer vouch for it
                    old = replace(old, fingerprint="", files=())
                if damage.withdrawn:
                    rewithdraw[item.id] = damage.withdrawn
                if not self.options.dry_run:
                    for name in damage.trees:  # tiled again from the scan, as a new tree is
                        self.store.delete_tree(keys.image(item.id, name))
            try:
                states = _file_states(item, self.config.root, old)
            except OSError as exc:
                summary.outcomes.append(ItemOutcome(item.id, "failed", error=f"{exc}"))
                continue
            planned[item.id] = (item, old)
            if damage or not self._images_current(old, states):
                jobs.append(self._job(item, states))
        for number, item_id in sheet.failed:  # each failed row once, a duplicate ID's too
            if not self.options.only or item_id in self.options.only:
                failed = ItemOutcome(item_id or "", "failed", error="sheet", row=number)
                summary.outcomes.append(failed)
        if not self.options.only:
            summary.rows, summary.skipped = sheet.rows, len(sheet.skipped)

        if self.options.dry_run:
            image_ids = {j.item_id for j in jobs}
            for item_id, (_item, old) in planned.items():
                status = "new" if old is None else "images" if item_id in image_ids else "planned"
                summary.outcomes.append(ItemOutcome(item_id, status))
            summary.seconds = time.monotonic() - started
            summary.finished_at = now_iso()
            return summary

        results = self._run_jobs(jobs)
        for item_id, (item, old) in planned.items():
            t0 = time.monotonic()
            outcome = self._finish_item(item, old, results.get(item_id))
            if item_id in rewithdraw and outcome.status != "failed":  # not back in view
                mark_withdrawn(self.store, item_id, rewithdraw[item_id])
            outcome.seconds += time.monotonic() - t0
            summary.outcomes.append(outcome)
            log.item(outcome)
        record_changes(self.store)  # the change feed's events, also of a run killed before
        summary.outcomes.sort(key=lambda o: o.id)
        summary.seconds = time.monotonic() - started
        summary.finished_at = now_iso()
        log.end(summary)
        return summary

    # -- steps ---------------------------------------------------------------------------

    def _selected(self, items: list[Item], summary: IngestSummary) -> list[Item]:
        if not self.options.only:
            return items
        wanted = set(self.options.only)
        known = {i.id for i in items}
        for missing in sorted(wanted - known):
            summary.problems.append(
                Problem(
                    "error",
                    summary.sheet,
                    f"--only の ID「{missing}」は台帳にありません(または行にエラーがあります)",
                    f"--only ID {missing!r} is not in the sheet (or its row has errors)",
                    item_id=missing,
                )
            )
        return [i for i in items if i.id in wanted]

    def _images_current(self, old: Record | None, states: list[FileState]) -> bool:
        """True when the last record's pages still stand: same files, same size and mtime,
        same tiling settings, and every tree still in the store."""
        if not old or old.image_settings != self.settings:
            return False
        recorded = [(f.path, f.size, f.mtime_ns) for f in old.files]
        if recorded != [(s.path, s.size, s.mtime_ns) for s in states]:
            return False
        return all(self.store.exists(keys.info(old.id, p.image)) for p in old.pages)

    def _job(self, item: Item, states: list[FileState]) -> ImageJob:
        return ImageJob(
            item_id=item.id,
            root=str(self.config.root),
            store=self.config.store,
            files=states,
            settings=self.settings,
            max_pixels=self.config.max_pixels,
            keep_masters=self.config.keep_masters,
            max_pages=self.config.limits.tiff_pages,
        )

    def _jobs_count(self, n: int) -> int:
        jobs = self.options.jobs or os.cpu_count() or 1
        return max(1, min(jobs, n))

    def _run_jobs(self, jobs: list[ImageJob]) -> dict[str, tuple[dict | None, str, float]]:
        """Run image jobs (in worker processes when there are several) with a progress bar."""
        results: dict[str, tuple[dict | None, str, float]] = {}
        if not jobs:
            return results
        workers = self._jobs_count(len(jobs))
        cpus = os.cpu_count() or 1
        for job in jobs:
            job.tile_workers = max(1, cpus // workers)
        show = self.options.progress
        if show is None:
            show = sys.stderr.isatty()
        if show:  # tqdm imported only then
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: workers fork
            bar = tqdm(total=len(jobs), unit="件", file=sys.stderr, desc="ingest")
        else:
            bar = _NoBar()
        started = time.monotonic()
        try:
            if workers == 1:
                for job in jobs:
                    item_id, result, error = _run_job(job)
                    results[item_id] = (result, error, time.monotonic() - started)
                    bar.update()
            else:  # imported here: a single item to tile needs no process pool
                from concurrent.futures import ProcessPoolExecutor, as_completed
                from multiprocessing import get_context

                ctx = get_context("forkserver")
                with ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=ctx,
                    initializer=die_with_main,
                    initargs=(os.getpid(),),
                ) as pool:
                    futures = [pool.submit(_run_job, job) for job in jobs]
                    for future in as_completed(futures):
                        item_id, result, error = future.result()
                        results[item_id] = (result, error, time.monotonic() - started)
                        bar.update()
        finally:
            bar.close()
        return results

    def _finish_item(
        self, item: Item, old: Record | None, result: tuple[dict | None, str, float] | None
    ) -> ItemOutcome:
        """Write the record (after the trees), then drop unreferenced trees."""
        meta = metadata_of(item)
        context = manifest_context(self.config)
        if result is not None:
            built, error, seconds = result
            if built is None:
                return ItemOutcome(item.id, "failed", error=error)
            files, pages, tiled = built["files"], built["pages"], built["tiled"]
            new_trees = built.get("trees", {})
        else:
            files, pages, tiled, seconds = old.files, old.pages, 0, 0.0
            new_trees = {}
        fingerprint = fingerprint_of(meta, files, pages, context)
        status = "new" if old is None else "images" if result is not None else "metadata"
        if old is not None and old.fingerprint in {
            fingerprint,
            _with_row_fingerprint(old, meta, files, pages, context) or fingerprint,
        }:
            if new_trees or not self._fixity_current(item.id):  # repaired, or from before
                self._write_fixity(item.id, pages, new_trees, record_bytes(old))
            self._drop_stale_trees(item.id, {p.image for p in pages})  # a run killed late
            return ItemOutcome(item.id, "unchanged", pages=len(pages), tiled=tiled)
        if status == "images" and [p.image for p in pages] == [p.image for p in old.pages]:
            status = "metadata"  # files touched, pixels the same
        record = replace(
            meta,
            kura_record=RECORD_VERSION,
            files=files,
            pages=pages,
            image_settings=self.settings,
            fingerprint=fingerprint,
            ingest=IngestStamp(
                at=datetime.now(UTC).isoformat(timespec="seconds"),
                kura=__version__,
                host=platform.node(),
                sheet=relative(self.config.sheet_path(), self.config.root),
            ),
        )
        self._write_fixity(item.id, pages, new_trees, record_bytes(record))
        write_record(self.store, record)
        self._drop_stale_trees(item.id, {p.image for p in pages})
        return ItemOutcome(item.id, status, pages=len(pages), seconds=seconds, tiled=tiled)

    def _fixity_current(self, item_id: str) -> bool:
        """True when the item's fixity document records its record (not the stored
        manifest older versions kept) and is sealed."""
        try:
            data = json.loads(self.store.get(keys.fixity(item_id)))
        except (StoreError, ValueError):
            return False
        return (
            isinstance(data, dict)
            and set(data.get("documents") or {}) == {keys.record(item_id)}
            and seal_holds(data) is True
        )

    def _write_fixity(
        self, item_id: str, pages: tuple[Page, ...], new_trees: dict, record: bytes
    ) -> None:
        """Record the sha256 of every stored file of the item (``kura verify`` audits them):
        the record as written, trees tiled in this run as the tiler wrote them (hashed while
        it wrote, not read back), reused trees from the last fixity document (never re-read,
        so damage is not recorded as the truth)."""
        old = {}
        with contextlib.suppress(StoreError, ValueError):
            old = json.loads(self.store.get(keys.fixity(item_id))).get("trees", {})
        trees = {}
        for page in pages:
            files = new_trees.get(page.image) or old.get(page.image)
            trees[page.image] = dict(
                files or tree_hashes(self.store, keys.image(item_id, page.image))
            )
        document = fixity_document(item_id, {keys.record(item_id): entry(record)}, trees)
        self.store.put(keys.fixity(item_id), to_json(document), durable=True)

    def _drop_stale_trees(self, item_id: str, keep: set[str]) -> None:
        for name in self.store.folders(f"iiif/{item_id}"):
            if name not in keep:
                self.store.delete_tree(keys.image(item_id, name))

    def _drop_legacy_documents(self) -> None:
        """IIIF documents stored by versions that baked the address into them (manifests,
        the top collection, lesson manifests, curated collections): now rendered at output."""
        for key in LEGACY_STATE:
            self.store.delete(key)
        for key in [*self.store.list("iiif/collection"), *self.store.list("iiif/lesson")]:
            if key.endswith(".json"):
                self.store.delete(key)
        for item_id in self.store.folders("iiif"):
            if item_id not in ("collection", "lesson"):
                self.store.delete(keys.manifest(item_id))
