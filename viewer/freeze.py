"""``kura build``: the whole public site as static files, for any web server, bucket, CDN or
disk (issue 16).

The pages come from the viewer itself: the Flask app is frozen with Frozen-Flask, every page
in every display variant (:mod:`viewer.static_pages` says which files they become and how
their links are rewritten). Beside them go what the server would serve from the store: the
IIIF documents rendered for the site's address (``manifests.documents.Documents``, listed and
signed as ``kura publish`` does: ``archive.publish_sources``), the tiles and the records as
stored, the open-data CSV, the change feed, ``robots.txt``, ``sitemap.xml``, ``404.html``, a
tombstone page for each withdrawn item, the static assets, and the browser search's index
(``archive.search.static_index``, when there). Nothing private is written: no masters, no
``state/``, no fixity records, no settings.

Incremental: what each file was made from is remembered (a fingerprint per page: the item's
record for an item page, the whole archive for the other pages, plus the settings, the
address and Kura's own code; the sources' signatures for documents; per image folder, its
files' sizes and mtimes) in ``state/build-….json`` in the project's store, one per output
folder. An unchanged page is not even rendered, an unchanged image folder not listed in the
output, and a file is written only when its bytes differ, so a re-run with no change writes
nothing and leaves every mtime as it was. Files an earlier build wrote that the site no longer
has (a withdrawn item's tiles, a deleted lesson) are removed; files the build never wrote
are left alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import archive
import manifests
import viewer
from archive import __version__, keys
from archive.addresses import build_output, note_address
from archive.config import Config
from archive.errors import KuraError, StoreError
from archive.events import record_changes
from archive.i18n import pick
from archive.lessons import Lesson
from archive.opendata import opendata_csv, opendata_key
from archive.publish_sources import image_trees, local_sources, rendered_sources, tree_signature
from archive.record import load_published
from archive.store import json_names, open_store
from archive.withdrawals import LOG_KEY, withdrawn_items
from manifests.documents import Documents
from manifests.urls import Urls
from viewer.static_pages import SiteMap, install

log = logging.getLogger(__name__)

STATE_VERSION = 1
# static files a page never asks for: the test-only accessibility checker, source maps, the
# vendor folder's marker
STATIC_IGNORE = ["vendor/axe-core/", "*.map", ".installed"]
NOT_FOUND_PROBE = "/.kura-static-404"


class BuildError(KuraError):
    """The site cannot be built (a store that is not a folder, an output folder that would
    overwrite the project)."""


@dataclass
class BuildReport:
    out: Path
    base_url: str
    pages: int = 0  # HTML pages in the site (every variant)
    rendered: int = 0  # pages rendered this time (the others were unchanged)
    written: int = 0  # files written (new or changed bytes)
    removed: int = 0  # files of an earlier build the site no longer has
    tiles_copied: int = 0
    seconds: float = 0.0
    search: dict | None = None
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return pick(
            f"静的サイト: {self.out} ({self.base_url}) — ページ {self.pages} 件 (描画 {self.rendered} 件), "
            f"書き込み {self.written} ファイル (うちタイル {self.tiles_copied}), 削除 {self.removed} ファイル "
            f"({self.seconds:.1f} 秒)",
            f"static site: {self.out} ({self.base_url}) — {self.pages} pages ({self.rendered} rendered), "
            f"{self.written} files written ({self.tiles_copied} tiles), {self.removed} removed "
            f"({self.seconds:.1f} s)",
        )


# --- fingerprints -----------------------------------------------------------------------


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def code_digest() -> str:
    """What the pages are made with: every file of the viewer, the documents and the archive
    packages (templates, scripts, styles, data), by name and content (a checkout that only
    touches files changes nothing; ~8 MB, a few milliseconds); and Kura's version."""
    h = hashlib.sha256(__version__.encode())
    for package in (archive, manifests, viewer):
        root = Path(package.__file__).parent
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".installed")):
                    continue
                path = os.path.join(folder, name)
                h.update(f"{package.__name__}/{os.path.relpath(path, root)}\0".encode())
                with open(path, "rb") as fh:
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()[:32]


