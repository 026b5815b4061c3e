"""Decode an archivist's scan file into normalised page images for the IIIF tiler.

Accepted formats are JPEG, PNG and TIFF (multi-page TIFF gives one page per frame). A page
comes out of :func:`load_page` as mode ``"RGB"`` (or ``"L"`` for greyscale sources, which
keeps JPEG tiles small), 8 bits per channel, sRGB, upright, with no alpha and no
``icc_profile`` left in ``info``:

* EXIF orientation is applied (all 8 values). Pillow 12 already does this for TIFF while
  loading; for JPEG and PNG :func:`PIL.ImageOps.exif_transpose` runs, only when needed.
* An embedded ICC profile is converted to sRGB with LittleCMS (RGB and CMYK through a
  transform; greyscale through a 256-entry curve built from the profile). A profile that
  cannot be read, or does not fit the pixels, is ignored with a logged warning (the
  pixels are then taken as sRGB). A profile whose description names sRGB is not applied.
* CMYK (including Adobe's inverted CMYK JPEGs, which Pillow un-inverts) goes through its
  profile when there is one, else through Pillow's plain conversion.
* 16-bit greyscale (``I;16``, ``I;16B``, ``I``) is scaled, not clipped: v → round(v / 257),
  so 65535 → 255; strip by strip, so no 32-bit copy of the whole page is made. (``I`` is
  taken to hold 16-bit values; anything above 65535 saturates.) 16-bit "min-is-white"
  TIFFs, which Pillow leaves uninverted, are inverted here.
* 16-bit-per-channel RGB/RGBA (48/64-bit TIFF and PNG) is reduced to 8 bits by Pillow
  itself (the high byte of each sample). Pillow 12 scrambles one layout of it without an
  error (uncompressed, PlanarConfiguration=2), so that one is refused, as are the layouts
  Pillow has no mode for (e.g. 16-bit greyscale + alpha TIFF) and 32-bit float pixels.
* Palette images, alpha (LA, RGBA, PA, premultiplied) and tRNS transparency are
  composited onto white; 1-bit bilevel becomes ``"L"``; CIELab TIFF is converted to sRGB.
* An MPO (a JPEG carrying extra pictures, as some cameras write) is read as its first
  picture; DNG and CR2 camera raw files, which look like TIFF, are refused.

Pixel limits: the page size is read from the header and checked against ``max_pixels``
(kura.toml) before any pixel is allocated. Pillow's own decompression-bomb check
(``Image.MAX_IMAGE_PIXELS``, a process-wide global) is switched off only while this module
opens and decodes a file, by :func:`pillow_bomb_check_off`, which restores the previous
value when the last concurrent user leaves. Other threads decoding with Pillow at the same
moment see the check off as well; our own ``max_pixels`` check stands in for it here.

Files are opened by this module and passed to Pillow as file objects, so every handle is
closed on return and no page is left memory-mapped onto the scan.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageFile, ImageOps

from archive.config import Limits
from archive.errors import ImageError

log = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "TIFF")
_ORIENTATION = 0x0112  # EXIF / TIFF tag 274
_BITS_PER_SAMPLE = 258
_COMPRESSION = 259
_PHOTOMETRIC = 262
_SAMPLES_PER_PIXEL = 277
_PLANAR_CONFIGURATION = 284
_DNG_VERSION = 50706
_STRIP_PIXELS = 1 << 22  # 16-bit → 8-bit conversion works on strips of about 4 megapixels
_SIXTEEN_BIT_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_CHUNK = 1 << 20
DEFAULT_MAX_PAGES = Limits().tiff_pages  # [limits] tiff_pages in kura.toml


@dataclass(frozen=True)
class PageInfo:
    """One page of a scan file: its frame index and its size once upright."""

    frame: int
    width: int
    height: int


# --------------------------------------------------------------------------------------
# Public API


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fp:
        while chunk := fp.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def probe(path: Path, max_pixels: int, max_pages: int = DEFAULT_MAX_PAGES) -> list[PageInfo]:
    """The pages of a scan file, from its headers only (no pixel data is decoded).

    Raises ImageError for an empty file, something that is not an image, a format other
    than JPEG/PNG/TIFF, a damaged header, a page over ``max_pixels``, or a TIFF of more
    than ``max_pages`` pages. A multi-page TIFF's directory is walked once (see
    :func:`tiff_page_offsets`), so probing n pages costs n, not n².
    """
    path = Path(path)
    fmt = _sniff(path)
    with pillow_bomb_check_off(), _open_file(path) as fp:
        if fmt != "TIFF":
            with _open_image(fp, path, fmt) as im:
                return [_page_info(im, fp, path, 0, 1, max_pixels)]
        offsets = _tiff_offsets(fp, path, max_pages)
        pages = []
        for frame in range(len(offsets)):
            with _open_frame(fp, path, offsets, frame) as im:
                pages.append(_page_info(im, fp, path, frame, len(offsets), max_pixels))
        return pages


def probe_page(
    path: Path, frame: int, max_pixels: int, max_pages: int = DEFAULT_MAX_PAGES
) -> PageInfo:
    """:func:`probe` of one page (``frame``, from 0): what loading that page alone needs."""
    path = Path(path)
    fmt = _sniff(path)
    with pillow_bomb_check_off(), _open_file(path) as fp:
        if fmt != "TIFF":
            with _open_image(fp, path, fmt) as im:
                _seek(im, path, frame, 1)
                return _page_info(im, fp, path, 0, 1, max_pixels)
        offsets = _tiff_offsets(fp, path, max_pages)
        with _open_frame(fp, path, offsets, frame) as im:
            return _page_info(im, fp, path, frame, len(offsets), max_pixels)


def _page_info(
    im: ImageFile.ImageFile, fp: BinaryIO, path: Path, frame: int, count: int, max_pixels: int
) -> PageInfo:
    width, height = _raw_size(im)
    _check_pixels(path, width, height, max_pixels, frame, count)
    _check_mode(im, path)
    if _header_orientation(im, fp) in (5, 6, 7, 8):
        width, height = height, width
    return PageInfo(frame=frame, width=width, height=height)


def load_page(
    path: Path, frame: int, max_pixels: int, max_pages: int = DEFAULT_MAX_PAGES
) -> Image.Image:
    """Decode one page (``frame``, from 0) of a scan file into an upright 8-bit sRGB image.

    The result has mode ``"RGB"``, or ``"L"`` for greyscale sources. Raises ImageError
    for anything :func:`probe` refuses, a missing frame, and truncated or corrupt data.
    """
    path = Path(path)
    fmt = _sniff(path)
    with pillow_bomb_check_off(), _open_file(path) as fp:
        if fmt == "TIFF":  # the page alone: no walk over the pages before it
            offsets = _tiff_offsets(fp, path, max_pages)
            im, count = _open_frame(fp, path, offsets, frame), len(offsets)
        else:
            im, count = _open_image(fp, path, fmt), 1
            _seek(im, path, frame, count)
        width, height = _raw_size(im)
        _check_pixels(path, width, height, max_pixels, frame, count)
        _check_mode(im, path)
        try:
            im.load()  # Pillow 12 applies a TIFF's orientation here and drops the tag
        except MemoryError as exc:
            raise _out_of_memory(path, width, height) from exc
        except Exception as exc:  # decoders raise many types for damaged data
            raise ImageError(
                f"{path}: 画像データが途中で切れているか壊れています / "
                f"image data is truncated or corrupt: {_reason(exc)}"
            ) from exc
        try:
            if _loaded_orientation(im) != 1:
                ImageOps.exif_transpose(im, in_place=True)
            photometric = im.tag_v2.get(_PHOTOMETRIC) if fmt == "TIFF" else None
            page = _normalise(im, path, min_is_white=photometric == 0)
        except MemoryError as exc:
            raise _out_of_memory(path, width, height) from exc
        except (OSError, ValueError) as exc:
            raise ImageError(
                f"{path}: 画素形式を変換できません（{im.mode}） / "
                f"cannot convert pixel mode {im.mode}: {_reason(exc)}"
            ) from exc
    page.info.pop("icc_profile", None)
    return page


# --------------------------------------------------------------------------------------
# Pillow's global decompression-bomb limit

_bomb_lock = threading.Lock()
_bomb_users = 0
_bomb_saved: int | None = None


@contextmanager
def pillow_bomb_check_off() -> Iterator[None]:
    """Set ``Image.MAX_IMAGE_PIXELS`` to None for the duration; restore it afterwards.

    Re-entrant and thread-aware: the first user saves the value, the last one restores it,
    so overlapping calls from several threads cannot leave the check switched off.
    """
    global _bomb_users, _bomb_saved
    with _bomb_lock:
        if _bomb_users == 0:
            _bomb_saved = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None
        _bomb_users += 1
    try:
        yield
    finally:
        with _bomb_lock:
            _bomb_users -= 1
            if _bomb_users == 0:
                Image.MAX_IMAGE_PIXELS = _bomb_saved


# --------------------------------------------------------------------------------------
# Identifying the file

_HEAD_BYTES = 512

# (offset, magic, name); JPEG/PNG/TIFF are the accepted ones, the rest are named in errors.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "JPEG"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"II+\x00", "TIFF"),  # BigTIFF
    (0, b"MM\x00+", "TIFF"),
    (0, b"GIF87a", "GIF"),
    (0, b"GIF89a", "GIF"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (0, b"\xffO\xffQ", "JPEG 2000"),
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (0, b"\xff\x0a", "JPEG XL"),
    (0, b"II\xbc\x01", "JPEG XR"),
    (0, b"8BPS", "Photoshop (PSD)"),
    (0, b"%PDF", "PDF"),
    (0, b"%!PS", "PostScript"),
    (0, b"\xc5\xd0\xd3\xc6", "EPS"),
    (0, b"PK\x03\x04", "ZIP"),
)
_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)
_FTYP_BRANDS = {
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
    b"avif": "AVIF",
    b"avis": "AVIF",
    b"crx ": "Canon CR3 (RAW)",
}
_NAMES_JA = {
    "PDF": "PDF 文書",
    "HTML": "HTML（ウェブページ）",
    "XML": "XML 文書",
    "SVG": "SVG",
    "ZIP": "ZIP アーカイブ",
    "text": "テキストファイル",
}
_HINTS_EN = {
    "PDF": "a PDF document; export its pages as TIFF, JPEG or PNG",
    "HTML": "an HTML web page (a failed download?)",
    "XML": "an XML document",
    "SVG": "an SVG drawing; export it as PNG",
    "ZIP": "a ZIP archive (or an Office document); unpack it first",
    "text": "a text file",
}


@contextmanager
def _open_file(path: Path) -> Iterator[BinaryIO]:
    try:
        fp = path.open("rb")
    except FileNotFoundError as exc:
        raise ImageError(f"{path}: ファイルが見つかりません / file not found") from exc
    except OSError as exc:
        raise ImageError(
            f"{path}: ファイルを開けません / cannot open file: {_reason(exc)}"
        ) from exc
    with fp:
        yield fp


def _sniff(path: Path) -> str:
    """The accepted format a file's first bytes announce, or ImageError naming what it is."""
    with _open_file(path) as fp:
        try:
            head = fp.read(_HEAD_BYTES)
        except OSError as exc:
            raise ImageError(
                f"{path}: ファイルを読めません / cannot read file: {_reason(exc)}"
            ) from exc
    if not head:
        raise ImageError(f"{path}: ファイルが空です（0 バイト） / file is empty (0 bytes)")
    found = _identify(head)
    if found in ACCEPTED_FORMATS:
        if found == "TIFF" and head[8:10] == b"CR":
            found = "Canon CR2 (RAW)"
        else:
            return found
    if found in _HINTS_EN:
        raise ImageError(
            f"{path}: 画像として読めません（{_NAMES_JA[found]}） / "
            f"not a readable image: this is {_HINTS_EN[found]}"
        )
    if found:
        raise ImageError(_unsupported(path, found))
    raise ImageError(
        f"{path}: 画像として読めません（形式を判別できません） / "
        f"not a readable image: unrecognised content (starts with {head[:8].hex(' ')})"
    )


