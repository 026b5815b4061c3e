"""The IIIF documents of a test archive, rendered as the viewer, publish and build render them
(the store holds none: see manifests.documents)."""

from __future__ import annotations

from pathlib import Path

from archive.config import load_config
from archive.store import open_store
from manifests.documents import Documents
from manifests.urls import Urls


def documents(project: Path, base_url: str | None = None, files_url: str = "") -> Documents:
    """The project's documents for ``base_url`` (default: kura.toml's)."""
    config = load_config(Path(project))
    urls = Urls(base_url or config.base_url, files_url)
    return Documents(open_store(config.store, config.root), config, urls)


def document(project: Path, key: str, base_url: str | None = None) -> dict:
    """The document at ``key``; fails the test when there is none."""
    data = documents(project, base_url).render(key)
    assert data is not None, f"no document at {key}"
    return data


def all_documents(
    project: Path, base_url: str | None = None, *, info: bool = False
) -> dict[str, dict]:
    """Every document by key (``info.json`` too with ``info=True``)."""
    docs = documents(project, base_url)
    out = {}
    for key in docs.document_keys():
        if info or not key.endswith("/info.json"):
            data = docs.render(key)
            assert data is not None, f"listed but not rendered: {key}"
            out[key] = data
    return out


class Published:
    """A project's files as a reader finds them at ``base_url``: IIIF documents rendered,
    everything else as stored (``get``, ``exists``, ``list`` like a store's)."""

    def __init__(self, project: Path, base_url: str | None = None, files_url: str = "") -> None:
        self.docs = documents(project, base_url, files_url)
        self.store = self.docs.store
        self.root = getattr(self.store, "root", None)

    def _rendered(self, key: str) -> bytes | None:
        from manifests.documents import route

        if route(key) is None:
            return None
        body = self.docs.render_bytes(key)
        if body is None:
            from archive.errors import StoreError

            raise StoreError(f"no document at {key}")
        return body

    def get(self, key: str) -> bytes:
        body = self._rendered(key)
        return self.store.get(key) if body is None else body

    def exists(self, key: str) -> bool:
        from manifests.documents import route

        if route(key) is None:
            return self.store.exists(key)
        return self.docs.render(key) is not None

    def list(self, prefix: str = "") -> list[str]:
        from manifests.documents import route

        stored = [k for k in self.store.list(prefix) if route(k) is None]
        rendered = [k for k in self.docs.document_keys() if k.startswith(prefix)]
        return sorted({*stored, *rendered})
