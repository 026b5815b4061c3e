"""What a scan file is, from its first bytes, and opening it with Pillow.

:func:`sniff` names the format a file's first bytes announce and refuses, in one line for
the archivist, anything other than JPEG, PNG or TIFF (naming PDF, HTML, HEIC, camera raw
and the like). :func:`open_image` opens a header with only that format's Pillow plugin.
:func:`reason` and :func:`out_of_memory` word the errors the other image modules raise.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageFile

from archive.errors import ImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "TIFF")
_DNG_VERSION = 50706
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
def open_file(path: Path) -> Iterator[BinaryIO]:
    try:
        fp = path.open("rb")
    except FileNotFoundError as exc:
        raise ImageError(f"{path}: ファイルが見つかりません / file not found") from exc
    except OSError as exc:
        raise ImageError(f"{path}: ファイルを開けません / cannot open file: {reason(exc)}") from exc
    with fp:
        yield fp


def sniff(path: Path) -> str:
    """The accepted format a file's first bytes announce, or ImageError naming what it is."""
    with open_file(path) as fp:
        try:
            head = fp.read(_HEAD_BYTES)
        except OSError as exc:
            raise ImageError(
                f"{path}: ファイルを読めません / cannot read file: {reason(exc)}"
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


def open_image(fp: BinaryIO, path: Path, fmt: str) -> ImageFile.ImageFile:
    """Open the header with only ``fmt``'s plugin; Pillow sees no file name, so no mmap."""
    try:
        im = Image.open(fp, formats=[fmt])
    except Image.UnidentifiedImageError as exc:
        raise ImageError(
            f"{path}: {fmt} のヘッダーが壊れているか、対応していない種類です / "
            f"{fmt} header is damaged or uses an unsupported variant: {_open_failure(fp, fmt, exc)}"
        ) from exc
    except MemoryError as exc:
        raise out_of_memory(path, 0, 0) from exc
    except Exception as exc:
        raise ImageError(
            f"{path}: 画像として読めません / not a readable image: {reason(exc)}"
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
        return reason(inner)
    return reason(exc)


def reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def out_of_memory(path: Path, width: int, height: int) -> ImageError:
    size = f" {width}×{height}" if width and height else ""
    return ImageError(
        f"{path}: メモリ不足で画像{size}を読み込めません。kura.toml の max_pixels を下げるか"
        f"メモリを増やしてください / out of memory decoding the image{size}; lower max_pixels "
        "in kura.toml or add memory"
    )
