"""Level buffers give back the rows of finished bands."""

from __future__ import annotations

import mmap

import numpy as np

from ingest.memory import new_pixels, release_rows
from tests.conftest import needs


def _resident_pages(pixels: np.ndarray) -> int:
    """Pages of the array's mapping that are in memory (mincore through /proc is not
    portable; reading smaps for the mapping's address range is)."""
    start = pixels.ctypes.data
    with open("/proc/self/smaps") as fh:
        lines = fh.read().splitlines()
    for i, line in enumerate(lines):
        if "-" in line.split(" ", 1)[0]:
            lo, hi = (int(x, 16) for x in line.split(" ", 1)[0].split("-"))
            if lo <= start < hi:
                for detail in lines[i + 1 :]:
                    if detail.startswith("Rss:"):
                        return int(detail.split()[1]) * 1024 // mmap.PAGESIZE
    raise AssertionError("mapping not found")


@needs(
    hasattr(mmap, "MADV_DONTNEED"), "madvise (mmap.MADV_DONTNEED)", "Linux, where CI runs, has it"
)
def test_released_rows_leave_memory_and_the_rest_stays() -> None:
    pixels = new_pixels(1000, 1000, 3)  # 3,000,000 bytes
    pixels[:] = 200
    before = _resident_pages(pixels)
    assert before * mmap.PAGESIZE >= pixels.nbytes
    freed = release_rows(pixels, 0, 500)
    # only whole pages inside rows 0..499 go; rows 500.. are untouched
    assert 0 < freed <= 500 * 3000
    assert freed > 500 * 3000 - mmap.PAGESIZE
    assert _resident_pages(pixels) <= before - freed // mmap.PAGESIZE
    assert (pixels[500:] == 200).all()
    # a band boundary inside a page keeps that page (the next band still needs it)
    assert release_rows(pixels, 500, 501) == 0
    assert (pixels[501:] == 200).all()


def test_arrays_made_elsewhere_are_left_alone() -> None:
    plain = np.full((100, 100, 3), 7, np.uint8)
    assert release_rows(plain, 0, 100) == 0
    assert (plain == 7).all()
    empty = new_pixels(0, 10, 3)
    assert release_rows(empty, 0, 0) == 0
