"""The archive's nouns: an item read from the sheet, a problem found while reading it,
a Gregorian year range, and the record kept for every ingested item (:class:`Record`, with its
pages, scan files and withdrawal; stored by :mod:`archive.record`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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


# --- the record -------------------------------------------------------------------------
#
# ``records/{id}.json`` as ingest writes it. ``Record.from_json`` and ``Record.to_json`` are
# exact inverses for every record Kura wrote (same keys, same order, same values), so reading
# and writing a record back changes no byte, no fingerprint and no fixity hash.

THUMBNAIL_MIN = 200  # long side of the smallest listed size good enough for a thumbnail

_TYPE_NAMES = {
    str: ("文字列", "a string"),
    int: ("整数", "an integer"),
    dict: ("オブジェクト", "an object"),
    list: ("リスト", "a list"),
    type(None): ("null", "null"),
}


class RecordFormatError(ValueError):
    """A record whose JSON does not have the shape Kura writes: ``where`` names the key
    (``pages[0].width``), ``types`` what it should have held."""

    def __init__(self, where: str, types: tuple[type, ...]) -> None:
        self.where = where
        self.expected_ja = "または".join(_TYPE_NAMES[t][0] for t in types)
        self.expected_en = " or ".join(_TYPE_NAMES[t][1] for t in types)
        super().__init__(f"{where}: not {self.expected_en}")


def _is(value: Any, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # JSON true/false is no number
        return False
    return isinstance(value, types)


_MISSING: Any = object()


def _take(
    data: Mapping[str, Any], key: str, types: tuple[type, ...], where: str, default: Any = _MISSING
) -> Any:
    """``data[key]`` when it is one of ``types``; ``default`` when the key is absent."""
    if key not in data:
        if default is _MISSING:
            raise RecordFormatError(f"{where}{key}", types)
        return default
    value = data[key]
    if not _is(value, types):
        raise RecordFormatError(f"{where}{key}", types)
    return value


def _texts(data: Mapping[str, Any], key: str, where: str) -> dict[str, str]:
    """A ``{column: text}`` object (``fields``, ``extra``)."""
    found = _take(data, key, (dict,), where, {})
    for name, value in found.items():
        if not isinstance(value, str):
            raise RecordFormatError(f"{where}{key}.{name}", (str,))
    return found


def _strings(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    found = _take(data, key, (list,), where, [])
    for n, value in enumerate(found):
        if not isinstance(value, str):
            raise RecordFormatError(f"{where}{key}[{n}]", (str,))
    return tuple(found)


@dataclass(frozen=True)
class DateText:
    """The sheet's 年代 as written, and the Gregorian years it means (None when Kura could
    not read it); ``{"text", "start", "end"}`` in the record."""

    text: str
    years: YearRange | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "date") -> DateText:
        if not isinstance(data, dict):
            raise RecordFormatError(where, (dict, type(None)))
        text = _take(data, "text", (str,), f"{where}.")
        start = _take(data, "start", (int, type(None)), f"{where}.", None)
        end = _take(data, "end", (int, type(None)), f"{where}.", None)
        if (start is None) != (end is None):
            raise RecordFormatError(f"{where}.{'end' if end is None else 'start'}", (int,))
        return cls(text, None if start is None else YearRange(start, end))

    def to_json(self) -> dict[str, Any]:
        years = self.years
        return {
            "text": self.text,
            "start": years.start if years else None,
            "end": years.end if years else None,
        }


@dataclass(frozen=True)
class Page:
    """One page (one image service) of an item: its place, the scan and frame it comes
    from, its pixel size and the whole-image sizes its level-0 tree has."""

    page: int
    image: str  # the image service's folder name, a digest of the page's source
    file: str  # the scan, relative to the project
    frame: int
    width: int
    height: int
    sizes: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_json(cls, data: Any, where: str) -> Page:
        if not isinstance(data, dict):
            raise RecordFormatError(where, (dict,))
        at = f"{where}."
        sizes = []
        for n, size in enumerate(_take(data, "sizes", (list,), at)):
            if not (
                isinstance(size, list) and len(size) == 2 and all(_is(v, (int,)) for v in size)
            ):
                raise RecordFormatError(f"{at}sizes[{n}]", (list,))
            sizes.append((size[0], size[1]))
        return cls(
            page=_take(data, "page", (int,), at),
            image=_take(data, "image", (str,), at),
            file=_take(data, "file", (str,), at),
            frame=_take(data, "frame", (int,), at),
            width=_take(data, "width", (int,), at),
            height=_take(data, "height", (int,), at),
            sizes=tuple(sizes),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "image": self.image,
            "file": self.file,
            "frame": self.frame,
            "width": self.width,
            "height": self.height,
            "sizes": [list(s) for s in self.sizes],
        }

    # the one thumbnail rule: only listed sizes and full/max exist on a level-0 server

    def listed_sizes(self) -> list[tuple[int, int]]:
        """The whole-image sizes the page's level-0 service has, smallest first."""
        return sorted(self.sizes, key=lambda s: s[0] * s[1])

    def size_segment(self, size: tuple[int, int]) -> str:
        """The Image API size of ``size`` as it exists on a level-0 server: ``w,h`` for a
        listed size, ``max`` for the whole image (and for a size that is not listed)."""
        size = (size[0], size[1])
        if size == (self.width, self.height) or size not in self.sizes:
            return "max"
        return f"{size[0]},{size[1]}"

    def thumbnail_size(self) -> tuple[int, int]:
        """The smallest listed size whose long side reaches THUMBNAIL_MIN (else the
        largest, else the whole image)."""
        sizes = self.listed_sizes()
        for w, h in sizes:
            if max(w, h) >= THUMBNAIL_MIN:
                return w, h
        return sizes[-1] if sizes else (self.width, self.height)

    def largest_size(self) -> tuple[int, int]:
        """The largest listed size (the whole image when none is listed)."""
        sizes = self.listed_sizes()
        return sizes[-1] if sizes else (self.width, self.height)


