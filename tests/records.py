"""Item records shaped as ingest writes them (``records/{id}.json``, metadata and pages), for
search tests and the search bench: one builder for every hand-made corpus."""

from __future__ import annotations

from archive.era import era_range


def split_cell(text: str) -> list[str]:
    """A ``;``-separated cell (キーワード, 文化財分類) as its parts."""
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def record_of(fields: dict[str, str], pages: int = 0, row: int | None = None) -> dict:
    """The record of one sheet row given as its cells (``ID`` and ``名称`` required)."""
    date_text = fields.get("年代", "")
    span = era_range(date_text) if date_text else None
    record = {
        "kura_record": 1,
        "id": fields["ID"],
        "title": fields["名称"],
        "fields": dict(fields),
        "extra": {},
        "rights": "",
        "viewing_direction": "",
        "date": {
            "text": date_text,
            "start": span.start if span else None,
            "end": span.end if span else None,
        }
        if date_text
        else None,
        "keywords": split_cell(fields.get("キーワード", "")),
        "designations": split_cell(fields.get("文化財分類", "")),
        "pages": [{"image": f"p{i}"} for i in range(pages)],
        "files": [],
    }
    if row is not None:
        record["row"] = row
    return record
