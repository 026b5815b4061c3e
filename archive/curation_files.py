"""What lessons (``lessons/<id>.md``) and curated collections (``collections/<id>.toml|md``)
share: their ids and audiences, problems named by file and line, YAML front matter read
safely, and reading a folder of them where a file that cannot be read becomes a problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from archive import keys
from archive.errors import KuraError

LESSON_ID = re.compile(keys.ID_PATTERN)
AUDIENCES = ("kids", "seniors", "all")
_Parsed = TypeVar("_Parsed")


class LessonError(KuraError):
    """A lesson or collection file cannot be used."""


@dataclass(frozen=True)
class LessonProblem:
    path: str
    line: int
    message: str

    def text(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def split_front_matter(text: str, path: str) -> tuple[str, str, int]:
    """(front matter, body, line number where the body starts)."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise LessonError(
            f"{path}:1: 先頭に --- で囲んだ見出し情報 (front matter) がありません / "
            "the file must start with front matter between --- lines"
        )
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise LessonError(
        f"{path}:1: front matter の終わりの --- がありません / front matter is not closed with ---"
    )


_YAML_DEPTH = 16  # front matter is flat key: value lines, with a {word: reading} map or two


@functools.cache
def _front_loader() -> type:
    """PyYAML's safe loader without aliases (``*name``: a few hundred bytes of nested
    aliases expand to gigabytes) and with nesting bounded (its composer recurses)."""
    import yaml
    from yaml.composer import ComposerError

    class FrontMatterLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                raise ComposerError(
                    None,
                    None,
                    "エイリアス (*名前) は使えません / aliases (*name) are not accepted",
                    event.start_mark,
                )
            if self.depth >= _YAML_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"入れ子が深すぎます（{_YAML_DEPTH} 段まで） / nested more than "
                    f"{_YAML_DEPTH} levels deep",
                    event.start_mark,
                )
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    return FrontMatterLoader


def read_front_matter(front: str, path: str) -> tuple[dict[str, Any], dict[str, int]]:
    import yaml

    try:
        data = yaml.load(front, Loader=_front_loader()) if front.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise LessonError(
            f"{path}:{line}: front matter を YAML として読めません / front matter is not valid "
            f'YAML: {getattr(exc, "problem", exc)} (値に「: 」や「#」があるときは "…" で囲む / '
            "quote values that contain ': ' or '#')"
        ) from exc
    if not isinstance(data, dict):
        raise LessonError(
            f"{path}:2: front matter は「項目: 値」の形で / front matter must be key: value lines"
        )
    lines = {}
    for n, line in enumerate(front.splitlines(), start=2):
        if m := re.match(r"^([A-Za-z_]+)\s*:", line):
            lines.setdefault(m[1], n)
    return data, lines


def withdrawn_problem(path: str, line: int, item_id: str) -> LessonProblem:
    """A lesson or collection names an item that ``kura withdraw`` took out of public view."""
    return LessonProblem(
        path,
        line,
        f"資料「{item_id}」は取り下げられています。このファイルから外すか `kura withdraw --undo {item_id}` で"
        f"戻してください / item {item_id!r} is withdrawn: remove it, or restore it with "
        f"`kura withdraw --undo {item_id}`",
    )


def read_folder(
    root: Path, folder: str, patterns: tuple[str, ...], parse: Callable[[str, str], _Parsed]
) -> tuple[list[_Parsed], list[LessonProblem]]:
    """Every ``folder/<pattern>`` file of the project through ``parse(text, shown path)``;
    a file that is not UTF-8 or that ``parse`` refuses becomes a problem."""
    found, problems = [], []
    base = Path(root) / folder
    paths = sorted(p for pattern in patterns for p in base.glob(pattern)) if base.is_dir() else []
    for path in paths:
        shown = f"{folder}/{path.name}"
        try:
            found.append(parse(path.read_text(encoding="utf-8"), shown))
        except UnicodeDecodeError:
            problems.append(
                LessonProblem(shown, 1, "UTF-8 で保存してください / save the file as UTF-8")
            )
        except LessonError as exc:
            problems.append(_problem(str(exc), shown))
    return found, problems


def _problem(message: str, path: str) -> LessonProblem:
    m = re.match(r"^(.*?):(\d+): (.*)$", message, re.S)
    if m and m[1] == path:
        return LessonProblem(path, int(m[2]), m[3])
    return LessonProblem(path, 1, message)
