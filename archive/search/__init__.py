"""Japanese search over the archive's records (Whoosh): build, update, search.

>>> from archive.search import search
>>> search("demo-archive", "むさしむらやま").to_json()  # doctest: +SKIP

The names are imported from their modules when first used, so ``kura ingest``'s index update
(``update``, from ``archive.search.indexer``) never loads the searcher and query parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive.search.indexer import INDEX_DIR, IndexStats, rebuild, update
    from archive.search.searcher import SORTS, Hit, SearchIndex, SearchResult, search

_WHERE = {
    "INDEX_DIR": "indexer",
    "IndexStats": "indexer",
    "rebuild": "indexer",
    "update": "indexer",
    "SORTS": "searcher",
    "Hit": "searcher",
    "SearchIndex": "searcher",
    "SearchResult": "searcher",
    "search": "searcher",
}

__all__ = [
    "INDEX_DIR",
    "SORTS",
    "Hit",
    "IndexStats",
    "SearchIndex",
    "SearchResult",
    "rebuild",
    "search",
    "update",
]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:  # submodules (``from archive.search import query``) import as usual
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