def _identify(head: bytes) -> str | None:
    for offset, magic, name in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return name
    if (
        head[:2] == b"BM"
        and len(head) >= 18
        and struct.unpack("<I", head[14:18])[0] in _BMP_HEADER_SIZES
    ):
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "ISO media (MP4/HEIF)")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<"):
        if b"<svg" in text:
            return "SVG"
        if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")):
            return "HTML"
        if b"<html" in text:
            return "HTML"
        return "XML"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not merely a character cut at the end
                return None
        return "text"
    return None


def _unsupported(path: Path, found: str) -> str:
    return (
        f"{path}: 対応していない画像形式です（{found}）。JPEG・PNG・TIFF に変換してください / "
        f"unsupported image format {found}; accepted: JPEG, PNG, TIFF"
    )


def _open_image(fp: BinaryIO, path: Path, fmt: str) -> ImageFile.ImageFile:
    """Open the header with only ``fmt``'s plugin; Pillow sees no file name, so no mmap."""
    try:
        im = Image.open(fp, formats=[fmt])
    except Image.UnidentifiedImageError as exc:
        raise ImageError(
            f"{path}: {fmt} のヘッダーが壊れているか、対応していない種類です / "
            f"{fmt} header is damaged or uses an unsupported variant: {_open_failure(fp, fmt, exc)}"
        ) from exc
    except MemoryError as exc:
        raise _out_of_memory(path, 0, 0) from exc
    except Exception as exc:
        raise ImageError(
            f"{path}: 画像として読めません / not a readable image: {_reason(exc)}"
        ) from exc
    found = "JPEG" if im.format == "MPO" else im.format  # MPO: JPEG with extra pictures
    if found not in ACCEPTED_FORMATS:  # cannot happen with formats=[fmt]; kept as a guard
        im.close()
        raise ImageError(_unsupported(path, str(im.format)))
    if found == "TIFF" and _DNG_VERSION in im.tag_v2:
        im.close()
        raise ImageError(_unsupported(path, "DNG (RAW)"))
    return im


