"""Which image sizes an item page offers to download, by its rights statement.

Open licences and public-domain marks (Creative Commons, CC0, PDM, and RightsStatements'
"No Copyright" and "No Known Copyright") allow reuse, so every listed size and the full image
are offered. Anything else (In Copyright, Not Evaluated, Undetermined, or no statement) is
for viewing: only listed sizes up to ``VIEWING_MAX`` pixels on the long side, never the full
scan. Deep zoom still shows every detail in the viewer.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive.model import Page
from archive.rights import CC, RS, rights_uri
from manifests.urls import Urls

VIEWING_MAX = 600
_OPEN_RS = ("NoC-", "NKC")


@dataclass(frozen=True)
class Download:
    width: int
    height: int
    url: str
    full: bool = False


def reuse_allowed(rights: str) -> bool:
    uri = rights_uri(rights or "") or ""
    if uri.startswith(CC):
        return True
    return uri.startswith(RS) and uri.removeprefix(RS).startswith(_OPEN_RS)


def page_downloads(item_id: str, page: Page, rights: str, urls: Urls) -> list[Download]:
    """The sizes of one page that may be downloaded, smallest first."""
    sizes = sorted(set(page.sizes), key=lambda s: s[0] * s[1])
    full = (page.width, page.height)
    reuse = reuse_allowed(rights)
    out = [
        Download(w, h, urls.image(item_id, page.image, f"{w},{h}"))
        for w, h in sizes
        if (w, h) != full and (reuse or max(w, h) <= VIEWING_MAX)
    ]
    if reuse:
        out.append(Download(*full, urls.image(item_id, page.image, "max"), full=True))
    return out
