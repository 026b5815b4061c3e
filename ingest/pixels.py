"""Decode a page straight into the tiler's 3-bytes-a-pixel array when the file allows it.

Pillow holds RGB in 4 bytes a pixel, so decoding a big scan with Pillow and then copying it
into an array costs 7 bytes a pixel at the peak. The common archival files — baseline or
progressive JPEG in sRGB or grey, and uncompressed, Deflate or PackBits TIFF in 8-bit RGB
or grey — are decoded directly into the array (libjpeg-turbo through simplejpeg, tifffile).
Everything else (CMYK, 16-bit, ICC profiles other than sRGB, EXIF rotations, palette,
alpha, LZW or JPEG-in-TIFF, PNG) goes through ``ingest.images.load_page``, which knows all
the normalisations, and is copied into an array strip by strip.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simplejpeg
import tifffile
from PIL import Image, ImageCms

from archive.errors import ImageError
from ingest import native
from ingest.images import DEFAULT_MAX_PAGES, load_page, pillow_bomb_check_off, probe_page
from ingest.jpeg import publishable_jpeg
from ingest.memory import new_pixels
from ingest.pages import tiff_page_offsets

STRIP_ROWS = 1024
_TIFF_FAST_COMPRESSION = {1, 8, 32946, 32773}  # none, Adobe Deflate, Deflate, PackBits
_ORIENTATION = 0x0112


def load_pixels(path: Path, frame: int, max_pixels: int) -> np.ndarray:
    """The page as a ``(height, width, 1 or 3)`` uint8 array, upright and in sRGB.

    Raises ImageError (from ``probe``/``load_page``) for anything that cannot be decoded
    or is over ``max_pixels``."""
    page = load_for_tiling(path, frame, max_pixels)
    if isinstance(page, JpegPage):
        return page.full()
    return page.all() if isinstance(page, TiffRows) else page


def load_for_tiling(
    path: Path, frame: int, max_pixels: int, max_pages: int = DEFAULT_MAX_PAGES
) -> np.ndarray | JpegPage | TiffRows:
    """What ``write_pyramid`` tiles: a JPEG that needs no conversion as a ``JpegPage`` (the
    tiler decodes it), an uncompressed TIFF as ``TiffRows`` (read while tiling), anything
    else as pixels (see ``load_pixels``). Only this page's headers are read (a multi-page
    TIFF's page directory is walked once per file, not once per page)."""
    probe_page(path, frame, max_pixels, max_pages)
    kind = _jpeg_fast_kind(path, frame)
    if kind is not None:
        (width, height), grey = kind
        try:
            return JpegPage(path, path.read_bytes(), grey, width, height, max_pixels)
        except OSError:
            pass  # load_page gives the proper one-line error
    fast = _tiff_fast(path, frame)
    if fast is not None:
        return fast
    return pixels_of(load_page(path, frame, max_pixels, max_pages))


