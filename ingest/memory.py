"""Pixel buffers whose rows can be given back to the system while the rest is still in use.

A level of the pyramid is needed only until its tiles are encoded and the next level is
made from it, and both happen band by band, top to bottom. Levels live in private anonymous
memory maps, so the rows of a finished band are returned with ``madvise(MADV_DONTNEED)``
at once, instead of holding the whole level until its last tile: with a 600-megapixel map
that is gigabytes. Arrays that were not made here (a caller's own pixels) are left alone.
"""

from __future__ import annotations

import mmap

import numpy as np

_CAN_RELEASE = hasattr(mmap, "MADV_DONTNEED") and hasattr(mmap, "MAP_ANONYMOUS")


def new_pixels(height: int, width: int, channels: int) -> np.ndarray:
    """An uninitialised ``(height, width, channels)`` uint8 array whose rows can be released."""
    size = height * width * channels
    if not _CAN_RELEASE or size == 0:
        return np.empty((height, width, channels), np.uint8)
    mapping = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return np.frombuffer(mapping, np.uint8).reshape(height, width, channels)


def _mapping(pixels: np.ndarray) -> mmap.mmap | None:
    base = pixels
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return base if isinstance(base, mmap.mmap) else None


def release_rows(pixels: np.ndarray, y0: int, y1: int) -> int:
    """Give back the memory of rows ``y0:y1`` (whole pages inside them) of an array from
    ``new_pixels``; their content is gone afterwards. Returns the bytes released."""
    mapping = _mapping(pixels)
    if mapping is None or not pixels.flags.c_contiguous:
        return 0
    offset = pixels.ctypes.data - np.frombuffer(mapping, np.uint8, count=1).ctypes.data
    row = pixels.strides[0]
    page = mmap.PAGESIZE
    start = -(-(offset + y0 * row) // page) * page  # first whole page inside the rows
    end = (offset + y1 * row) // page * page
    if end <= start:
        return 0
    mapping.madvise(mmap.MADV_DONTNEED, start, end - start)
    return end - start
