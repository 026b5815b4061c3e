"""A decoded page made upright, 8-bit and sRGB (see :mod:`ingest.images` for the rules).

:func:`header_orientation` reads a page's EXIF orientation from its headers alone (for a
PNG, walking its chunks rather than decoding it); :func:`loaded_orientation` reads it from
a decoded page; :func:`normalise` gives 8-bit "RGB" or "L", alpha flattened onto white,
colours converted to sRGB through the embedded ICC profile when it is usable.
"""

from __future__ import annotations

import functools
import io
import logging
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageFile

from ingest.scanformat import reason

log = logging.getLogger("ingest.images")  # the name these warnings had before the split

_ORIENTATION = 0x0112  # EXIF / TIFF tag 274
_STRIP_PIXELS = 1 << 22  # 16-bit → 8-bit conversion works on strips of about 4 megapixels
_SIXTEEN_BIT_GREY = ("I;16", "I;16L", "I;16B", "I;16N", "I")


# --------------------------------------------------------------------------------------
# Orientation


def _valid_orientation(value: object) -> int:
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def header_orientation(im: ImageFile.ImageFile, fp: BinaryIO) -> int:
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


def loaded_orientation(im: Image.Image) -> int:
    try:
        return _valid_orientation(im.getexif().get(_ORIENTATION, 1))
    except Exception:
        return 1


# --------------------------------------------------------------------------------------
# Pixels: 8 bits, no alpha, sRGB


def normalise(im: Image.Image, path: Path, *, min_is_white: bool) -> Image.Image:
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
            reason(exc),
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
