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

The work is shared with :mod:`ingest.scanformat` (what a file is, opening it, the wording
of errors), :mod:`ingest.pages` (a multi-page TIFF's directory walked once, one page
opened alone) and :mod:`ingest.normalise` (orientation, 8 bits, alpha, sRGB).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageFile, ImageOps

from archive.errors import ImageError
from ingest.normalise import header_orientation, loaded_orientation, normalise
from ingest.pages import DEFAULT_MAX_PAGES, open_frame, seek_frame, tiff_offsets
from ingest.scanformat import open_file, open_image, out_of_memory, reason, sniff

_BITS_PER_SAMPLE = 258
_COMPRESSION = 259
_PHOTOMETRIC = 262
_SAMPLES_PER_PIXEL = 277
_PLANAR_CONFIGURATION = 284
_CHUNK = 1 << 20


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
    :func:`ingest.pages.tiff_page_offsets`), so probing n pages costs n, not n².
    """
    path = Path(path)
    fmt = sniff(path)
    with pillow_bomb_check_off(), open_file(path) as fp:
        if fmt != "TIFF":
            with open_image(fp, path, fmt) as im:
                return [_page_info(im, fp, path, 0, 1, max_pixels)]
        offsets = tiff_offsets(fp, path, max_pages)
        pages = []
        for frame in range(len(offsets)):
            with open_frame(fp, path, offsets, frame) as im:
                pages.append(_page_info(im, fp, path, frame, len(offsets), max_pixels))
        return pages


def probe_page(
    path: Path, frame: int, max_pixels: int, max_pages: int = DEFAULT_MAX_PAGES
) -> PageInfo:
    """:func:`probe` of one page (``frame``, from 0): what loading that page alone needs."""
    path = Path(path)
    fmt = sniff(path)
    with pillow_bomb_check_off(), open_file(path) as fp:
        if fmt != "TIFF":
            with open_image(fp, path, fmt) as im:
                seek_frame(im, path, frame, 1)
                return _page_info(im, fp, path, 0, 1, max_pixels)
        offsets = tiff_offsets(fp, path, max_pages)
        with open_frame(fp, path, offsets, frame) as im:
            return _page_info(im, fp, path, frame, len(offsets), max_pixels)


def _page_info(
    im: ImageFile.ImageFile, fp: BinaryIO, path: Path, frame: int, count: int, max_pixels: int
) -> PageInfo:
    width, height = _raw_size(im)
    _check_pixels(path, width, height, max_pixels, frame, count)
    _check_mode(im, path)
    if header_orientation(im, fp) in (5, 6, 7, 8):
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
    fmt = sniff(path)
    with pillow_bomb_check_off(), open_file(path) as fp:
        if fmt == "TIFF":  # the page alone: no walk over the pages before it
            offsets = tiff_offsets(fp, path, max_pages)
            im, count = open_frame(fp, path, offsets, frame), len(offsets)
        else:
            im, count = open_image(fp, path, fmt), 1
            seek_frame(im, path, frame, count)
        width, height = _raw_size(im)
        _check_pixels(path, width, height, max_pixels, frame, count)
        _check_mode(im, path)
        try:
            im.load()  # Pillow 12 applies a TIFF's orientation here and drops the tag
        except MemoryError as exc:
            raise out_of_memory(path, width, height) from exc
        except Exception as exc:  # decoders raise many types for damaged data
            raise ImageError(
                f"{path}: 画像データが途中で切れているか壊れています / "
                f"image data is truncated or corrupt: {reason(exc)}"
            ) from exc
        try:
            if loaded_orientation(im) != 1:
                ImageOps.exif_transpose(im, in_place=True)
            photometric = im.tag_v2.get(_PHOTOMETRIC) if fmt == "TIFF" else None
            page = normalise(im, path, min_is_white=photometric == 0)
        except MemoryError as exc:
            raise out_of_memory(path, width, height) from exc
        except (OSError, ValueError) as exc:
            raise ImageError(
                f"{path}: 画素形式を変換できません（{im.mode}） / "
                f"cannot convert pixel mode {im.mode}: {reason(exc)}"
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
# Sizes and pixel layouts


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