def _open_failure(fp: BinaryIO, fmt: str, exc: Exception) -> str:
    """Why the plugin refused the header (Image.open hides it behind 'cannot identify')."""
    try:
        factory = Image.OPEN[fmt][0]
        fp.seek(0)
        factory(fp, "").close()
    except Exception as inner:  # the plugin's own reason, e.g. "unknown pixel mode"
        return _reason(inner)
    return _reason(exc)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _out_of_memory(path: Path, width: int, height: int) -> ImageError:
    size = f" {width}×{height}" if width and height else ""
    return ImageError(
        f"{path}: メモリ不足で画像{size}を読み込めません。kura.toml の max_pixels を下げるか"
        f"メモリを増やしてください / out of memory decoding the image{size}; lower max_pixels "
        "in kura.toml or add memory"
    )


# --------------------------------------------------------------------------------------
# Multi-page TIFF: the page directory walked once, each page opened on its own
#
# Pillow reaches page n by reading the n directories before it, and counts the pages by
# reading all of them; tifffile does the same for ``pages[n]``. Loading each page of an
# n-page file that way costs n² directory reads (2,000 pages: over 600 s). Here the chain
# of directory offsets is walked once per file (remembered per process while the file is
# unchanged) and each page is opened from its own offset.

_OFFSETS_KEPT = 8  # files whose directory offsets are remembered
_offsets_cache: dict[tuple, tuple[int, ...]] = {}
_offsets_lock = threading.Lock()
WALK = {"ifd": 0}  # directories read by the walk (tests count the work)


