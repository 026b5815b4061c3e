"""Curated collections (``collections/<id>.toml|md``): a title, an audience, a description
and a list of items with the curator's notes, published as IIIF collections."""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive.curation_files import (
    AUDIENCES,
    LESSON_ID,
    LessonError,
    LessonProblem,
    read_folder,
    read_front_matter,
    split_front_matter,
    withdrawn_problem,
)
from archive.model import Record


@dataclass
class CuratedCollection:
    id: str
    title: str
    title_en: str = ""
    title_reading: str = ""
    audience: str = "all"
    description: str = ""
    description_en: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)  # (item id, curator's note)
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The compiled collection as stored (``state/collections/{id}.json``)."""
        data = asdict(self)
        data.pop("lines")
        data["items"] = [list(pair) for pair in self.items]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CuratedCollection:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["items"] = [(str(i), str(note)) for i, note in data.get("items") or []]
        return cls(**fields)


def parse_collection(text: str, path: str | Path) -> CuratedCollection:
    """A curated collection: TOML (``title``, ``audience``, ``description``, ``[[items]]`` with
    ``id`` and ``note``) or Markdown with the same keys as YAML front matter and the
    description as the body."""
    path = str(path)
    cid = Path(path).stem
    if not LESSON_ID.fullmatch(cid) or cid == "top":
        raise LessonError(
            f"{path}:1: ファイル名 {cid!r} は使えません / collection id {cid!r} is not allowed"
        )
    lines: dict[str, int] = {}
    if path.endswith(".toml"):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = re.search(r"line (\d+)", str(exc))
            raise LessonError(
                f"{path}:{line[1] if line else 1}: TOML として読めません / not valid TOML: {exc}"
            ) from exc
        for n, line_text in enumerate(text.splitlines(), start=1):
            if m := re.match(r"^\s*([A-Za-z_]+)\s*=", line_text):
                lines.setdefault(m[1], n)
            if re.match(r"^\s*id\s*=", line_text):
                lines[f"item{sum(1 for k in lines if k.startswith('item'))}"] = n
        description = str(data.get("description") or "")
    else:
        front, body, _ = split_front_matter(text, path)
        data, lines = read_front_matter(front, path)
        description = str(data.get("description") or body)
        for n, line_text in enumerate(front.splitlines(), start=2):
            if re.match(r"^\s*-\s*", line_text):
                lines[f"item{sum(1 for k in lines if k.startswith('item'))}"] = n
    title = str(data.get("title") or "").strip()
    if not title:
        raise LessonError(f"{path}:1: title がありません / the collection has no title")
    audience = str(data.get("audience") or "all")
    if audience not in AUDIENCES:
        raise LessonError(
            f"{path}:{lines.get('audience', 1)}: audience は {' / '.join(AUDIENCES)} のどれか / audience must be one of {', '.join(AUDIENCES)}"
        )
    items = []
    for raw in data.get("items") or []:
        if isinstance(raw, str):
            items.append((raw.strip(), ""))
        elif isinstance(raw, dict) and raw.get("id"):
            items.append((str(raw["id"]).strip(), str(raw.get("note") or "").strip()))
        else:
            raise LessonError(
                f"{path}:{lines.get('items', 1)}: items の各項目には id を / every item needs an id"
            )
    if not items:
        raise LessonError(f"{path}:1: items がありません / the collection lists no items")
    return CuratedCollection(
        id=cid,
        title=title,
        title_en=str(data.get("title_en") or "").strip(),
        title_reading=str(data.get("title_reading") or "").strip(),
        audience=audience,
        description=description.strip(),
        description_en=str(data.get("description_en") or "").strip(),
        items=items,
        path=path,
        lines=lines,
    )


def check_collection(
    collection: CuratedCollection, records: dict[str, Record]
) -> list[LessonProblem]:
    problems = []
    for i, (item_id, _) in enumerate(collection.items):
        record = records.get(item_id)
        line = collection.lines.get(f"item{i}", 1)
        if record is None:
            problems.append(
                LessonProblem(
                    collection.path,
                    line,
                    f"資料「{item_id}」はありません / unknown item {item_id!r}",
                )
            )
        elif record.withdrawn:
            problems.append(withdrawn_problem(collection.path, line, item_id))
        elif not record.pages:
            problems.append(
                LessonProblem(
                    collection.path,
                    line,
                    f"資料「{item_id}」には画像がありません (IIIF コレクションに入れられません) / item {item_id!r} has no images, so no manifest to list",
                )
            )
    return problems


def load_collections(root: Path) -> tuple[list[CuratedCollection], list[LessonProblem]]:
    """Every ``collections/*.toml`` and ``*.md`` of the project; a file that cannot be read
    becomes a problem."""
    return read_folder(root, "collections", ("*.toml", "*.md"), parse_collection)
