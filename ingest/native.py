"""The tiler's C helpers: ``ingest._jpegstream``, a small cffi module built by ``make deps``
against the system's libjpeg (see ``ingest.jpeg_stream_build``).

- libjpeg's scanline decoder (used by ``ingest.pixels.JpegRows``);
- libjpeg's scanline encoder (``JpegEncoder``): a JPEG of a whole level written band by band
  as the rows arrive, so the level's memory is given back behind it instead of held until
  one call encodes it all;
- ``halve``: the 2×2 box halving of the pyramid in one pass over the 3-bytes-a-pixel rows,
  where Pillow's ``reduce(2)`` needs a copy into its 4-bytes-a-pixel layout and one back.

Every function here says when the module is not built; callers then do the same work the
way they did before it existed, with the same result.
"""

from __future__ import annotations

import functools
from types import TracebackType

import numpy as np

_FUNCTIONS = ("kura_jpeg_open", "kura_jpeg_enc_open", "kura_halve")


@functools.cache
def extension() -> tuple | None:
    """``(ffi, lib)`` of the built module, or None (not built, or built by an older Kura
    without every function: ``make deps`` builds it again)."""
    try:
        from ingest._jpegstream import ffi, lib
    except ImportError:
        return None
    if not all(hasattr(lib, name) for name in _FUNCTIONS):
        return None
    return ffi, lib


def _rows_ok(pixels: np.ndarray) -> bool:
    """Rows of packed pixels (any row stride), as the C functions read and write them."""
    return (
        pixels.dtype == np.uint8
        and pixels.ndim == 3
        and (pixels.shape[2] == 1 or pixels.strides[2] == 1)  # a grey axis may have stride 0
        and pixels.strides[1] == pixels.shape[2]
        and pixels.strides[0] >= pixels.shape[1] * pixels.shape[2]
    )


def _pointer(ffi: object, pixels: np.ndarray) -> object:  # cffi objects
    return ffi.cast("unsigned char *", pixels.ctypes.data)


def halve(src: np.ndarray, dst: np.ndarray) -> bool:
    """``dst`` = the 2×2 box averages of ``src`` (Pillow's ``reduce(2)`` numbers; ``dst`` is
    ``ceil(h/2) × ceil(w/2)``). False, with nothing done, where the module is not built or
    the arrays are not rows of packed pixels. Releases the GIL."""
    native = extension()
    if native is None or not (_rows_ok(src) and _rows_ok(dst)):
        return False
    h, w, c = src.shape
    if dst.shape != ((h + 1) // 2, (w + 1) // 2, c) or h == 0 or w == 0:
        return False
    ffi, lib = native
    lib.kura_halve(_pointer(ffi, src), src.strides[0], h, w, c, _pointer(ffi, dst), dst.strides[0])
    return True


class JpegEncoderError(Exception):
    """libjpeg refused to encode (a message from libjpeg)."""


class JpegEncoder:
    """A baseline JPEG (accurate DCT, 4:2:0 for RGB, as ``ingest.pyramid.encode_jpeg``)
    written band by band: ``write`` the rows top to bottom, then ``finish``.

    Use ``JpegEncoder.available()`` first; the encoder's memory is freed by ``close`` (or
    the ``with`` block), after which the bytes from ``finish`` are gone too."""

    @staticmethod
    def available() -> bool:
        return extension() is not None

    def __init__(self, width: int, height: int, channels: int, quality: int) -> None:
        native = extension()
        if native is None:
            raise JpegEncoderError("ingest._jpegstream is not built")
        self._ffi, self._lib = native
        self.width, self.height, self.channels = width, height, channels
        self._encoder = self._lib.kura_jpeg_enc_open(width, height, channels, quality)
        if self._encoder == self._ffi.NULL:
            raise MemoryError("no memory for the JPEG encoder")
        if self._message():
            message = self._message()
            self.close()
            raise JpegEncoderError(message)

    def _message(self) -> str:
        return self._ffi.string(self._lib.kura_jpeg_enc_error(self._encoder)).decode(
            errors="replace"
        )

    def write(self, rows: np.ndarray) -> None:
        """Encode the next rows: ``(n, width, channels)`` uint8. Releases the GIL."""
        if self._encoder is None:
            raise JpegEncoderError("the encoder is closed")
        if rows.shape[1:] != (self.width, self.channels) or not _rows_ok(rows):
            raise ValueError(f"rows of {self.width}×{self.channels} expected, got {rows.shape}")
        ptr = _pointer(self._ffi, rows)
        if self._lib.kura_jpeg_enc_write(self._encoder, ptr, rows.strides[0], rows.shape[0]) < 0:
            raise JpegEncoderError(self._message())

    def finish(self) -> memoryview:
        """The JPEG, once every row is written; valid until ``close``."""
        if self._encoder is None:
            raise JpegEncoderError("the encoder is closed")
        if self._lib.kura_jpeg_enc_finish(self._encoder) < 0:
            raise JpegEncoderError(self._message() or "not every row was written")
        size = self._lib.kura_jpeg_enc_size(self._encoder)
        return memoryview(self._ffi.buffer(self._lib.kura_jpeg_enc_data(self._encoder), size))

    def close(self) -> None:
        if self._encoder is not None:
            self._lib.kura_jpeg_enc_close(self._encoder)
            self._encoder = None

    def __enter__(self) -> JpegEncoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
