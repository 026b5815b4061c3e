"""The archive's nouns: an item read from the sheet, a problem found while reading it,
a Gregorian year range, and the record kept for every ingested item."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from archive.i18n import current_lang

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class YearRange:
    """An inclusive range of Gregorian years, e.g. 天保5年 → YearRange(1834, 1834)."""

    start: int
    end: int

    def overlaps(self, other: YearRange) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class Problem:
    """Something wrong with one cell, row or file. Errors fail the item; warnings do not."""

    level: Level
    file: str
    message_ja: str
    message_en: str
    row: int | None = None
    column: str | None = None
    item_id: str | None = None

    def line(self, lang: str | None = None) -> str:
        """One line naming the file, row and column, in Japanese or English."""
        lang = lang or current_lang()
        if lang == "en":
            where = self.file
            if self.row is not None:
                where += f" row {self.row}"
            if self.column:
                where += f", column {self.column}"
            return f"{where}: {self.level}: {self.message_en}"
        where = self.file
        if self.row is not None:
            where += f" {self.row}行目"
        if self.column:
            where += f"「{self.column}」列"
        label = "エラー" if self.level == "error" else "警告"
        return f"{where}: {label}: {self.message_ja}"


@dataclass
class Item:
    """One validated row of the metadata sheet.

    ``fields`` holds every column by its canonical (Japanese) header, verbatim; columns the
    sheet has but Kura does not know are kept in ``extra``.
    """

    id: str
    title: str
    row: int
    fields: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)
    images: list[Path] = field(default_factory=list)  # resolved files, page order
    rights: str = ""  # a rights URI
    viewing_direction: str = "left-to-right"
    date: YearRange | None = None

    def get(self, column: str) -> str:
        return self.fields.get(column, "")

    def split(self, column: str) -> list[str]:
        """A ``;``-separated column as a list (full-width ； accepted too)."""
        raw = self.get(column).replace("；", ";")
        return [part.strip() for part in raw.split(";") if part.strip()]
