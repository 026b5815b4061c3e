"""Reading the sheet's file as text: the encoding told by content (UTF-8 with or without BOM,
UTF-16, CP932), the delimiter (comma or tab), and the records with their row numbers.
Workbooks are read by :mod:`archive.xlsx`; validation is :mod:`archive.sheet`'s."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from archive.config import Limits
from archive.errors import SheetError

_JAPANESE_ENCODINGS = ("euc", "iso2022_jp", "shift_jis", "cp932", "utf_16", "utf_32")

# A record as read: its row number, its cells up to the column limit, and the index of the
# first non-empty cell past that limit (None when there is none).
Record = tuple[int, list[str], int | None]


def too_big(shown: str, what_ja: str, what_en: str, size: int, limits: Limits) -> SheetError:
    return SheetError(
        f"{shown}: {what_ja}が大きすぎます（{size / 1e6:,.1f} MB、上限 {limits.sheet_mb} MB、"
        f"kura.toml の [limits] sheet_mb） / {what_en} is too large ({size / 1e6:,.1f} MB; "
        f"limit {limits.sheet_mb} MB, [limits] sheet_mb in kura.toml)"
    )


def text_records(path: Path, shown: str, limits: Limits) -> list[Record]:
    size = path.stat().st_size
    if size > limits.sheet_mb * 1_000_000:
        raise too_big(shown, "ファイル", "the file", size, limits)
    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise SheetError(
            f"{shown}: 中身は Excel ブックです。拡張子を .xlsx にしてください / "
            "this is an Excel workbook: rename it to .xlsx"
        )
    text = decode_text(data, shown)
    first_line = re.split(r"[\r\n]", text, maxsplit=1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # no field can be longer than the text: cells over [limits] cell_chars fail their row
    # (in _Checker), not the whole sheet as the csv module's 131,072 would
    if csv.field_size_limit() <= len(text):
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[Record] = []
    number = 0
    width = limits.sheet_columns
    try:
        for number, cells in enumerate(reader, start=1):
            beyond = None
            if len(cells) > width:
                beyond = next((width + i for i, c in enumerate(cells[width:]) if c.strip()), None)
                del cells[width:]
            records.append((number, cells, beyond))
    except csv.Error as exc:
        raise SheetError(
            f"{shown}: {number + 1}行目が CSV として読めません / row {number + 1} is not valid CSV: {exc}"
        ) from exc
    return records


# A byte that is not valid UTF-8 in a sheet that is UTF-8 otherwise, as Python's
# "surrogateescape" keeps it: U+DC80..U+DCFF stand for the bytes 0x80..0xFF.
BAD_BYTE = re.compile("[\udc80-\udcff]")


def bad_bytes(text: str) -> str:
    found = dict.fromkeys(ord(ch) - 0xDC00 for ch in BAD_BYTE.findall(text))
    shown = " ".join(f"0x{b:02X}" for b in list(found)[:8])
    return shown + (" …" if len(found) > 8 else "")


_ASCII = bytes(range(128))


def _mostly_utf8(data: bytes) -> bool:
    """True when bytes that fail as UTF-8 are a few strays among many valid UTF-8
    characters: such a file is UTF-8 with damage, not CP932 (where Japanese text is almost
    never valid UTF-8). Half-width kana in CP932 can pair into valid 2-byte sequences by
    chance (ﾃｽ is 0xC3 0xBD, "ý"), at about one pair in four, far below the bar here."""
    text = data.decode("utf-8", "surrogateescape")
    bad = len(BAD_BYTE.findall(text))
    good = len(data.translate(None, _ASCII)) - bad  # bytes of valid multi-byte characters
    return good >= 6 and bad * 20 <= good


def decode_text(data: bytes, shown: str) -> str:
    """Decode a CSV by its content: UTF-8 (with or without BOM), UTF-16 with BOM, CP932.

    A file that is UTF-8 but for a few stray bytes is read as UTF-8, the stray bytes kept
    as U+DC80..U+DCFF (``surrogateescape``) so each cell holding one is refused naming its
    row and column, and the other rows go on. charset-normalizer is asked last, and trusted
    only for a confident Japanese encoding.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", "surrogateescape")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's 「Unicode テキスト」
    else:
        candidates = ["utf-8", "cp932"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            if encoding == "utf-8" and _mostly_utf8(data):
                return data.decode("utf-8", "surrogateescape")
            continue
    guess = _guess_encoding(data)
    if guess:
        return data.decode(guess)
    raise SheetError(
        f"{shown}: 文字コードが判別できません（{'、'.join(candidates)} を試しました）。Excel の"
        "「名前を付けて保存」で「CSV UTF-8 (コンマ区切り)」を選んで保存し直してください / "
        f"cannot tell the text encoding (tried {', '.join(candidates)}); "
        "save the file again as 'CSV UTF-8 (Comma delimited)'"
    )


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > 0.15:
        return None
    encoding = codecs.lookup(best.encoding).name.replace("-", "_")
    return best.encoding if encoding.startswith(_JAPANESE_ENCODINGS) else None
