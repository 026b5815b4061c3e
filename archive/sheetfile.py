"""Reading the sheet's file as text: the encoding told by content (UTF-8 with or without BOM,
UTF-16, CP932), the delimiter (comma or tab), and the records with their row numbers, as a
stream (no line longer than the limit is ever held whole).
Workbooks are read by :mod:`archive.xlsx`; validation is :mod:`archive.sheet`'s."""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

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


LINE_CELLS = 4  # one line of a CSV holds at most this many cells' worth of characters
CHUNK = 1 << 20  # bytes read at a time while telling the encoding
GUESS_BYTES = 4 << 20  # what charset-normalizer is shown, when it is asked at all


class _LineTooLong(Exception):
    """A line of the CSV over the limit: raised before the line is held whole."""


def longest_line(limits: Limits) -> int:
    """The most characters one line of a CSV may hold (a row, or one line of a cell that
    spans lines): ``LINE_CELLS`` × ``[limits] cell_chars``. A longer line cannot be a row of
    cells within the limit, so the sheet is refused without reading that line whole."""
    return LINE_CELLS * limits.cell_chars


def text_records(path: Path, shown: str, limits: Limits) -> list[Record]:
    """The records of a CSV or TSV, read as a stream: the file is never held whole, and no
    line or cell longer than :func:`longest_line` is held at all (one error instead)."""
    size = path.stat().st_size
    if size > limits.sheet_mb * 1_000_000:
        raise too_big(shown, "ファイル", "the file", size, limits)
    with open(path, "rb") as fh:
        if fh.read(4).startswith(b"PK\x03\x04"):
            raise SheetError(
                f"{shown}: 中身は Excel ブックです。拡張子を .xlsx にしてください / "
                "this is an Excel workbook: rename it to .xlsx"
            )
    encoding, errors = text_encoding(path, shown)
    longest = longest_line(limits)
    # cells over [limits] cell_chars fail their row (in _Checker), not the whole sheet as
    # the csv module's 131,072 would; a field past a whole line's limit (a cell spanning
    # lines) ends the reading like a long line
    csv.field_size_limit(longest)
    records: list[Record] = []
    number = 0
    width = limits.sheet_columns
    try:
        with open(path, encoding=encoding, errors=errors, newline="") as text:
            lines = _lines(text, longest)
            first = next(lines, "")
            delimiter = "\t" if first.count("\t") > first.count(",") else ","
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
            for number, cells in enumerate(reader, start=1):
                beyond = None
                if len(cells) > width:
                    beyond = next(
                        (width + i for i, c in enumerate(cells[width:]) if c.strip()), None
                    )
                    del cells[width:]
                records.append((number, cells, beyond))
    except _LineTooLong:
        raise _too_long(shown, number + 1, longest, limits) from None
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long(shown, number + 1, longest, limits) from None
        raise SheetError(
            f"{shown}: {number + 1}行目が CSV として読めません / row {number + 1} is not valid CSV: {exc}"
        ) from exc
    except UnicodeDecodeError as exc:  # a guessed encoding that fails further on
        raise _unknown_encoding(shown, [encoding]) from exc
    return records


def _lines(text: TextIO, longest: int) -> Iterator[str]:
    """The physical lines of ``text`` (their line ends kept, as csv wants them); raises
    ``_LineTooLong`` having read at most ``longest`` + 2 characters of a longer one."""
    while line := text.readline(longest + 2):
        if len(line.rstrip("\r\n")) > longest:
            raise _LineTooLong
        yield line


def _too_long(shown: str, row: int, longest: int, limits: Limits) -> SheetError:
    return SheetError(
        f"{shown}: {row}行目が長すぎて読めません（1行か1つのセルが {longest:,} 文字を超えています。"
        f"セルは {limits.cell_chars:,} 文字まで、kura.toml の [limits] cell_chars）。台帳を読みません / "
        f"row {row} is too long to read (over {longest:,} characters in one line or cell; a cell "
        f"holds at most {limits.cell_chars:,}, [limits] cell_chars in kura.toml): the sheet is "
        "not read"
    )


# A byte that is not valid UTF-8 in a sheet that is UTF-8 otherwise, as Python's
# "surrogateescape" keeps it: U+DC80..U+DCFF stand for the bytes 0x80..0xFF.
BAD_BYTE = re.compile("[\udc80-\udcff]")


def bad_bytes(text: str) -> str:
    found = dict.fromkeys(ord(ch) - 0xDC00 for ch in BAD_BYTE.findall(text))
    shown = " ".join(f"0x{b:02X}" for b in list(found)[:8])
    return shown + (" …" if len(found) > 8 else "")


_ASCII = bytes(range(128))
_NOT_BAD = dict.fromkeys(range(0xDC80, 0xDD00))  # str.translate: drops the stray bytes


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _utf8_counts(path: Path) -> tuple[int, int]:
    """(valid multi-byte characters' bytes, stray bytes) of the file read as UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    multibyte = bad = 0
    for chunk in itertools.chain(_chunks(path), [b""]):
        text = decoder.decode(chunk, final=not chunk)
        bad += len(text) - len(text.translate(_NOT_BAD))
        multibyte += len(chunk.translate(None, _ASCII))
    return multibyte - bad, bad


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        for chunk in itertools.chain(_chunks(path), [b""]):
            decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError:
        return False
    return True


def text_encoding(path: Path, shown: str) -> tuple[str, str]:
    """How to decode a CSV, told by its content, reading it in chunks: ``(encoding,
    errors)``. UTF-8 (with or without BOM), UTF-16 with BOM, CP932.

    A file that is UTF-8 but for a few stray bytes is read as UTF-8, the stray bytes kept
    as U+DC80..U+DCFF (``surrogateescape``) so each cell holding one is refused naming its
    row and column, and the other rows go on: a few strays among many valid UTF-8
    characters are damage, not CP932 (where Japanese text is almost never valid UTF-8;
    half-width kana in CP932 pair into valid 2-byte sequences by chance, ﾃｽ is 0xC3 0xBD "ý",
    at about one pair in four, far below the bar here). charset-normalizer is asked last,
    and trusted only for a confident Japanese encoding.
    """
    with open(path, "rb") as fh:
        head = fh.read(GUESS_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "surrogateescape"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's 「Unicode テキスト」
        if _decodes(path, "utf-16"):
            return "utf-16", "strict"
    else:
        candidates = ["utf-8", "cp932"]
        good, bad = _utf8_counts(path)
        if not bad:
            return "utf-8", "strict"
        if good >= 6 and bad * 20 <= good:
            return "utf-8", "surrogateescape"
        if _decodes(path, "cp932"):
            return "cp932", "strict"
    guess = _guess_encoding(head)
    if guess:
        return guess, "strict"
    raise _unknown_encoding(shown, candidates)


def _unknown_encoding(shown: str, candidates: list[str]) -> SheetError:
    return SheetError(
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