def _stamps(store: Any, *prefixes: str) -> str:
    h = hashlib.sha256()
    for prefix in prefixes:
        if prefix.endswith("/"):
            for key, size, mtime_ns in store.stats(prefix.rstrip("/")):
                h.update(f"{key}\0{size}\0{mtime_ns}\n".encode())
        else:
            try:
                st = os.stat(store.path(prefix))
                h.update(f"{prefix}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
            except OSError:
                h.update(f"{prefix}\0-\n".encode())
    return h.hexdigest()[:32]


# --- the state of a build -----------------------------------------------------------------


def state_key(out: Path) -> str:
    """Where the build into ``out`` keeps what it made (in the project's store)."""
    return f"state/build-{hashlib.sha256(str(out).encode()).hexdigest()[:16]}.json"


def _load_state(store: Any, key: str) -> dict:
    try:
        data = json.loads(store.get(key))
    except (StoreError, OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        return {}
    return data


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly those bytes (mtime kept)."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.kura-tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def _copy_if_changed(source: str, size: int, mtime_ns: int, dest: Path) -> bool:
    """Copy a stored file unless ``dest`` has its size and mtime (copies keep the mtime)."""
    try:
        st = dest.stat()
        if st.st_size == size and st.st_mtime_ns == mtime_ns:
            return False
    except OSError:
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.kura-tmp")
    shutil.copyfile(source, tmp)
    os.utime(tmp, ns=(mtime_ns, mtime_ns))
    os.replace(tmp, dest)
    return True


# --- what the site holds ------------------------------------------------------------------


def _site_pages(store: Any, documents: Documents, published: list[str]) -> list[tuple[str, str]]:
    """Every page the viewer serves, as ``(path, query)``: home, search, the collections,
    the lessons with each step (and each answer of its question), summary and worksheet,
    and every published item."""
    pages = [("/", ""), ("/search", ""), ("/collections/", ""), ("/collections/top", "")]
    for name in documents.collection_names():
        if documents.render(keys.collection(name)) is not None:
            pages.append((f"/collections/{name}", ""))
    pages.append(("/lessons/", ""))
    for name in json_names(store, "lessons"):
        try:
            lesson = Lesson.from_json(json.loads(store.get(keys.lesson_data(name))))
        except (StoreError, OSError, TypeError, ValueError):
            continue
        base = f"/lessons/{lesson.id}"
        pages += [(base, ""), (f"{base}/summary", ""), (f"{base}/worksheet", "")]
        for n, step in enumerate(lesson.steps, start=1):
            pages.append((f"{base}/{n}", ""))
            for choice in range(len(step.question.choices) if step.question else 0):
                pages.append((f"{base}/{n}", f"choice={choice}"))
    pages += [(f"/items/{item_id}", "") for item_id in published]
    return pages


def _published_ids(store: Any, withdrawn: dict) -> list[str]:
    ids = []
    for key, _size, _mtime in store.stats("records"):
        item_id = key.removeprefix("records/").removesuffix(".json")
        if key.endswith(".json") and item_id not in withdrawn:
            try:
                if load_published(store, item_id) is not None:
                    ids.append(item_id)
            except (StoreError, ValueError):
                log.warning("%s: unreadable record, left out", key)
    return sorted(ids)


# --- the build ----------------------------------------------------------------------------


def static_config(config: Config, base_url: str) -> Config:
    """The settings the pages are rendered with: every address under ``base_url`` (no
    separate public files URL: the files are in the same folder), no other trusted name."""
    return dataclasses.replace(config, base_url=base_url, public_url="", trusted_urls=())


def check_output(config: Config, store_root: Path, out: Path) -> None:
    root = config.root.resolve()
    if out == root or out.is_relative_to(store_root) or store_root.is_relative_to(out):
        raise BuildError(
            pick(
                f"{out}: プロジェクトやストアの中・上には書き出せません。別のフォルダーを指定してください",
                f"{out}: cannot build into the project or its store; choose another folder",
            )
        )
    if out.exists() and not out.is_dir():
        raise BuildError(pick(f"{out}: フォルダーではありません", f"{out}: not a folder"))


def build_site(config: Config, out: Path, base_url: str | None = None) -> BuildReport:
    """Build (or bring up to date) the static site of ``config``'s project in ``out``, for
    the address ``base_url`` (default: kura.toml's ``base_url``)."""
    started = time.monotonic()
    store = open_store(config.store, config.root)
    store_root = getattr(store, "root", None)
    if store_root is None:
        raise BuildError(
            pick(
                "静的サイトはローカルのストアからだけ作れます (store が s3:// のプロジェクトは未対応)",
                "a static site is built from a local store only (not from an s3:// store)",
            )
        )
    out = out.resolve()
    check_output(config, Path(store_root).resolve(), out)
    base_url = (base_url or config.base_url).rstrip("/")
    config = static_config(config, base_url)
    report = BuildReport(out=out, base_url=base_url)
    key = state_key(out)
    previous = _load_state(store, key)
    if previous.get("base_url") not in (None, base_url):
        previous = {}  # another address: every file is made again (and compared)
    before: dict[str, str] = previous.get("files", {})
    before_trees: dict[str, str] = previous.get("trees", {})
    now: dict[str, str] = {}
    trees: dict[str, str] = {}

    urls = Urls(base_url)
    record_changes(store)  # the change feed's events of what changed since (as kura publish)
    # the folder's addresses: its change feed moves what an earlier build put at another
    history = note_address(store, build_output(str(out)), base_url, sent=True)
    documents = Documents(store, config, urls, history=history)
    withdrawn = withdrawn_items(store)
    published = _published_ids(store, withdrawn)
    salt = _digest(STATE_VERSION, code_digest(), repr(config), base_url)
    whole = _digest(
        salt, _stamps(store, "records/", "lessons/", "state/collections/", LOG_KEY), published
    )

    site = SiteMap(base_url=base_url, root=urls.pages.root)
    wanted: dict[str, str] = {}  # frozen page → its fingerprint
    for path, query in _site_pages(store, documents, published):
        if path.startswith("/items/"):
            item_id = path.removeprefix("/items/")
            fingerprint = _digest(salt, _stamps(store, keys.record(item_id)))
        else:
            fingerprint = whole
        for url in site.add(path, query):
            wanted[url] = fingerprint
    for url in ("/sitemap.xml", "/robots.txt"):
        wanted[url] = whole

    out.mkdir(parents=True, exist_ok=True)
    app = _static_app(config, site)
    report.pages = sum(1 for url in wanted if url.endswith(".html"))

    # the pages and the static files, by Frozen-Flask
    from flask_frozen import Freezer, FrozenFlaskWarning

    freezer = Freezer(app, with_static_files=True, with_no_argument_rules=False, log_url_for=False)
    # an unchanged page is not even handed to the freezer (thousands of them: its per-page
    # cost would be most of a no-change rebuild)
    to_render = []
    for url, fingerprint in wanted.items():
        rel = url.lstrip("/")
        if before.get(rel) == fingerprint and os.path.isfile(out / rel):
            now[rel] = fingerprint
        else:
            to_render.append(url)
    freezer.register_generator(lambda: iter(to_render))

    def unchanged(url: str, path: str) -> bool:
        rel = url.lstrip("/")
        fingerprint = wanted.get(url, salt)  # a static file changes with the code
        if before.get(rel) == fingerprint and os.path.isfile(path):
            now[rel] = fingerprint
            return True
        before_size = _size(path)
        now[rel] = fingerprint
        report.rendered += url.endswith(".html")
        pending[rel] = before_size
        return False

    pending: dict[str, tuple[int, int] | None] = {}
    app.config.update(
        FREEZER_DESTINATION=str(out),
        FREEZER_REMOVE_EXTRA_FILES=False,
        FREEZER_SKIP_EXISTING=unchanged,
        FREEZER_IGNORE_MIMETYPE_WARNINGS=True,
        FREEZER_STATIC_IGNORE=STATIC_IGNORE,
        FREEZER_REDIRECT_POLICY="error",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FrozenFlaskWarning)
        try:
            for _page in freezer.freeze_yield():
                pass
        except ValueError as exc:  # a page that is not a 200 ("Unexpected status …")
            raise BuildError(
                pick(f"ページを作れませんでした: {exc}", f"a page could not be made: {exc}")
            ) from exc
    report.written += sum(1 for rel, stamp in pending.items() if _size(out / rel) != stamp)

    # pages that are not a 200: the 404 page and the withdrawn items' tombstones
    client = app.test_client()
    extra = [("404.html", NOT_FOUND_PROBE)]
    for item_id in sorted(withdrawn):
        extra += [(url.lstrip("/"), url) for url in site.add(f"/items/{item_id}")]
    for rel, url in extra:
        fingerprint = _digest(whole, "extra")
        now[rel] = fingerprint
        if before.get(rel) == fingerprint and (out / rel).is_file():
            continue
        report.rendered += 1
        body = client.get(url).get_data()
        report.written += write_if_changed(out / rel, body)

    # the IIIF documents and the change feed, rendered for base_url
    rendered = rendered_sources(store, documents, salt)
    for source in rendered:
        stamp = str(source.mtime_ns)
        now[source.key] = stamp
        if before.get(source.key) == stamp and (out / source.key).is_file():
            continue
        assert source.render is not None
        report.written += write_if_changed(out / source.key, source.render())

    # tiles and records as stored (a folder of tiles is named after its page's content)
    sources = [
        s
        for s in local_sources(store, masters=False, withdrawn=frozenset(withdrawn))
        if s.key.startswith(("iiif/", "records/"))
    ]
    grouped = {  # the info.json (rendered) marks a folder as an image service's
        root: [s for s in group if s.path is not None]
        for root, group in image_trees([*sources, *rendered]).items()
    }
    in_trees = {s.key for group in grouped.values() for s in group}
    for root, group in grouped.items():
        signature = tree_signature(group)
        trees[root] = signature
        if before_trees.get(root) == signature and _still_there(out, group):
            continue
        for source in group:
            assert source.path is not None
            copied = _copy_if_changed(source.path, source.size, source.mtime_ns, out / source.key)
            report.written += copied
            report.tiles_copied += copied
    for source in sources:
        if source.key in in_trees:
            continue
        assert source.path is not None
        now[source.key] = f"{source.size}:{source.mtime_ns}"
        report.written += _copy_if_changed(
            source.path, source.size, source.mtime_ns, out / source.key
        )

    # the open-data CSV (its links are for base_url)
    csv_key = opendata_key(config)
    now[csv_key] = whole
    if before.get(csv_key) != whole or not (out / csv_key).is_file():
        report.written += write_if_changed(out / csv_key, opendata_csv(store, config, urls))

    report.search = _search_index(store, config, out, report)
    report.removed = _remove_stale(out, before, now, before_trees, trees)
    state = {"version": STATE_VERSION, "base_url": base_url, "files": now, "trees": trees}
    data = json.dumps(state, ensure_ascii=False, sort_keys=True).encode("utf-8")
    if data != _stored(store, key):
        store.put(key, data)
    report.seconds = time.monotonic() - started
    return report


def _still_there(out: Path, group: list) -> bool:
    """Whether an image folder an earlier build wrote complete still looks so (its first
    and last tiles are there, with their sizes): the folder itself is not listed."""
    ends = (group[0], group[-1]) if group else ()
    return all(_size(out / s.key) == (s.size, s.mtime_ns) for s in ends)


def _size(path: str | Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _stored(store: Any, key: str) -> bytes | None:
    try:
        return store.get(key)
    except (StoreError, OSError):
        return None


def _static_app(config: Config, site: SiteMap) -> Any:
    from viewer import create_app

    app = create_app(config)
    install(app, site)
    return app


def _search_index(store: Any, config: Config, out: Path, report: BuildReport) -> dict | None:
    """The browser search's index under ``out/search/`` (``archive.search.static_index``)."""
    from archive.search.static_index import SUMMARY_CHARS, write_static_index
    from viewer.images import thumbnail
    from viewer.kids import ruby_text
    from viewer.search import facet_value_label
    from viewer.vocabulary import english_date

    urls = Urls(config.base_url)
    prefix = f"{config.base_url}/"

    def describe(item_id: str) -> dict:
        """What the pages add to a hit, with paths from the site's folder (``items/…``,
        ``iiif/…``): the search page resolves them against its index, so they work wherever
        the folder is served."""
        record = load_published(store, item_id)
        found = thumbnail(record, urls) if record is not None else None
        thumb = None
        if found is not None:
            thumb = {
                "src": found.src.removeprefix(prefix),
                "width": found.width,
                "height": found.height,
            }
        date = record.get("年代") if record else ""
        summary = record.get("概要")[:SUMMARY_CHARS] if record else ""
        return {
            "url": f"items/{item_id}/index.html",
            "thumb": thumb,
            "date_en": english_date(date) if date else "",
            # kids pages: the furigana of every grade, as the pages around carry it
            "title_kids": ruby_text(record.title, None) if record else "",
            "summary_kids": ruby_text(summary, None) if summary else "",
        }

    stats = write_static_index(
        config,
        out,
        describe=describe,
        facet_english=lambda facet, value: facet_value_label(facet, value)[1],
        stamp=config.base_url,  # describe's paths and thumbnails depend on the address
    )
    return stats.to_json()


def _remove_stale(
    out: Path,
    before: dict[str, str],
    now: dict[str, str],
    before_trees: dict[str, str],
    trees: dict[str, str],
) -> int:
    """Remove what an earlier build wrote that this one did not: files, then image folders,
    then the folders left empty. Never anything the build did not write."""
    removed = 0
    folders: set[Path] = set()
    for rel in sorted(set(before) - set(now)):
        if rel.startswith("iiif/") and rel[: rel.find("/", rel.find("/", 5) + 1) + 1] in trees:
            continue  # a tile of an image folder this build keeps
        path = out / rel
        try:
            path.unlink()
            removed += 1
            folders.add(path.parent)
        except FileNotFoundError:
            pass
    for root in sorted(set(before_trees) - set(trees)):
        path = out / root
        if path.is_dir():
            removed += sum(len(files) for _, _, files in os.walk(path))
            shutil.rmtree(path)
            folders.add(path.parent)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        _remove_empty(folder, out)
    return removed


def _remove_empty(folder: Path, out: Path) -> None:
    while folder != out and folder.is_relative_to(out):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def files_of(out: Path) -> Iterator[Path]:
    """Every file of a built folder."""
    for folder, _dirs, files in os.walk(out):
        for name in files:
            yield Path(folder, name)