def tiff_page_offsets(path: Path, max_pages: int = DEFAULT_MAX_PAGES) -> tuple[int, ...]:
    """The file offsets of a TIFF's page directories (IFDs), in page order."""
    path = Path(path)
    with _open_file(path) as fp:
        return _tiff_offsets(fp, path, max_pages)


def _tiff_offsets(fp: BinaryIO, path: Path, max_pages: int) -> tuple[int, ...]:
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


def _walk_ifds(fp: BinaryIO, path: Path, size: int, max_pages: int) -> tuple[int, ...]:
    """Follow the chain of IFDs once: header → IFD 0 → IFD 1 → … (classic and BigTIFF)."""
    fp.seek(0)
    head = fp.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8:
        raise _damaged(path, "no TIFF header")
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    count_fmt, entry, pointer = (
        (order + "Q", 20, order + "Q") if big else (order + "H", 12, order + "I")
    )
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


def _open_frame(
    fp: BinaryIO, path: Path, offsets: tuple[int, ...], frame: int
) -> ImageFile.ImageFile:
    """Page ``frame`` of a TIFF as a one-page image, from its directory's offset."""
    if not 0 <= frame < len(offsets):
        raise ImageError(
            f"{path}: フレーム {frame} がありません（{len(offsets)} ページ） / "
            f"no frame {frame}: the file has {len(offsets)} page(s), numbered from 0"
        )
    fp.seek(0)
    head = fp.read(16)
    order = "<" if head[:2] == b"II" else ">"
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    count_fmt, entry, pointer = (
        (order + "Q", 20, order + "Q") if big else (order + "H", 12, order + "I")
    )
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
    return _open_image(view, path, "TIFF")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# Frames, sizes, orientation