@dataclass(frozen=True)
class ScanFile:
    """One scan file of an item as ingest last read it."""

    path: str  # relative to the project, e.g. "scans/a.tif"
    sha256: str
    size: int
    mtime_ns: int
    pages: int
    master: str | None = None  # the kept master's store key

    @classmethod
    def from_json(cls, data: Any, where: str) -> ScanFile:
        if not isinstance(data, dict):
            raise RecordFormatError(where, (dict,))
        at = f"{where}."
        return cls(
            path=_take(data, "path", (str,), at),
            sha256=_take(data, "sha256", (str,), at),
            size=_take(data, "size", (int,), at),
            mtime_ns=_take(data, "mtime_ns", (int,), at),
            pages=_take(data, "pages", (int,), at),
            master=_take(data, "master", (str, type(None)), at),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "pages": self.pages,
            "master": self.master,
        }


@dataclass(frozen=True)
class Withdrawal:
    """``kura withdraw`` took the item out of public view (see :mod:`archive.withdrawals`)."""

    at: str
    reason: str = ""
    by: str = ""

    @classmethod
    def from_json(cls, data: Any, where: str = "withdrawn") -> Withdrawal:
        if not isinstance(data, dict):
            raise RecordFormatError(where, (dict,))
        at = f"{where}."
        return cls(
            at=_take(data, "at", (str,), at, ""),
            reason=_take(data, "reason", (str,), at, ""),
            by=_take(data, "by", (str,), at, ""),
        )

    def to_json(self) -> dict[str, str]:
        return {"at": self.at, "reason": self.reason, "by": self.by}


@dataclass(frozen=True)
class IngestStamp:
    """When, by which Kura, on which host and from which sheet the record was written."""

    at: str
    kura: str
    host: str
    sheet: str

    @classmethod
    def from_json(cls, data: Any, where: str = "ingest") -> IngestStamp:
        if not isinstance(data, dict):
            raise RecordFormatError(where, (dict,))
        at = f"{where}."
        return cls(*(_take(data, k, (str,), at, "") for k in ("at", "kura", "host", "sheet")))

    def to_json(self) -> dict[str, str]:
        return {"at": self.at, "kura": self.kura, "host": self.host, "sheet": self.sheet}


# the keys of a record as ingest writes them, in order; ``row`` (before record version 2)
# and ``withdrawn`` come where they were read, or last
RECORD_KEYS = (
    "kura_record",
    "id",
    "title",
    "fields",
    "extra",
    "rights",
    "viewing_direction",
    "date",
    "keywords",
    "designations",
    "files",
    "pages",
    "image_settings",
    "fingerprint",
    "ingest",
)
# what the fingerprint covers of the record itself (besides files, pages and settings)
METADATA_KEYS = RECORD_KEYS[1:10]


