"""JPEG files at the level of their marker segments (ITU-T T.81 Annex B).

Used to publish a master JPEG as it is at full size: the compressed image data untouched
(no second generation of JPEG loss), the metadata left out. Only what every browser and IIIF
viewer decodes passes: baseline or progressive Huffman coding with 8-bit samples.
"""

from __future__ import annotations

import re

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
_SOF_OK = {0xC0, 0xC1, 0xC2}  # baseline, extended sequential, progressive (Huffman)
_SOF_OTHER = {0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}  # lossless, arithmetic…
_DAC = 0xCC  # arithmetic coding conditioning
_APP0, _APP2, _APP14, _COM = 0xE0, 0xE2, 0xEE, 0xFE
_ICC = b"ICC_PROFILE\0"


class _Truncated(Exception):
    pass


def _keep(marker: int, payload: bytes) -> bool:
    """Metadata out (EXIF/XMP in APP1, IPTC in APP13, MPF, comments …); what decoding
    needs in: JFIF (APP0), an ICC profile (APP2), Adobe's colour transform flag (APP14)."""
    if marker in (_APP0, _APP14):
        return True
    if marker == _APP2:
        return payload.startswith(_ICC)
    return not (0xE0 <= marker <= 0xEF or marker == _COM)


def _segment(data: bytes, i: int) -> tuple[int, int, int]:
    """(marker, payload start, end) of the marker segment whose 0xFF is at ``i``."""
    while i < len(data) and data[i] == 0xFF:
        i += 1
    if i + 3 > len(data):
        raise _Truncated
    marker = data[i]
    end = i + 1 + int.from_bytes(data[i + 1 : i + 3], "big")
    if end > len(data) or end < i + 3:
        raise _Truncated
    return marker, i + 3, end


# a 0xFF that starts a marker: not a stuffed byte (FF 00), a restart marker (FF D0-D7) or
# a fill byte (FF FF: the marker starts at the last FF of a run)
_MARKER = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


def _scan_end(data: bytes, i: int) -> int:
    """Index of the marker that ends the entropy-coded data starting at ``i`` (one regular
    expression search: a 30 MB scan holds ~240,000 0xFF bytes to step over)."""
    found = _MARKER.search(data, i)
    if found is None:
        raise _Truncated
    return found.start()


def publishable_jpeg(data: bytes) -> bytes | None:
    """``data`` with its metadata segments removed and nothing after EOI; None when it is
    not a complete baseline or progressive 8-bit Huffman JPEG."""
    if data[:2] != b"\xff" + bytes([SOI]):
        return None
    view = memoryview(data)  # slices of a view are not copies: a scan may be 100s of MB
    out = [view[:2]]
    i, frame = 2, False
    try:
        while True:
            if data[i : i + 1] != b"\xff":
                return None
            while i < len(data) and data[i] == 0xFF:  # fill bytes
                i += 1
            if data[i] == EOI:
                out.append(b"\xff\xd9")
                return b"".join(out) if frame else None
            marker, body, end = _segment(data, i - 1)
            if marker in _SOF_OTHER or marker == _DAC:
                return None
            if marker in _SOF_OK:
                if frame or data[body] != 8:  # one frame, 8-bit samples
                    return None
                frame = True
            if marker == SOS and not frame:
                return None
            if marker == SOS:  # the header and its entropy-coded data, up to the next marker
                i = _scan_end(data, end)
                out.append(view[body - 4 : i])
                continue
            if _keep(marker, data[body:end]):
                out.append(view[body - 4 : end])
            i = end
    except (_Truncated, IndexError):
        return None
