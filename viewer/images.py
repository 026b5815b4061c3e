"""Which listed size of a page to show where. Only sizes listed in ``info.json`` (the
record's ``sizes``) and ``full/max`` exist on a level-0 server, so only those are linked."""

from __future__ import annotations

from dataclasses import dataclass

from archive.model import Page, Record
from manifests.urls import Urls


@dataclass(frozen=True)
class PageImage:
    """One page as an ``<img>``: a listed size, and the full image it links to."""

    number: int
    src: str
    width: int
    height: int
    full: str


def _page_image(item_id: str, page: Page, size: tuple[int, int], urls: Urls) -> PageImage:
    w, h = size
    return PageImage(
        number=page.page,
        src=urls.image(item_id, page.image, page.size_segment(size)),
        width=w,
        height=h,
        full=urls.image(item_id, page.image, "max"),
    )


def thumbnail(record: Record, urls: Urls) -> PageImage | None:
    """The first page at the smallest listed size good enough for a thumbnail, or None for
    an item without images."""
    found = record.thumbnail()
    if found is None:
        return None
    page, size, _segment = found
    return _page_image(record.id, page, size, urls)


def page_thumbnail(item_id: str, page: Page, urls: Urls) -> PageImage:
    """One page at its thumbnail size (the strip of pages on an item page)."""
    return _page_image(item_id, page, page.thumbnail_size(), urls)


def page_images(record: Record, urls: Urls) -> list[PageImage]:
    """Every page at its largest listed size (at most ``sizes_max`` of kura.toml)."""
    return [_page_image(record.id, page, page.largest_size(), urls) for page in record.pages]