@dataclass(frozen=True)
class Record:
    """An ingested item: its metadata from the sheet, its scan files and pages, how and when
    it was ingested, and whether it is withdrawn. Attributes are named as the JSON keys."""

    id: str
    title: str = ""
    fields: Mapping[str, str] = field(default_factory=dict)  # every column, verbatim
    extra: Mapping[str, str] = field(default_factory=dict)  # columns Kura does not know
    rights: str = ""  # a rights URI
    viewing_direction: str = "left-to-right"
    date: DateText | None = None  # 年代, with its years
    keywords: tuple[str, ...] = ()
    designations: tuple[str, ...] = ()
    files: tuple[ScanFile, ...] = ()
    pages: tuple[Page, ...] = ()
    image_settings: Mapping[str, Any] = field(default_factory=dict)  # what the tiles hang on
    fingerprint: str = ""
    ingest: IngestStamp | None = None
    kura_record: int | None = None  # the record format's version
    row: int | None = None  # the sheet row, kept by versions before record version 2
    withdrawn: Withdrawal | None = None
    other: Mapping[str, Any] = field(default_factory=dict)  # keys of other versions, as read
    # the keys as they were read, in order (written back in the same order)
    layout: tuple[str, ...] = field(default=RECORD_KEYS, compare=False, repr=False)

    # --- what consumers ask -------------------------------------------------------------

    def get(self, column: str) -> str:
        """A column of the sheet as written ("" when empty or absent). Not the record's own
        keys: ``record.get("pages")`` (a dict-era habit) raises instead of giving ""."""
        if column in _ENCODE:
            raise AttributeError(f"Record.get({column!r}): use record.{column}")
        return self.fields.get(column, "")

    @property
    def published(self) -> bool:
        """Not withdrawn (see :func:`archive.record.is_published`)."""
        return self.withdrawn is None

    @property
    def years(self) -> YearRange | None:
        """The Gregorian years of 年代, when Kura could read it."""
        return self.date.years if self.date else None

    def page(self, image: str) -> Page | None:
        """The page whose image service is named ``image``."""
        return next((p for p in self.pages if p.image == image), None)

    def page_number(self, number: int) -> Page | None:
        """The page numbered ``number`` (1 is the first)."""
        return next((p for p in self.pages if p.page == number), None)

    def thumbnail(self) -> tuple[Page, tuple[int, int], str] | None:
        """The item's thumbnail: its first page, the size and that size's Image API segment
        (the one rule for the manifests, the pages and the open data); None without pages."""
        if not self.pages:
            return None
        first = self.pages[0]
        size = first.thumbnail_size()
        return first, size, first.size_segment(size)

    # --- JSON ---------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """The record of a parsed ``records/{id}.json``. Keys absent from records of older
        versions take their defaults; a value of the wrong type raises RecordFormatError
        naming its key."""
        if not isinstance(data, dict):
            raise RecordFormatError("(record)", (dict,))
        date = data.get("date")
        withdrawn = data.get("withdrawn")
        ingest = data.get("ingest")
        return cls(
            id=_take(data, "id", (str,), ""),
            title=_take(data, "title", (str,), "", ""),
            fields=_texts(data, "fields", ""),
            extra=_texts(data, "extra", ""),
            rights=_take(data, "rights", (str,), "", ""),
            viewing_direction=_take(data, "viewing_direction", (str,), "", "left-to-right"),
            date=None if date is None else DateText.from_json(date),
            keywords=_strings(data, "keywords", ""),
            designations=_strings(data, "designations", ""),
            files=tuple(
                ScanFile.from_json(f, f"files[{n}]")
                for n, f in enumerate(_take(data, "files", (list,), "", []))
            ),
            pages=tuple(
                Page.from_json(p, f"pages[{n}]")
                for n, p in enumerate(_take(data, "pages", (list,), "", []))
            ),
            image_settings=_take(data, "image_settings", (dict,), "", {}),
            fingerprint=_take(data, "fingerprint", (str,), "", ""),
            ingest=None if "ingest" not in data else IngestStamp.from_json(ingest),
            kura_record=_take(data, "kura_record", (int,), "", None),
            row=_take(data, "row", (int,), "", None),
            withdrawn=None if "withdrawn" not in data else Withdrawal.from_json(withdrawn),
            other={k: v for k, v in data.items() if k not in _ENCODE},
            layout=tuple(data),
        )

    def to_json(self) -> dict[str, Any]:
        """The record as ``records/{id}.json`` holds it: the keys in the order they were
        read (a new record's: ``RECORD_KEYS``), then any set since."""
        out: dict[str, Any] = {}
        for key in self.layout:
            if key in _ENCODE:
                value = getattr(self, key)
                if value is not None or key == "date":
                    out[key] = _ENCODE[key](value)
            elif key in self.other:
                out[key] = self.other[key]
        for key in _ENCODE:
            if key not in self.layout and getattr(self, key) != getattr(_BLANK, key):
                out[key] = _ENCODE[key](getattr(self, key))
        for key, value in self.other.items():
            out.setdefault(key, value)
        return out

    def metadata_json(self) -> dict[str, Any]:
        """The metadata part of the JSON (what the fingerprint covers besides the files,
        pages and manifest settings)."""
        return {key: _ENCODE[key](getattr(self, key)) for key in METADATA_KEYS}


def _none_or(encode: Any) -> Any:
    return lambda value: None if value is None else encode(value)


_ENCODE: dict[str, Any] = {
    "kura_record": lambda v: v,
    "id": lambda v: v,
    "title": lambda v: v,
    "fields": dict,
    "extra": dict,
    "rights": lambda v: v,
    "viewing_direction": lambda v: v,
    "date": _none_or(DateText.to_json),
    "keywords": list,
    "designations": list,
    "files": lambda v: [f.to_json() for f in v],
    "pages": lambda v: [p.to_json() for p in v],
    "image_settings": dict,
    "fingerprint": lambda v: v,
    "ingest": _none_or(IngestStamp.to_json),
    "row": lambda v: v,
    "withdrawn": _none_or(Withdrawal.to_json),
}
_BLANK = Record(id="")