def _seek(im: ImageFile.ImageFile, path: Path, frame: int, count: int) -> None:
    if not 0 <= frame < count:
        raise ImageError(
            f"{path}: フレーム {frame} がありません（{count} ページ） / "
            f"no frame {frame}: the file has {count} page(s), numbered from 0"
        )
    if frame == im.tell():
        return
    try:
        im.seek(frame)
    except Exception as exc:
        raise ImageError(
            f"{path}: フレーム {frame} を読めません / cannot read frame {frame}: {_reason(exc)}"
        ) from exc


def _raw_size(im: ImageFile.ImageFile) -> tuple[int, int]:
    """Width and height as stored, before orientation (Pillow swaps a TIFF's size itself)."""
    if im.format == "TIFF":
        return int(im.tag_v2[256]), int(im.tag_v2[257])
    return im.size


def _check_pixels(
    path: Path, width: int, height: int, max_pixels: int, frame: int, count: int
) -> None:
    pixels = width * height
    if pixels <= 0:
        raise ImageError(
            f"{path}: 画像の大きさが不正です（{width}×{height}） / "
            f"invalid image size {width}x{height}"
        )
    if pixels > max_pixels:
        where = f"（フレーム {frame}）" if count > 1 else ""
        where_en = f" (frame {frame})" if count > 1 else ""
        raise ImageError(
            f"{path}: 画素数が上限を超えています{where}（{width}×{height} = {pixels:,} 画素、"
            f"上限 {max_pixels:,}）。kura.toml の max_pixels で上限を変更できます / "
            f"image too large{where_en}: {width}x{height} = {pixels:,} pixels exceeds "
            f"max_pixels = {max_pixels:,}; raise max_pixels in kura.toml to accept it"
        )


def _check_mode(im: ImageFile.ImageFile, path: Path) -> None:
    """Refuse pixel layouts Pillow 12 cannot decode, or decodes wrongly without an error."""
    if im.format == "TIFF" and _garbled_planar_tiff(im):
        raise ImageError(
            f"{path}: チャンネル分離（PlanarConfiguration=2）の非圧縮 16 ビット TIFF は"
            "正しく読めません。LZW か Deflate で圧縮するか、インターリーブで保存し直してください / "
            "cannot decode an uncompressed 16-bit TIFF with separate colour planes "
            "(PlanarConfiguration=2) correctly; re-save it with LZW or Deflate compression, "
            "or with interleaved (chunky) samples"
        )
    if im.mode == "F":
        raise ImageError(
            f"{path}: 浮動小数点の画素には対応していません。8 ビットか 16 ビットで保存してください / "
            "unsupported pixel format: 32-bit floating point; re-save as 8- or 16-bit"
        )


def _garbled_planar_tiff(im: ImageFile.ImageFile) -> bool:
    """Pillow 12 unpacks uncompressed planar TIFF one 8-bit plane at a time, so planar
    samples wider than 8 bits come out scrambled (compressed ones go through libtiff)."""
    tags = im.tag_v2
    bits = tags.get(_BITS_PER_SAMPLE, (1,))
    bits = bits if isinstance(bits, tuple) else (bits,)
    return (
        tags.get(_PLANAR_CONFIGURATION, 1) == 2
        and tags.get(_SAMPLES_PER_PIXEL, 1) > 1
        and max(bits) > 8
        and tags.get(_COMPRESSION, 1) == 1
    )


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _header_orientation(im: ImageFile.ImageFile, fp: BinaryIO) -> int:
    """The EXIF orientation (1–8) of the current frame, without decoding pixels."""
    try:
        if im.format == "TIFF":
            return _valid_orientation(im.tag_v2.get(_ORIENTATION, 1))
        if im.format == "PNG":
            raw = _png_exif(im, fp)
            if not raw:
                return 1
            exif = Image.Exif()
            exif.load(raw)
            return _valid_orientation(exif.get(_ORIENTATION, 1))
        return _valid_orientation(im.getexif().get(_ORIENTATION, 1))
    except Exception:  # unreadable EXIF: decoding ignores it too
        return 1