@dataclass(frozen=True)
class JpegPage:
    """A JPEG page that decodes as it is to an upright sRGB or grey page. The tiler decodes
    it twice at once, in two threads: at full size, and at half size by libjpeg-turbo's DCT
    scaling (a fraction of the work), so the levels below full size are tiled while the
    full-size pixels are still being decoded. A JPEG cannot be decoded in parallel, so this
    overlap is what keeps the second core busy."""

    path: Path
    data: bytes
    grey: bool
    width: int
    height: int
    max_pixels: int

    def full(self) -> np.ndarray:
        """The full-size pixels; raises ImageError for a file that does not decode."""
        pixels = self._decode(self.width, self.height)
        if pixels is None:  # corrupt: load_page decodes what can be, or says what is wrong
            return pixels_of(load_page(self.path, 0, self.max_pixels))
        return pixels

    def half(self) -> np.ndarray | None:
        """The page at ``ceil(w/2) × ceil(h/2)``, or None where that cannot be had."""
        return self._decode((self.width + 1) // 2, (self.height + 1) // 2)

    def _decode(self, width: int, height: int) -> np.ndarray | None:
        out = new_pixels(height, width, 1 if self.grey else 3)
        try:
            pixels = simplejpeg.decode_jpeg(
                self.data,
                colorspace="GRAY" if self.grey else "RGB",
                fastdct=False,
                fastupsample=False,
                strict=True,
                min_width=width,
                min_height=height,
                buffer=out,
            )
        except ValueError:
            return None
        if pixels.shape[:2] != (height, width):
            return None
        return out


def pixels_of(image: Image.Image) -> np.ndarray:
    """Copy a Pillow RGB/L image into an array strip by strip (no second full-size buffer)."""
    w, h = image.size
    channels = 1 if image.mode == "L" else 3
    out = new_pixels(h, w, channels)
    for y in range(0, h, STRIP_ROWS):
        y1 = min(h, y + STRIP_ROWS)
        out[y:y1] = np.asarray(image.crop((0, y, w, y1))).reshape(y1 - y, w, channels)
    return out


def _srgb_or_none(icc: bytes | None) -> bool:
    if not icc:
        return True
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = (ImageCms.getProfileDescription(profile) or "").strip().lower()
    except (OSError, ImageCms.PyCMSError):
        return False
    return description.startswith("srgb") and "linear" not in description


def _jpeg_fast_kind(path: Path, frame: int) -> tuple[tuple[int, int], bool] | None:
    """``(size, grey)`` when the file is a JPEG that decodes as it is to an upright sRGB or
    grey page (no rotation, no colour conversion); None otherwise."""
    if frame != 0:
        return None
    try:
        with pillow_bomb_check_off(), Image.open(path) as im:
            if im.format != "JPEG" or im.mode not in ("RGB", "L"):
                return None
            if im.getexif().get(_ORIENTATION, 1) not in (0, 1):
                return None
            if not _srgb_or_none(im.info.get("icc_profile")):
                return None
            return im.size, im.mode == "L"
    except (OSError, ValueError, SyntaxError):
        return None


def source_jpeg(path: Path, frame: int) -> bytes | None:
    """The page's own JPEG, fit to publish at full size as it is: a baseline or progressive
    8-bit JPEG that ``load_pixels`` decodes without rotation or colour conversion, with its
    metadata segments (EXIF, XMP, IPTC, comments) left out. None for anything else."""
    if _jpeg_fast_kind(path, frame) is None:
        return None
    try:
        return publishable_jpeg(path.read_bytes())
    except OSError:
        return None


def _tiff_fast(path: Path, frame: int) -> np.ndarray | TiffRows | None:
    """8-bit RGB or grey, upright, sRGB TIFF pages: uncompressed ones stored in one run as
    ``TiffRows`` (read band by band while the tiler works), Deflate or PackBits ones decoded
    here by tifffile; None for anything else."""
    try:
        offsets = tiff_page_offsets(path) if frame else None
        with tifffile.TiffFile(path) as tif:
            if offsets is None:
                page = tif.pages.first
            else:  # from its own offset: pages[frame] would read every directory before it
                tif.filehandle.seek(offsets[frame])
                page = tifffile.TiffPage(tif, index=frame)
            tags = page.tags
            grey = page.photometric == 1 and page.samplesperpixel == 1
            rgb = page.photometric == 2 and page.samplesperpixel == 3
            if not (grey or rgb) or page.bitspersample != 8 or page.planarconfig != 1:
                return None
            if page.compression not in _TIFF_FAST_COMPRESSION or page.extrasamples:
                return None
            orientation = tags.get(274)
            if orientation is not None and orientation.value not in (0, 1):
                return None
            icc = tags.get(34675)
            if not _srgb_or_none(icc.value if icc is not None else None):
                return None
            if page.dtype != np.uint8 or len(page.shape) != (2 if grey else 3):
                return None
            height, width, channels = page.shape[0], page.shape[1], 1 if grey else 3
            size = height * width * channels
            if (
                page.compression == 1
                and page.is_contiguous
                and sum(page.databytecounts) == size
                and page.fillorder == 1
            ):
                return TiffRows(path, page.dataoffsets[0], height, width, channels)
            pixels = new_pixels(height, width, channels)
            page.asarray(out=pixels[:, :, 0] if grey else pixels)
    except (OSError, ValueError, IndexError, KeyError, ImageError, tifffile.TiffFileError):
        return None
    return pixels


class StreamedRows:
    """A page whose rows arrive top to bottom in a thread of its own, into the tiler's
    array: the full-size tiles of the top of the page are encoded while the bottom is still
    being read or decoded. Subclasses say how the rows come (``_fill``)."""

    def __init__(self, path: Path, height: int, width: int, channels: int) -> None:
        self.path = path
        self.height, self.width, self.channels = height, width, channels
        self.pixels = new_pixels(height, width, channels)
        self._rows = 0
        self._error: ImageError | None = None
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kura-rows", daemon=True)
            self._thread.start()

    def wait(self, rows: int) -> None:
        """Block until the first ``rows`` rows are in ``pixels``; ImageError if they never
        will be (a file cut short, a read or decode error)."""
        self.start()
        with self._ready:
            self._ready.wait_for(lambda: self._rows >= rows or self._error is not None)
            if self._rows < rows:
                raise self._error

    def all(self) -> np.ndarray:
        self.wait(self.height)
        return self.pixels

    def _fill(self) -> Iterator[int]:
        """Fill ``pixels`` from the top, yielding the number of rows done after each band."""
        raise NotImplementedError

    def _run(self) -> None:
        try:
            for rows in self._fill():
                with self._ready:
                    self._rows = rows
                    self._ready.notify_all()
        except OSError as exc:
            error = ImageError(f"{self.path}: 読めません / cannot read: {exc.strerror}")
            with self._ready:
                self._error = error
                self._ready.notify_all()
        except ImageError as exc:
            with self._ready:
                self._error = exc
                self._ready.notify_all()
        except Exception as exc:  # never leave a waiter waiting
            with self._ready:
                self._error = ImageError(f"{self.path}: {exc!r}")
                self._ready.notify_all()


class TiffRows(StreamedRows):
    """An uncompressed TIFF page stored in one run of bytes, read band by band."""

    CHUNK_ROWS = 256

    def __init__(self, path: Path, offset: int, height: int, width: int, channels: int) -> None:
        super().__init__(path, height, width, channels)
        self.offset = offset

    def _fill(self) -> Iterator[int]:
        row = self.width * self.channels
        view = memoryview(self.pixels.reshape(-1))
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            for y in range(0, self.height, self.CHUNK_ROWS):
                y1 = min(self.height, y + self.CHUNK_ROWS)
                want = (y1 - y) * row
                got = fh.readinto(view[y * row : y1 * row])
                if got != want:
                    raise ImageError(
                        f"{self.path}: 画像データが途中で切れています / image data is truncated"
                    )
                yield y1


class JpegRows(StreamedRows):
    """A JPEG decoded band by band by libjpeg's scanline decoder (``ingest._jpegstream``,
    built by ``make deps``): the same pixels as ``JpegPage.full``, but the tiles of the top
    are encoded while the rest decodes. Corrupt data raises ``JpegStreamError`` (the tiler
    then starts the page again the careful way, ``JpegPage.full``)."""

    CHUNK_ROWS = 128

    def __init__(self, page: JpegPage) -> None:
        super().__init__(page.path, page.height, page.width, 1 if page.grey else 3)
        self.data, self.grey = page.data, page.grey

    def _fill(self) -> Iterator[int]:
        ffi, lib = _jpegstream()
        decoder = lib.kura_jpeg_open(self.data, len(self.data), int(self.grey))
        if decoder == ffi.NULL:
            raise JpegStreamError(f"{self.path}: no memory for the decoder")
        try:
            size = (lib.kura_jpeg_width(decoder), lib.kura_jpeg_height(decoder))
            if size != (self.width, self.height):
                raise JpegStreamError(f"{self.path}: {ffi.string(lib.kura_jpeg_error(decoder))}")
            out = ffi.from_buffer(self.pixels)
            stride = self.width * self.channels
            done = 0
            while done < self.height:
                done = lib.kura_jpeg_read(decoder, out, stride, self.CHUNK_ROWS)  # GIL released
                if done < 0:
                    message = ffi.string(lib.kura_jpeg_error(decoder)).decode(errors="replace")
                    raise JpegStreamError(f"{self.path}: {message}")
                yield done
        finally:
            lib.kura_jpeg_close(decoder)


class JpegStreamError(ImageError):
    """The scanline decoder refused a JPEG (corrupt data): decode it the careful way."""


def _jpegstream() -> tuple:
    built = native.extension()  # built by `make deps`; see jpeg_streaming()
    if built is None:
        raise JpegStreamError("ingest._jpegstream is not built")
    return built


def jpeg_streaming() -> bool:
    """Whether the scanline decoder was built (``python -m ingest.jpeg_stream_build``)."""
    return native.extension() is not None
