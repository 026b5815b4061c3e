"""A scan file's pages: the multi-page TIFF directory walked once, each page opened alone.

Pillow reaches page n by reading the n directories before it, and counts the pages by
reading all of them; tifffile does the same for ``pages[n]``. Loading each page of an
n-page file that way costs n² directory reads (2,000 pages: over 600 s). Here the chain
of directory offsets is walked once per file (remembered per process while the file is
unchanged) and each page is opened from its own offset (:func:`open_frame`). Other
formats' extra pictures (an MPO's) are reached with :func:`seek_frame`.
"""

from __future__ import annotations

import io
import os
import struct
import threading
from pathlib import Path
from typing import BinaryIO

from PIL import ImageFile

from archive.config import Limits
from archive.errors import ImageError
from ingest.scanformat import open_file, open_image, reason

DEFAULT_MAX_PAGES = Limits().tiff_pages  # [limits] tiff_pages in kura.toml
_OFFSETS_KEPT = 8  # files whose directory offsets are remembered
_offsets_cache: dict[tuple, tuple[int, ...]] = {}
_offsets_lock = threading.Lock()
WALK = {"ifd": 0}  # directories read by the walk (tests count the work)


def tiff_page_offsets(path: Path, max_pages: int = DEFAULT_MAX_PAGES) -> tuple[int, ...]:
    """The file offsets of a TIFF's page directories (IFDs), in page order."""
    path = Path(path)
    with open_file(path) as fp:
        return tiff_offsets(fp, path, max_pages)


def tiff_offsets(fp: BinaryIO, path: Path, max_pages: int) -> tuple[int, ...]:
    st = os.fstat(fp.fileno())
    key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, max_pages)
    with _offsets_lock:
        found = _offsets_cache.get(key)
    if found is None:
        found = _walk_ifds(fp, path, st.st_size, max_pages)
        with _offsets_lock:
            while len(_offsets_cache) >= _OFFSETS_KEPT:
                _offsets_cache.pop(next(iter(_offsets_cache)))
            _offsets_cache[key] = found
    return found


def _damaged(path: Path, why: str) -> ImageError:
    return ImageError(
        f"{path}: TIFF のページ構造が壊れています / damaged TIFF page directory: {why}"
    )


def _header(fp: BinaryIO, path: Path) -> tuple[bytes, bool, str, int, str]:
    """A TIFF header's first 16 bytes and the directory layout they announce (classic or
    BigTIFF, byte order): the entry-count format, the entry size, the pointer format."""
    fp.seek(0)
    head = fp.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8:
        raise _damaged(path, "no TIFF header")
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    if big:
        return head, big, order + "Q", 20, order + "Q"
    return head, big, order + "H", 12, order + "I"


def _check_frame(path: Path, frame: int, count: int) -> None:
    if not 0 <= frame < count:
        raise ImageError(
            f"{path}: フレーム {frame} がありません（{count} ページ） / "
            f"no frame {frame}: the file has {count} page(s), numbered from 0"
        )


def _walk_ifds(fp: BinaryIO, path: Path, size: int, max_pages: int) -> tuple[int, ...]:
    """Follow the chain of IFDs once: header → IFD 0 → IFD 1 → … (classic and BigTIFF)."""
    head, big, count_fmt, entry, pointer = _header(fp, path)
    first = head[8:16] if big else head[4:8]
    offset = struct.unpack(pointer, first)[0]
    offsets: list[int] = []
    seen: set[int] = set()
    while offset:
        if offset in seen or offset >= size:
            break  # a loop or a pointer past the end: the pages so far, as Pillow does
        if len(offsets) >= max_pages:
            raise ImageError(
                f"{path}: ページが多すぎます（{max_pages:,} ページを超えます。kura.toml の "
                f"[limits] tiff_pages で上限を変更できます） / too many pages: more than "
                f"{max_pages:,} (limit [limits] tiff_pages in kura.toml)"
            )
        seen.add(offset)
        offsets.append(offset)
        WALK["ifd"] += 1
        fp.seek(offset)
        raw = fp.read(struct.calcsize(count_fmt))
        if len(raw) < struct.calcsize(count_fmt):
            raise _damaged(path, f"directory {len(offsets) - 1} is cut short")
        entries = struct.unpack(count_fmt, raw)[0]
        fp.seek(offset + len(raw) + entries * entry)
        raw = fp.read(struct.calcsize(pointer))
        offset = struct.unpack(pointer, raw)[0] if len(raw) == struct.calcsize(pointer) else 0
    if not offsets:
        raise _damaged(path, "no pages")
    return tuple(offsets)


class _PageView(io.RawIOBase):
    """The TIFF file as Pillow should see it for one page: the header points at that
    page's directory and the directory's "next" pointer is 0, so Pillow finds one page
    and reads nothing else. Reads go to the real file with those few bytes replaced;
    ``fileno`` is the real file's, so libtiff reads it directly (at the directory offset
    Pillow passes, which is the real one)."""

    def __init__(self, fp: BinaryIO, patches: list[tuple[int, bytes]]) -> None:
        super().__init__()
        self._fp = fp
        self._patches = patches

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._fp.seek(offset, whence)

    def tell(self) -> int:
        return self._fp.tell()

    def fileno(self) -> int:
        return self._fp.fileno()

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        start = self._fp.tell()
        data = self._fp.read(len(buffer))
        end = start + len(data)
        for at, patch in self._patches:
            lo, hi = max(start, at), min(end, at + len(patch))
            if lo < hi:
                data = data[: lo - start] + patch[lo - at : hi - at] + data[hi - start :]
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:  # the real file is closed by its owner
        pass


def open_frame(
    fp: BinaryIO, path: Path, offsets: tuple[int, ...], frame: int
) -> ImageFile.ImageFile:
    """Page ``frame`` of a TIFF as a one-page image, from its directory's offset."""
    _check_frame(path, frame, len(offsets))
    _, big, count_fmt, entry, pointer = _header(fp, path)
    offset = offsets[frame]
    fp.seek(offset)
    entries = struct.unpack(count_fmt, fp.read(struct.calcsize(count_fmt)))[0]
    next_at = offset + struct.calcsize(count_fmt) + entries * entry
    patches = [
        (8 if big else 4, struct.pack(pointer, offset)),
        (next_at, struct.pack(pointer, 0)),
    ]
    fp.seek(0)
    view = io.BufferedReader(_PageView(fp, patches), buffer_size=1 << 16)
    return open_image(view, path, "TIFF")  # type: ignore[arg-type]


def seek_frame(im: ImageFile.ImageFile, path: Path, frame: int, count: int) -> None:
    """Move an opened image to page ``frame`` of ``count``."""
    _check_frame(path, frame, count)
    if frame == im.tell():
        return
    try:
        im.seek(frame)
    except Exception as exc:
        raise ImageError(
            f"{path}: フレーム {frame} を読めません / cannot read frame {frame}: {reason(exc)}"
        ) from exc