_RAW_EXIF_KEY = "Raw profile type exif"  # ImageMagick's hex-encoded EXIF in a text chunk
_TEXT_CHUNK_MAX = 1 << 22


def _png_exif(im: ImageFile.ImageFile, fp: BinaryIO) -> bytes | None:
    """A PNG's EXIF the way Pillow finds it once decoded: an eXIf chunk, else ImageMagick's
    text chunk, wherever they are. PngImageFile.getexif() would decode the whole image to
    look behind IDAT, so the chunks are walked here instead."""
    exif = im.info.get("exif")
    profile = im.info.get(_RAW_EXIF_KEY)
    if exif is None:
        late_exif, late_profile = _png_late_exif(fp)
        exif, profile = late_exif, profile or late_profile
    if exif:
        return exif
    if profile:
        return bytes.fromhex("".join(str(profile).split("\n")[3:]))
    return None


def _png_late_exif(fp: BinaryIO) -> tuple[bytes | None, str | None]:
    """The eXIf chunk and the raw-profile text of a PNG, skipping from chunk to chunk."""
    exif: bytes | None = None
    profile: str | None = None
    fp.seek(8)
    while True:
        header = fp.read(8)
        if len(header) < 8:
            break
        length, kind = struct.unpack(">I4s", header)
        if kind == b"IEND":
            break
        if kind == b"eXIf" and exif is None:
            exif = fp.read(length)
            fp.seek(4, io.SEEK_CUR)
        elif kind in (b"tEXt", b"zTXt", b"iTXt") and length <= _TEXT_CHUNK_MAX:
            profile = _raw_exif_text(kind, fp.read(length)) or profile
            fp.seek(4, io.SEEK_CUR)
        else:
            fp.seek(length + 4, io.SEEK_CUR)
    return exif, profile


def _raw_exif_text(kind: bytes, data: bytes) -> str | None:
    keyword, _, rest = data.partition(b"\0")
    if keyword != _RAW_EXIF_KEY.encode("latin-1"):
        return None
    if kind == b"tEXt":
        return rest.decode("latin-1")
    if kind == b"zTXt":
        return _inflate(rest[1:]).decode("latin-1")
    compressed, text = rest[:1] == b"\1", rest[2:]  # iTXt: flag, method, language, …
    text = text.split(b"\0", 2)[-1]
    return (_inflate(text) if compressed else text).decode("utf-8")


def _inflate(data: bytes) -> bytes:
    return zlib.decompressobj().decompress(data, _TEXT_CHUNK_MAX)


def _loaded_orientation(im: Image.Image) -> int:
    try:
        return _valid_orientation(im.getexif().get(_ORIENTATION, 1))
    except Exception:
        return 1


# --------------------------------------------------------------------------------------
# Normalising pixels


def _normalise(im: Image.Image, path: Path, *, min_is_white: bool) -> Image.Image:
    """8-bit "RGB" or "L", alpha flattened onto white, colours in sRGB."""
    icc = im.info.get("icc_profile")
    mode = im.mode
    if mode in _SIXTEEN_BIT_GREY:
        im = _grey16_to_l(im, invert=min_is_white)
    elif mode == "1":
        im = im.convert("L")
    elif mode == "P":
        if "transparency" in im.info:
            im = _flatten(im.convert("RGBA"))
        elif _grey_palette(im):
            im = im.convert("L")
        else:
            im = im.convert("RGB")
    elif mode in ("L", "RGB") and im.info.get("transparency") is not None:
        im = _flatten(im.convert("LA" if mode == "L" else "RGBA"))
    elif mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        im = _flatten(im)
    elif mode not in ("L", "RGB", "CMYK", "LAB"):  # RGBX, YCbCr, HSV and the like
        im = im.convert("RGB")
    return _to_srgb(im, icc, path)


