"""Item records shaped as ingest writes them (``records/{id}.json``, metadata and pages), for
search tests and the search bench: one builder for every hand-made corpus."""

from __future__ import annotations

from archive.era import era_range
from archive.model import DateText, Page, Record


def split_cell(text: str) -> list[str]:
    """A ``;``-separated cell (キーワード, 文化財分類) as its parts."""
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def record_of(fields: dict[str, str], pages: int = 0, row: int | None = None) -> Record:
    """The record of one sheet row given as its cells (``ID`` and ``名称`` required), with
    ``pages`` pages of 1000×750 pixels (``record_of(…).to_json()`` is its file)."""
    date_text = fields.get("年代", "")
    item_id = fields["ID"]
    return Record(
        kura_record=1,
        id=item_id,
        title=fields["名称"],
        fields=dict(fields),
        rights="",
        viewing_direction="",
        date=DateText(date_text, era_range(date_text)) if date_text else None,
        keywords=tuple(split_cell(fields.get("キーワード", ""))),
        designations=tuple(split_cell(fields.get("文化財分類", ""))),
        pages=tuple(
            Page(i + 1, f"p{i}", f"scans/{item_id}-{i + 1}.jpg", 0, 1000, 750, ((200, 150),))
            for i in range(pages)
        ),
        row=row,
    )
