"""``kura publish --site DIR``: a static site built by ``kura build`` sent to a bucket or a
folder as it is, with the same rules as every publish (:mod:`archive.publish`): a file is
sent when the target does not hold exactly its bytes, the publish manifest remembers what
was sent (an unchanged file is not even read again), image folders the last publish left
complete are not listed, tiles go first and pages last, and ``--delete`` removes only what
the site no longer has under its own folders.

The site is taken as built: its pages, documents and change feed were made by ``kura build``
for its address, so nothing is rendered here and the change log is not touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.config import Config
from archive.errors import PublishError
from archive.i18n import pick
from archive.publish import Publisher
from archive.publish_manifest import PublishManifest
from archive.publish_sources import Source
from archive.store import TEMP_MARK


@dataclass(frozen=True)
class _SiteUrls:
    base_url: str
    files_url: str = ""


@dataclass(frozen=True)
class _BuiltDocuments:
    """What a built site's publish needs of ``DocumentSource``: only its address (the
    documents are files of the site)."""

    urls: _SiteUrls

    def with_history(self, _history: Any) -> _BuiltDocuments:
        return self

    def document_keys(self) -> Any:
        return iter(())

    def render_bytes(self, key: str) -> bytes | None:
        return None

    def sources(self, key: str) -> list[str]:
        return []


def site_sources(site: Path) -> list[Source]:
    """Every file of a built site (hidden files and unfinished writes left out)."""
    out = []
    root = os.fspath(site)
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and TEMP_MARK not in d)
        for name in sorted(files):
            if name.startswith(".") or TEMP_MARK in name:
                continue
            path = os.path.join(folder, name)
            st = os.stat(path)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            out.append(Source(key, path, st.st_size, st.st_mtime_ns))
    return out


class SitePublisher(Publisher):
    """One run of ``kura publish --site DIR``."""

    def __init__(self, config: Config, target: str, site: Path, base_url: str, **options: Any):
        site = Path(site).resolve()
        if not (site / "index.html").is_file() or not (site / "iiif").is_dir():
            raise PublishError(
                pick(
                    f"{site}: `kura build` で作ったフォルダーではありません (index.html と iiif/ がない)",
                    f"{site}: not a folder made by `kura build` (no index.html and iiif/)",
                )
            )
        if options.get("public_read") or options.get("masters"):
            raise PublishError(
                pick(
                    "--site には --public-read と --masters は使えません (サイト全体を公開する設定はバケットのウェブサイト機能で)",
                    "--site takes neither --public-read nor --masters (make the whole site public with the bucket's website settings)",
                )
            )
        super().__init__(config, target, _BuiltDocuments(_SiteUrls(base_url)), **options)
        self.site = site

    def _sources(self) -> list[Source]:
        return site_sources(self.site)

    def _update_feed(self) -> None:
        """The site's change feed was rendered by ``kura build``: nothing to log here."""

    def _history(self) -> list:
        return []

    def _withdrawn(self) -> frozenset[str]:
        return frozenset()  # a built site holds nothing of a withdrawn item but its notice

    def _tops(self) -> list[str]:
        """The site's folders (``Publisher._remote_objects`` lists these; image folders
        complete at the last publish are not listed). Files at the site's top (index.html,
        404.html, robots.txt, sitemap.xml) are not listed: ``_needs_upload`` trusts the
        manifest for them, and ``--delete`` never removes a file there."""
        return sorted(p.name for p in self.site.iterdir() if p.is_dir() and p.name[0] != ".")

    def _needs_upload(self, source: Source, obj: dict | None, manifest: PublishManifest) -> bool:
        if obj is None and "/" not in source.key:
            entry = manifest.get(source.key)
            if entry and entry[0] == source.size and entry[1] == source.mtime_ns:
                return False  # a top file sent as it is now by the last publish
        return super()._needs_upload(source, obj, manifest)