def _flatten(im: Image.Image) -> Image.Image:
    """Composite an image with alpha onto white: "LA"-like → "L", the rest → "RGB"."""
    if im.mode == "La":
        im = im.convert("LA")
    elif im.mode in ("RGBa", "PA"):
        im = im.convert("RGBA")
    grey = im.mode == "LA"
    out = Image.new("L" if grey else "RGB", im.size, 255 if grey else (255, 255, 255))
    out.paste(im, (0, 0), im)  # the alpha band is the mask; RGBA pastes without a copy
    return out


def _grey_palette(im: Image.Image) -> bool:
    palette = im.getpalette("RGB") or []
    return all(palette[i] == palette[i + 1] == palette[i + 2] for i in range(0, len(palette), 3))


@functools.cache
def _lut16(invert: bool) -> tuple[int, ...]:
    """65536-entry table from 16-bit to 8-bit: round(v / 257), so 65535 → 255."""
    table = tuple((v * 2 + 257) // 514 for v in range(65536))
    return table[::-1] if invert else table


def _grey16_to_l(im: Image.Image, *, invert: bool) -> Image.Image:
    """Scale 16-bit greyscale to "L" a strip at a time (a whole-page "I" copy is 4 B/px)."""
    lut = _lut16(invert)
    width, height = im.size
    out = Image.new("L", im.size)
    rows = max(1, _STRIP_PIXELS // width)
    for top in range(0, height, rows):
        strip = im.crop((0, top, width, min(height, top + rows)))
        if strip.mode != "I":
            strip = strip.convert("I")
        out.paste(strip.point(lut, "L"), (0, top))
    return out


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@functools.cache
def _lab_to_srgb() -> ImageCms.ImageCmsTransform:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    return ImageCms.buildTransform(lab, _srgb(), "LAB", "RGB")


_PROFILE_SPACE = {"RGB": "RGB", "CMYK": "CMYK", "L": "GRAY"}


def _to_srgb(im: Image.Image, icc: bytes | None, path: Path) -> Image.Image:
    """Apply the embedded ICC profile (if usable) so the pixels are sRGB."""
    if im.mode == "LAB":
        return ImageCms.applyTransform(im, _lab_to_srgb())

    def fallback() -> Image.Image:
        return im.convert("RGB") if im.mode == "CMYK" else im

    if not icc:
        return fallback()
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = profile.profile.xcolor_space.strip()
        if space != _PROFILE_SPACE[im.mode]:
            log.warning(
                "%s: ICC プロファイル（%s）が画素（%s）と合わないため無視します / "
                "ignoring an ICC profile for %s on %s pixels",
                path,
                space,
                im.mode,
                space,
                im.mode,
            )
            return fallback()
        if im.mode == "RGB":
            if _is_srgb(profile):
                return im
            transform = ImageCms.buildTransform(profile, _srgb(), "RGB", "RGB")
            if getattr(im, "readonly", 0):
                return ImageCms.applyTransform(im, transform)
            ImageCms.applyTransform(im, transform, inPlace=True)
            return im
        if im.mode == "CMYK":
            return ImageCms.applyTransform(
                im, ImageCms.buildTransform(profile, _srgb(), "CMYK", "RGB")
            )
        lut = _grey_curve(profile)
        return im if lut == list(range(256)) else im.point(lut)
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError) as exc:
        log.warning(
            "%s: ICC プロファイルが読めないため sRGB とみなします / "
            "unreadable ICC profile, treating the pixels as sRGB: %s",
            path,
            _reason(exc),
        )
        return fallback()


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    description = (ImageCms.getProfileDescription(profile) or "").strip().lower()
    return description.startswith("srgb") and "linear" not in description


def _grey_curve(profile: ImageCms.ImageCmsProfile) -> list[int]:
    """A greyscale profile's tone curve as an 8-bit table into sRGB's."""
    ramp = Image.new("L", (256, 1))
    ramp.putdata(range(256))
    transform = ImageCms.buildTransform(profile, _srgb(), "L", "RGB")
    return list(ImageCms.applyTransform(ramp, transform).getchannel("G").getdata())
