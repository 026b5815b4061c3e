"""Japanese search over the archive's records (Whoosh): build, update, search.

>>> from archive.search import search
>>> search("demo-archive", "むさしむらやま").to_json()  # doctest: +SKIP
"""

from archive.search.indexer import INDEX_DIR, IndexStats, rebuild, update
from archive.search.searcher import SORTS, Hit, SearchIndex, SearchResult, search

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
