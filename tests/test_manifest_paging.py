"""Issue 14 item 8, the manifest's part: a bound book is ``behavior: ["paged"]``; every canvas
has a thumbnail at a size its level-0 service lists, and every embedded service says its size
and sizes, so clients ask only for files that exist (tests/test_iiif_clients.py runs the real
clients)."""

from __future__ import annotations

from archive.model import Page, Record
from manifests.item import image_service, is_paged, page_thumbnail
from manifests.urls import Urls

URLS = Urls("https://archive.example.jp")


def page(n: int, sizes=((150, 107), (300, 213), (600, 425))) -> Page:
    return Page(n, f"{n:016x}", f"scans/{n}.tif", 0, 2400, 1700, sizes)


def record(pages: int, direction: str = "left-to-right", kind: str = "") -> Record:
    return Record(
        id="x",
        pages=tuple(page(n) for n in range(1, pages + 1)),
        viewing_direction=direction,
        fields={"資料種別": kind},
    )


def test_bound_books_are_paged() -> None:
    assert is_paged(record(6, "right-to-left", "古文書"))
    assert is_paged(record(2, "right-to-left"))  # a Japanese bound book, whatever its kind
    assert is_paged(record(3, kind="図書"))  # a book read left to right
    assert not is_paged(record(1, "right-to-left", "古文書"))  # one sheet: nothing to face
    assert not is_paged(record(2, kind="写真"))  # two photographs are no spread
    assert not is_paged(record(4, kind="絵図"))


def test_page_thumbnail_is_a_listed_size_with_its_service() -> None:
    thumb = page_thumbnail("x", page(2), URLS)
    service = "https://archive.example.jp/iiif/x/0000000000000002"
    # the smallest listed size with a long side of at least 200 px
    assert thumb["id"] == f"{service}/full/300,213/0/default.jpg"
    assert (thumb["width"], thumb["height"]) == (300, 213)
    assert thumb["service"] == [
        {
            "id": service,
            "type": "ImageService3",
            "profile": "level0",
            "width": 2400,
            "height": 1700,
            "sizes": [
                {"width": 150, "height": 107},
                {"width": 300, "height": 213},
                {"width": 600, "height": 425},
            ],
        }
    ]


def test_a_page_without_listed_sizes_has_no_sizes_and_a_full_size_thumbnail() -> None:
    assert "sizes" not in image_service("x", page(1, sizes=()), URLS)
    assert page_thumbnail("x", page(1, sizes=()), URLS)["id"].endswith("/full/max/0/default.jpg")
