"""The metadata sheet: read a CSV/TSV or .xlsx file into validated items.

``read_rows`` turns a file into a header and numbered rows (numbers as Excel shows them);
``read_sheet`` validates every row into an :class:`~archive.model.Item` or reports
:class:`~archive.model.Problem` s naming the file, row and column. One bad row never
stops the others; only a sheet that cannot be read at all raises :class:`SheetError`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from archive.config import Config, Limits
from archive.era import era_range
from archive.errors import SheetError
from archive.model import Item, Problem, YearRange
from archive.rights import EXAMPLES as RIGHTS_EXAMPLES
from archive.rights import rights_label, rights_uri, unversioned
from archive.scans import resolve_images
from archive.sheetfile import BAD_BYTE, bad_bytes, text_records
from archive.sheetrow import RowProblems, check_cell, clean, clean_id, drop_invisible
from archive.xlsx import xlsx_records

# Canonical (Japanese) headers in order → English aliases also accepted.
ALIASES: dict[str, tuple[str, ...]] = {
    "ID": ("id",),
    "名称": ("title",),
    "名称_カナ": ("title_kana", "reading"),
    "名称_英語": ("title_en",),
    "文化財分類": ("designation",),
    "種類": ("kind",),
    "資料種別": ("material_type", "type"),
    "年代": ("date",),
    "概要": ("summary",),
    "概要_英語": ("summary_en",),
    "説明": ("description",),
    "説明_英語": ("description_en",),
    "場所名称": ("place",),
    "住所": ("address",),
    "緯度": ("latitude",),
    "経度": ("longitude",),
    "員数（数）": ("count",),
    "員数（単位）": ("unit",),
    "所有者等": ("owner",),
    "文化財指定日": ("designation_date",),
    "画像ファイル": ("images", "files"),
    "利用条件": ("rights", "license", "licence"),
    "表示方向": ("direction", "viewing_direction"),
    "キーワード": ("keywords",),
    "備考": ("notes",),
}
COLUMNS = tuple(ALIASES)  # the canonical headers, in order
REQUIRED = ("ID", "名称")
# A row whose ID starts with this is an example or a note: read, never ingested
COMMENT_MARK = "#"
# (ID, 名称) of the example rows kura init wrote before they were marked with COMMENT_MARK
OLD_TEMPLATE_ROWS = {("example-001", "指田日記"), ("example-002", "横中馬獅子舞")}
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

_DIRECTIONS = {
    "左から右": "left-to-right",
    "lefttoright": "left-to-right",
    "右から左": "right-to-left",
    "righttoleft": "right-to-left",
    "上から下": "top-to-bottom",
    "toptobottom": "top-to-bottom",
    "下から上": "bottom-to-top",
    "bottomtotop": "bottom-to-top",
}
Row = tuple[int, list[str]]


@dataclass
class SheetResult:
    """The valid items of a sheet and every problem found (errors and warnings)."""

    items: list[Item]
    problems: list[Problem]
    file: str
    header_row: int = 1
    failed: list[tuple[int, str | None]] = field(default_factory=list)  # (row, ID if valid)
    skipped: list[int] = field(default_factory=list)  # rows of examples and notes (``#``)

    @property
    def rows(self) -> int:
        """The data rows read: each is an item, a failed row or a skipped one."""
        return len(self.items) + len(self.failed) + len(self.skipped)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


# --- reading files ------------------------------------------------------------------


def read_rows(path: Path, limits: Limits | None = None) -> tuple[list[str], list[Row]]:
    """The header row and the non-empty data rows of a .csv/.tsv/.txt or .xlsx file.

    Each row comes with its spreadsheet row number. The header is the first row naming the
    required columns (``ID`` and ``名称``) among the first ``HEADER_SEARCH`` rows, so title
    rows above it (「武蔵村山市 文化財台帳」) are passed over; without one, it is the first row.
    """
    headers, _number, rows, _problems = _read_rows(Path(path), str(path), limits or Limits())
    return headers, rows


HEADER_SEARCH = 10  # non-empty rows looked at for the header row


def _header_index(rows: list[Row]) -> int:
    for index, (_number, cells) in enumerate(rows[:HEADER_SEARCH]):
        named = {_HEADER_KEYS.get(_header_key(_clean_header(c))) for c in cells}
        if all(column in named for column in REQUIRED):
            return index
    return 0


def _read_rows(
    path: Path, shown: str, limits: Limits
) -> tuple[list[str], int, list[Row], list[Problem]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SheetError(f"{shown}: ファイルがありません / file not found")
    if suffix in TEXT_SUFFIXES:
        records = text_records(path, shown, limits)
    elif suffix in EXCEL_SUFFIXES:
        records = xlsx_records(path, shown, limits)
    else:
        raise SheetError(
            f"{shown}: 「{suffix or '拡張子なし'}」は読めません。Excel で「Excel ブック (.xlsx)」か"
            f"「CSV UTF-8」形式で保存し直してください / cannot read {suffix or 'this'} files; "
            "save the sheet as an Excel workbook (.xlsx) or as CSV (UTF-8)"
        )
    rows, problems = _bounded(records, shown, limits)
    if not rows:
        raise SheetError(f"{shown}: 見出し行がありません（空のファイル） / the sheet is empty")
    start = _header_index(rows)
    (number, header), data = rows[start], rows[start + 1 :]
    for index, text in enumerate(header):
        if BAD_BYTE.search(text):
            raise SheetError(
                f"{shown}: {number}行目 {column_letter(index)}列の見出しに UTF-8 として読めない"
                f"バイト（{bad_bytes(text)}）があります。「CSV UTF-8」で保存し直してください / "
                f"row {number}, column {column_letter(index)}: the header has bytes that are not "
                f"valid UTF-8 ({bad_bytes(text)}); save the sheet again as CSV UTF-8"
            )
    return [_clean_header(h) for h in header], number, data, problems


def _bounded(records, shown: str, limits: Limits) -> tuple[list[Row], list[Problem]]:
    """The non-empty rows within the row limit; one error for the rows past it and one for
    the cells right of the column limit (the rows themselves are kept, without them)."""
    rows: list[Row] = []
    problems: list[Problem] = []
    wide: tuple[int, int] | None = None
    for number, cells, beyond in records:
        if beyond is not None and wide is None:
            wide = (number, beyond)
        if not any(c.strip() for c in cells):
            continue
        if len(rows) > limits.sheet_rows:  # the header and sheet_rows data rows are read
            problems.append(
                Problem(
                    "error",
                    shown,
                    f"データ行が上限 {limits.sheet_rows:,} 行を超えるため、この行から後は読み"
                    "ません。台帳を分けるか kura.toml の [limits] sheet_rows を上げてください",
                    f"more than {limits.sheet_rows:,} data rows: this row and the rest are not "
                    "read; split the sheet or raise [limits] sheet_rows in kura.toml",
                    row=number,
                )
            )
            break
        rows.append((number, cells))
    if wide is not None:
        number, index = wide
        problems.append(
            Problem(
                "error",
                shown,
                f"{column_letter(limits.sheet_columns - 1)}列より右の値は読みません（列の上限 "
                f"{limits.sheet_columns} 列、kura.toml の [limits] sheet_columns）",
                f"values right of column {column_letter(limits.sheet_columns - 1)} are not read "
                f"(limit: {limits.sheet_columns} columns, [limits] sheet_columns in kura.toml)",
                row=number,
                column=column_letter(index),
            )
        )
    return rows, problems


# --- headers --------------------------------------------------------------------------


def _header_key(text: str) -> str:
    """Headers match after NFKC, case-folding and dropping spaces, ``_`` and ``-``."""
    return re.sub(r"[\s_\-]+", "", unicodedata.normalize("NFKC", text).casefold())


_HEADER_KEYS = {
    _header_key(name): column for column, aliases in ALIASES.items() for name in (column, *aliases)
}


def _clean_header(text: str) -> str:
    return drop_invisible(text).strip()


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (as Excel labels columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class _Layout:
    known: dict[int, str] = field(default_factory=dict)  # index → canonical column
    extra: dict[int, str] = field(default_factory=dict)  # index → header as written


def _layout(headers: list[str], file: str, number: int = 1) -> _Layout:
    """The columns of the header row (row ``number``)."""
    layout = _Layout()
    seen: dict[str, int] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        key = _header_key(header)
        column = _HEADER_KEYS.get(key)
        first = seen.setdefault(column or key, index)
        if first != index:
            raise SheetError(
                f"{file}: {number}行目の見出し「{header}」が2つあります（{column_letter(first)}列と"
                f"{column_letter(index)}列）。1つにしてください / row {number}: duplicate header "
                f"{header!r} (columns {column_letter(first)} and {column_letter(index)})"
            )
        if column:
            layout.known[index] = column
        else:
            layout.extra[index] = header
    missing = [c for c in REQUIRED if c not in layout.known.values()]
    if missing:
        names = "、".join(f"「{c}」" for c in missing)
        raise SheetError(
            f"{file}: 必須の列 {names} がありません。見出し行（{number}行目。表題の行があるときは"
            f"{HEADER_SEARCH}行目までに「ID」と「名称」のある行）に加えてください / required "
            f"column(s) missing: {', '.join(missing)} (add them to the header row, row {number}; "
            f"below title rows, the header is the first of the first {HEADER_SEARCH} rows with "
            "both ID and 名称)"
        )
    return layout


def _layout_warnings(
    layout: _Layout, headers: list[str], rows: list[Row], file: str, number: int = 1
) -> list[Problem]:
    problems = [
        Problem(
            "warning",
            file,
            f"「{header}」列は Kura では使いませんが、値はそのまま保存します",
            f"column {header!r} is not used by Kura; its values are kept as they are",
            row=number,
            column=header,
        )
        for header in layout.extra.values()
    ]
    width = max((len(cells) for _, cells in rows), default=0)
    for index in range(width):
        if index < len(headers) and headers[index]:
            continue
        if any(index < len(cells) and cells[index].strip() for _, cells in rows):
            letter = column_letter(index)
            problems.append(
                Problem(
                    "warning",
                    file,
                    f"{letter}列には見出しがないため、値は無視します",
                    f"column {letter} has no header; its values are ignored",
                    row=number,
                    column=letter,
                )
            )
    return problems


def _rights(value: str, default: str, row: RowProblems) -> str:
    if not value:
        return default
    uri = rights_uri(value)
    if uri is None:
        row.error(
            "利用条件",
            f"利用条件「{value}」が分かりません。例: {RIGHTS_EXAMPLES}",
            f"unknown rights {value!r}; accepted examples: {RIGHTS_EXAMPLES}",
        )
        return default
    if unversioned(value):
        label = rights_label(uri, "en")
        row.warn(
            "利用条件",
            f"利用条件「{value}」には版がないため {label} として扱います。意図した版を書いて"
            f"ください（例: {label}、CC BY 2.1 JP）",
            f"rights {value!r} has no version and is read as {label}; write the version meant "
            f"(e.g. {label}, CC BY 2.1 JP)",
        )
    return uri


def _direction(value: str, row: RowProblems) -> str:
    if not value:
        return "left-to-right"
    direction = _DIRECTIONS.get(_header_key(value))
    if direction is None:
        row.error(
            "表示方向",
            f"表示方向「{value}」が分かりません。「右から左」「左から右」「上から下」「下から上」のどれかにしてください",
            f"unknown viewing direction {value!r}; use right-to-left, left-to-right, "
            "top-to-bottom or bottom-to-top",
        )
        return "left-to-right"
    return direction


def _date(value: str, row: RowProblems) -> YearRange | None:
    if not value:
        return None
    date = era_range(value)
    if date is None:
        row.warn(
            "年代",
            f"年代「{value}」を西暦に変換できないため、文字のまま残します（検索・並べ替えには使われません）",
            f"date {value!r} could not be read as years; kept as text (not used for search or sorting)",
        )
    return date


def _coordinate(column: str, value: str, limit: int, row: RowProblems) -> None:
    if not value:
        return
    try:
        number = float(unicodedata.normalize("NFKC", value))
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and -limit <= number <= limit):
        row.error(
            column,
            f"{column}「{value}」は -{limit}〜{limit} の数値（十進の度）にしてください",
            f"{column} {value!r} must be a decimal number of degrees in -{limit}..{limit}",
        )


class _Checker:
    """Validates rows one after another, remembering ids for duplicate detection."""

    def __init__(self, file: str, config: Config, layout: _Layout) -> None:
        self.file = file
        self.layout = layout
        self.scans_dir = config.scans_dir
        self.default_rights = rights_uri(config.rights) or config.rights
        self.ids: dict[str, int] = {}  # case-folded id → first row
        self.width = max([*layout.known, *layout.extra]) + 1
        self.id_index = next(i for i, column in layout.known.items() if column == "ID")
        self.cell_chars = config.limits.cell_chars
        self.named = {**layout.extra, **layout.known}  # index → column name in messages

    def check(self, number: int, cells: list[str]) -> tuple[Item | None, list[Problem]]:
        row = RowProblems(self.file, number)
        cells = cells + [""] * (self.width - len(cells))
        # the ID first, so that the problems of the other cells name the item
        cells[self.id_index] = check_cell(cells[self.id_index], "ID", self.cell_chars, row)
        item_id = clean_id(cells[self.id_index], row)
        for index, column in self.named.items():
            if index != self.id_index:
                cells[index] = check_cell(cells[index], column, self.cell_chars, row)
        fields = {column: clean(cells[i]) for i, column in self.layout.known.items()}
        extra = {header: clean(cells[i]) for i, header in self.layout.extra.items()}
        if item_id is not None:
            row.item_id = fields["ID"] = item_id
            self._check_duplicate(item_id, row)
        if not fields["名称"]:
            row.error("名称", "名称が空です", "title (名称) is empty")
        images = self._images(fields.get("画像ファイル", ""), row)
        rights = _rights(fields.get("利用条件", ""), self.default_rights, row)
        direction = _direction(fields.get("表示方向", ""), row)
        _coordinate("緯度", fields.get("緯度", ""), 90, row)
        _coordinate("経度", fields.get("経度", ""), 180, row)
        date = _date(fields.get("年代", ""), row)
        if row.failed or item_id is None:
            return None, row.problems
        item = Item(item_id, fields["名称"], number, fields, extra, images, rights, direction, date)
        return item, row.problems

    def example(self, number: int, cells: list[str]) -> tuple[bool, list[Problem]]:
        """Whether the row is an example or a note, never published: its ID starts with
        ``#`` (the examples ``kura init`` writes), or it is one of the examples earlier
        versions of ``kura init`` wrote without the ``#`` (then with a warning)."""
        raw = cells[self.id_index] if self.id_index < len(cells) else ""
        text = unicodedata.normalize("NFKC", drop_invisible(raw)).strip()
        if text.startswith(COMMENT_MARK):
            return True, []
        title_at = next(i for i, column in self.layout.known.items() if column == "名称")
        title = clean(cells[title_at]) if title_at < len(cells) else ""
        if (text, title) not in OLD_TEMPLATE_ROWS:
            return False, []
        row = RowProblems(self.file, number)
        row.warn(
            "ID",
            f"「{text}」は kura init の記入例の行なので取り込みません。行を消してください（公開"
            "済みなら kura withdraw で取り下げられます）",
            f"{text!r} is an example row written by kura init: not ingested; delete the row "
            "(if it was published, kura withdraw takes it down)",
        )
        return True, row.problems

    def _check_duplicate(self, item_id: str, row: RowProblems) -> None:
        first = self.ids.setdefault(item_id.casefold(), row.number)
        if first != row.number:
            row.error(
                "ID",
                f"ID「{item_id}」は {first}行目と重複しています（大文字・小文字は区別しません）",
                f"ID {item_id!r} duplicates row {first} (IDs are compared ignoring case)",
            )

    def _images(self, cell: str, row: RowProblems) -> list[Path]:
        if not cell:
            return []
        images, issues = resolve_images(cell, self.scans_dir)
        for issue in issues:
            row.add(issue.level, "画像ファイル", issue.message_ja, issue.message_en)
        return images


def display_name(path: Path, config: Config) -> str:
    """The sheet's name in messages: relative to the archive root when inside it."""
    try:
        return Path(path).resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path)


def read_sheet(path: Path, config: Config) -> SheetResult:
    """Read and validate the sheet. Raises SheetError only if it cannot be read at all."""
    file = display_name(path, config)
    headers, header_row, rows, problems = _read_rows(Path(path), file, config.limits)
    layout = _layout(headers, file, header_row)
    warnings = _layout_warnings(layout, headers, rows, file, header_row)
    result = SheetResult([], [*problems, *warnings], file, header_row)
    checker = _Checker(file, config, layout)
    for number, cells in rows:
        skip, problems = checker.example(number, cells)
        if not skip:
            item, problems = checker.check(number, cells)
            if item is not None:
                result.items.append(item)
            else:
                found = next((p.item_id for p in problems if p.item_id), None)
                result.failed.append((number, found))
        else:
            result.skipped.append(number)
        result.problems.extend(problems)
    return result
