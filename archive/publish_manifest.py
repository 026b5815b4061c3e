"""The publish manifest: what the last ``kura publish`` to one target sent, kept in the local
store's ``state/`` (never published), so a re-run sends only what changed and a killed run
resumes. ``{key: [size, mtime_ns, md5, etag]}`` for each source: the size and mtime of the
source file (for a rendered document, 0 and a number from the signature of its sources; for
generated open data, its length and 0), the MD5 of what was sent (for a bucket; for a folder
the same as the etag, except for generated files) and the target's "ETag" of the object (a
bucket's ETag; a folder's ``"<size>-<mtime_ns>"``). Image-service folders the target holds
completely are kept with their signatures in ``trees``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

from archive.errors import StoreError
from archive.store import LocalStore

MANIFEST_VERSION = 1
SAVE_EVERY = 1.0  # seconds between saves of the publish manifest


class PublishManifest:
    """What the last publish to one target sent: ``{key: [size, mtime_ns, md5, etag]}`` of
    each source file, saved atomically in the local store's ``state/`` (never published)."""

    def __init__(self, store: LocalStore, target: str, base_url: str) -> None:
        self.store = store
        name = hashlib.sha256(target.encode()).hexdigest()[:16]
        self.key = f"state/publish-{name}.json"
        self.target = target
        self.base_url = base_url
        self.entries: dict[str, list] = {}
        self.trees: dict[str, str] = {}  # image-service folder -> signature when complete
        self.lock = threading.Lock()  # entries and trees
        self.save_lock = threading.Lock()  # one save at a time
        self.dirty = False
        self.saved_at = time.monotonic()
        try:
            data = json.loads(store.get(self.key))
        except (StoreError, ValueError):
            return
        if data.get("version") == MANIFEST_VERSION and data.get("target") == target:
            entries = data.get("entries", {})
            trees = data.get("trees", {})
            if data.get("base_url") != base_url:  # JSON renders differently: forget it
                entries = {k: v for k, v in entries.items() if not k.endswith(".json")}
                trees = {}  # their info.json too
            self.entries = entries
            self.trees = trees if isinstance(trees, dict) else {}

    def get(self, key: str) -> list | None:
        return self.entries.get(key)

    def record(self, key: str, entry: list) -> None:
        with self.lock:
            self.entries[key] = entry
            self.dirty = True
            now = time.monotonic()
            due = now - self.saved_at > SAVE_EVERY
            if due:  # this uploader saves; the others go on recording meanwhile
                self.saved_at = now
        if due:
            self._write(always=True)

    def set_trees(self, trees: dict[str, str]) -> None:
        """The image-service folders the bucket now holds completely, with their signatures
        (see ``tree_signature``); any other folder is compared key by key next time."""
        with self.lock:
            self.trees = dict(trees)
            self.dirty = True

    def forget(self, key: str) -> None:
        with self.lock:
            self.entries.pop(key, None)
            self.dirty = True

    def save(self) -> None:
        """Write what is recorded, if anything is new."""
        self._write(always=False)

    def _write(self, always: bool) -> None:
        """A snapshot taken under the lock and written outside it, so uploads are not held
        up while tens of thousands of entries are encoded; one write at a time, in order."""
        with self.save_lock:
            with self.lock:
                if not (self.dirty or always):
                    return
                document = {
                    "version": MANIFEST_VERSION,
                    "target": self.target,
                    "base_url": self.base_url,
                    "entries": dict(self.entries),
                    "trees": dict(self.trees),
                }
                self.dirty = False
            try:
                self.store.put(self.key, json.dumps(document, separators=(",", ":")).encode())
            except BaseException:
                with self.lock:
                    self.dirty = True
                raise
