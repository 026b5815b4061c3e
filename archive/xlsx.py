"""Reading an .xlsx workbook's rows as the archivist sees them in Excel.

The worksheet is the one named 文化財一覧 or items, else the first. Cells come as the text
Excel shows: numbers without a trailing ``.0``, dates and times in their cell's number
format (:mod:`archive.numfmt`: 令和2年4月1日, 2020/4/1 …). The workbook's XML is refused
before parsing when it unpacks to more than ``[limits] sheet_mb``, and never parsed without
defusedxml.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
import zipfile
from pathlib import Path

from archive.config import Limits
from archive.errors import SheetError
from archive.numfmt import builtin_format, format_date, is_japanese_date_builtin, shows_era
from archive.sheetfile import Record, too_big

SHEET_NAMES = ("文化財一覧", "items")  # preferred worksheet names in a workbook

_XML_PARTS = (".xml", ".rels", ".vml")  # the parts openpyxl parses


def _check_xlsx_size(path: Path, shown: str, limits: Limits) -> None:
    """Refuse a workbook whose XML unpacks to more than [limits] sheet_mb, before openpyxl
    parses any of it. The sizes come from the zip's directory; a part that claims less
    than it holds is cut at its claim by zipfile and then fails its CRC check."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = [i for i in archive.infolist() if i.filename.lower().endswith(_XML_PARTS)]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(
            f"{shown}: Excel ブック (.xlsx) として読めません。Excel で .xlsx として保存し直して"
            f"ください / not a readable .xlsx workbook ({exc}); save it again as .xlsx"
        ) from exc
    total = sum(i.file_size for i in parts)
    if total > limits.sheet_mb * 1_000_000:
        biggest = max(parts, key=lambda i: i.file_size)
        raise too_big(
            shown,
            f"展開後の XML（最大は {biggest.filename}）",
            f"the workbook's uncompressed XML (largest part: {biggest.filename})",
            total,
            limits,
        )


def xlsx_records(path: Path, shown: str, limits: Limits) -> list[Record]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_size(path, shown, limits)
    if not openpyxl.DEFUSEDXML:  # defusedxml is a dependency; refuse to parse without it
        raise SheetError(
            f"{shown}: defusedxml がないため .xlsx を読みません（pip install defusedxml）/ "
            "refusing to parse .xlsx without defusedxml (pip install defusedxml)"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
            raise SheetError(
                f"{shown}: Excel ブック (.xlsx) として読めません。Excel で .xlsx として保存し直して"
                f"ください / not a readable .xlsx workbook ({exc}); save it again as .xlsx"
            ) from exc
        except MemoryError as exc:
            raise too_big(shown, "ブック", "the workbook", path.stat().st_size, limits) from exc
        except Exception as exc:  # XML errors from lxml, ElementTree or defusedxml, and more
            raise SheetError(
                f"{shown}: Excel ブック (.xlsx) の中の XML が壊れています。Excel で開いて .xlsx "
                f"として保存し直してください / the workbook's XML is damaged ({_reason(exc)}); "
                "open it in Excel and save it again as .xlsx"
            ) from exc
        try:
            return list(_sparse_rows(_pick_worksheet(book), limits.sheet_columns))
        except MemoryError as exc:
            raise too_big(shown, "ブック", "the workbook", path.stat().st_size, limits) from exc
        except Exception as exc:
            raise SheetError(
                f"{shown}: ワークシートの XML が壊れています。Excel で開いて .xlsx として保存し"
                f"直してください / the worksheet's XML is damaged ({_reason(exc)}); open it in "
                "Excel and save it again as .xlsx"
            ) from exc
        finally:
            book.close()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _sparse_rows(sheet, width: int):
    """Rows of a read-only worksheet as (number, cells up to ``width``, first column past
    it). openpyxl's own iter_rows pads every row to its last cell: a sheet with one value
    in column XFD of each of 100,000 rows would be 1.6 billion cells."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent
    formats = _Formats(book)
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            values: list[str] = []
            beyond = None
            for cell in cells:
                index = cell["column"] - 1
                text = formats.text(cell["value"], cell.get("style_id") or 0)
                if index >= width:
                    if beyond is None and text.strip():
                        beyond = index
                    continue
                if index >= len(values):
                    values.extend([""] * (index + 1 - len(values)))
                values[index] = text
            yield number, values, beyond


class _Formats:
    """The number format of each cell style of a workbook, for dates and times."""

    def __init__(self, book) -> None:
        self.book = book
        self.codes: dict[int, tuple[str | None, bool]] = {}

    def _style(self, style_id: int) -> tuple[str | None, bool]:
        """(format code, whether the cell holds a date as a bare serial number)."""
        if style_id not in self.codes:
            from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

            code, serial = None, False
            try:
                num_fmt_id = self.book._cell_styles[style_id].numFmtId
                if num_fmt_id >= BUILTIN_FORMATS_MAX_SIZE:
                    code = self.book._number_formats[num_fmt_id - BUILTIN_FORMATS_MAX_SIZE]
                    serial = shows_era(code)
                else:
                    code = builtin_format(num_fmt_id) or BUILTIN_FORMATS.get(num_fmt_id)
                    serial = is_japanese_date_builtin(num_fmt_id)
            except (IndexError, AttributeError, TypeError):
                pass
            self.codes[style_id] = (code, serial)
        return self.codes[style_id]

    def text(self, value: object, style_id: int) -> str:
        """The cell as Excel shows it: dates and times in their format, else ``cell_text``."""
        if isinstance(value, dt.date | dt.time | int | float):
            code, serial = self._style(style_id)
            if serial and isinstance(value, int | float) and not isinstance(value, bool):
                from openpyxl.utils.datetime import from_excel

                try:
                    value = from_excel(value, self.book.epoch)
                except (ValueError, OverflowError):
                    return cell_text(value)
            if code and isinstance(value, dt.date | dt.time):
                shown = format_date(value, code)
                if shown is not None:
                    return shown
        return cell_text(value)


def _sheet_key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", name).casefold())


def _pick_worksheet(book):
    wanted = {_sheet_key(name) for name in SHEET_NAMES}
    for sheet in book.worksheets:
        if _sheet_key(sheet.title) in wanted:
            return sheet
    return book.worksheets[0]


def cell_text(value: object) -> str:
    """A spreadsheet value as text: 15.0 → "15", dates without a format → ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.15g}"  # as Excel shows it
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
