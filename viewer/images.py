"""Which listed size of a page to show where. Only sizes listed in ``info.json`` (the
record's ``sizes``) and ``full/max`` exist on a level-0 server, so only those are linked."""

from __future__ import annotations

from dataclasses import dataclass

from manifests.item import thumbnail_size
from manifests.urls import Urls


@dataclass(frozen=True)
class PageImage:
    """One page as an ``<img>``: a listed size, and the full image it links to."""

    number: int
    src: str
    width: int
    height: int
    full: str


def _listed(page: dict) -> list[tuple[int, int]]:
    return sorted((tuple(s) for s in page.get("sizes") or []), key=lambda s: s[0] * s[1])


def _page_image(item_id: str, page: dict, size: tuple[int, int], urls: Urls) -> PageImage:
    w, h = size
    segment = f"{w},{h}" if size in _listed(page) else "max"
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
    pages = record.get("pages") or []
    if not pages:
        return None
    return _page_image(record["id"], pages[0], thumbnail_size(pages[0]), urls)


def page_images(record: dict, urls: Urls) -> list[PageImage]:
    """Every page at its largest listed size (at most ``sizes_max`` of kura.toml)."""
    images = []
    for page in record.get("pages") or []:
        listed = _listed(page)
        size = listed[-1] if listed else (page["width"], page["height"])
        images.append(_page_image(record["id"], page, size, urls))
    return images


def info_url(urls: Urls, item_id: str, image: str) -> str:
    """A page's ``info.json``: by the Image API, ``{service id}/info.json``."""
    return f"{urls.image_service(item_id, image)}/info.json"
