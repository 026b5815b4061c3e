"""Which listed size of a page to show where. Only sizes listed in ``info.json`` (the
record's ``sizes``) and ``full/max`` exist on a level-0 server, so only those are linked."""

from __future__ import annotations

from dataclasses import dataclass

from archive.record import listed_sizes, size_segment, thumbnail_of
from manifests.urls import Urls


@dataclass(frozen=True)
class PageImage:
    """One page as an ``<img>``: a listed size, and the full image it links to."""

    number: int
    src: str
    width: int
    height: int
    full: str


def _page_image(item_id: str, page: dict, size: tuple[int, int], urls: Urls) -> PageImage:
    w, h = size
    segment = size_segment(page, size)
    return PageImage(
        number=page["page"],
        src=urls.image(item_id, page["image"], segment),
        width=w,
        height=h,
        full=urls.image(item_id, page["image"], "max"),
    )


def thumbnail(record: dict, urls: Urls) -> PageImage | None:
    """The first page at the smallest listed size good enough for a thumbnail, or None for
    an item without images."""
    found = thumbnail_of(record)
    if found is None:
        return None
    page, size, _segment = found
    return _page_image(record["id"], page, size, urls)


def page_images(record: dict, urls: Urls) -> list[PageImage]:
    """Every page at its largest listed size (at most ``sizes_max`` of kura.toml)."""
    images = []
    for page in record.get("pages") or []:
        listed = listed_sizes(page)
        size = listed[-1] if listed else (page["width"], page["height"])
        images.append(_page_image(record["id"], page, size, urls))
    return images
