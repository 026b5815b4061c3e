"""Curated lessons (``lessons/<id>.md``) and collections (``collections/<id>.toml|md``).

A lesson is a short sequence of views for a class: this scan, zoomed to this detail, with two
lines of text and a question. The file is Markdown with YAML front matter; each ``## `` heading
starts a step, whose first lines are fields (``item:``, ``page:``, ``region:``), then its text
in Markdown, then an optional question with choices and an optional "look closer" hint::

    ---
    title: むかしの道具とくらし
    title_reading: むかしのどうぐとくらし
    grade: 3
    subject: 社会
    audience: kids
    summary: 昔の人が使った道具を、拡大して見てみよう。
    cover: mingu-senbakoki
    readings: {千歯扱き: せんばこき}
    ---

    ## 千歯扱き
    item: mingu-senbakoki
    page: 1
    region: 240,380,1500,700

    鉄の**歯**がならんでいます。

    question: この道具は何に使ったのでしょう？
    - [ ] ごはんをたく
    - [x] 稲の穂からもみを落とす
    explain: 歯の間に稲の穂をはさんで引きました。
    hint: 歯の先を見てみよう。
    closer: 600,400,300,200

Problems are reported as :class:`LessonProblem` with the file and line, so a teacher can fix
them; a lesson with a problem is not published and the others still are.
Markdown is rendered with markdown-it-py (CommonMark, raw HTML off) and then sanitised by nh3
(the Rust ``ammonia`` sanitiser) to a short list of tags, so a lesson file can never put a
script or a style into a page. ``{漢字|かんじ}`` in the text gives a reading for furigana.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from archive import keys
from archive.errors import KuraError
from archive.local_readings import LOCAL_READINGS as CITY_READINGS
from archive.record import withdrawal

__all__ = [
    "AUDIENCES",
    "LOCAL_READINGS",
    "CuratedCollection",
    "Lesson",
    "LessonError",
    "LessonProblem",
    "Question",
    "Step",
    "check_collection",
    "check_lesson",
    "load_collections",
    "load_lessons",
    "parse_collection",
    "parse_lesson",
    "plain_text",
    "render_markdown",
]

LESSON_ID = re.compile(keys.ID_PATTERN)
AUDIENCES = ("kids", "seniors", "all")
RESERVED_IDS = {"manifest", "index"}

# Readings of local names the dictionary gets wrong or does not know (furigana in every
# lesson; a lesson's own ``readings`` win): the city's one table, archive/data/local_readings.toml
LOCAL_READINGS = CITY_READINGS


class LessonError(KuraError):
    """A lesson or collection file cannot be used."""


@dataclass(frozen=True)
class LessonProblem:
    path: str
    line: int
    message: str

    def text(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Question:
    text: str
    choices: list[str] = field(default_factory=list)
    answer: int | None = None  # index into choices; None: an open question
    explain: str = ""
    line: int = 0


@dataclass
class Step:
    title: str
    item: str
    page: int = 1
    region: tuple[int, int, int, int] | None = None
    text: str = ""  # Markdown as written
    html: str = ""  # sanitised HTML
    question: Question | None = None
    hint: str = ""
    closer: tuple[int, int, int, int] | None = None
    line: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # field name → line, for errors


@dataclass
class Lesson:
    id: str
    title: str
    title_reading: str = ""
    title_en: str = ""
    grade: int | None = None
    subject: str = ""
    audience: str = "kids"
    summary: str = ""
    summary_en: str = ""
    cover: str = ""
    readings: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    path: str = ""
    lines: dict[str, int] = field(default_factory=dict)  # front-matter key → line

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("lines")
        for step in data["steps"]:
            step.pop("fields")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lesson:
        steps = []
        for raw in data.get("steps") or []:
            raw = dict(raw)
            q = raw.pop("question", None)
            for key in ("region", "closer"):
                if raw.get(key):
                    raw[key] = tuple(raw[key])
            steps.append(Step(**raw, question=Question(**q) if q else None))
        fields = {k: v for k, v in data.items() if k != "steps"}
        return cls(**fields, steps=steps)

    def all_readings(self) -> dict[str, str]:
        return {**LOCAL_READINGS, **self.readings}


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


# --- Markdown -------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "ul", "ol", "li", "blockquote",
    "h3", "h4", "code", "a", "ruby", "rt", "rp", "hr", "small", "sup", "sub",
}  # fmt: skip
_RUBY = re.compile(r"\{([^{}|\n]+)\|([^{}|\n]+)\}")


@functools.cache
def _markdown():
    from markdown_it import MarkdownIt

    # CommonMark with raw HTML off: "<script>" in a lesson is text, not markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def inline_readings(text: str) -> tuple[str, dict[str, str]]:
    """``{千歯扱き|せんばこき}`` → ``千歯扱き`` and the reading for furigana."""
    found: dict[str, str] = {}

    def keep(match: re.Match) -> str:
        found[match[1].strip()] = match[2].strip()
        return match[1].strip()

    return _RUBY.sub(keep, text), found


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML (links only to http(s), opened safely)."""
    import nh3

    raw = _markdown().render(text)
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def plain_text(text: str) -> str:
    """Markdown as plain text (for IIIF labels, search and read-aloud)."""
    import nh3

    html = render_markdown(inline_readings(text)[0])
    html = re.sub(r"</(p|li|h3|h4|blockquote)>", "\n", html)
    return re.sub(r"\n{2,}", "\n", nh3.clean(html, tags=set())).strip().replace("&amp;", "&")


# --- lessons --------------------------------------------------------------------------------

_FIELD = re.compile(r"^(item|page|region|question|explain|hint|closer)\s*[:：]\s*(.*)$")
_CHOICE = re.compile(r"^\s*[-*]\s+\[( |x|X)\]\s+(.+)$")
_XYWH = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$")


def _split_front_matter(text: str, path: str) -> tuple[str, str, int]:
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


def _front(front: str, path: str) -> tuple[dict[str, Any], dict[str, int]]:
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


def _region(value: str, path: str, line: int, name: str) -> tuple[int, int, int, int]:
    m = _XYWH.match(value)
    if not m or int(m[3]) == 0 or int(m[4]) == 0:
        raise LessonError(
            f"{path}:{line}: {name} は x,y,幅,高さ (ページの画素) で / {name} must be x,y,w,h in "
            f"the page's pixels, w and h above 0, not {value!r}"
        )
    x, y, w, h = (int(v) for v in m.groups())
    return x, y, w, h


def _step(title: str, lines: list[tuple[int, str]], path: str, start: int) -> Step:
    step = Step(title=title.strip(), item="", line=start)
    body: list[str] = []
    question: Question | None = None
    in_fence = False
    for n, raw in lines:
        line = raw.rstrip()
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        m = None if in_fence else _FIELD.match(line)
        if question is not None and not in_fence and (c := _CHOICE.match(line)):
            if c[1].lower() == "x":
                if question.answer is not None:
                    raise LessonError(
                        f"{path}:{n}: 正解 [x] が2つあります / two choices are marked [x]"
                    )
                question.answer = len(question.choices)
            question.choices.append(c[2].strip())
            continue
        if not m:
            if question is not None and line.strip() and not question.choices:
                question.text += "\n" + line.strip()  # a question over several lines
            elif question is None or not line.strip():
                body.append(raw)
            else:
                raise LessonError(
                    f"{path}:{n}: 問題のあとに本文は書けません (本文は問題の前へ) / text after the "
                    "question: put the step's text before 'question:'"
                )
            continue
        name, value = m[1], m[2].strip()
        if name in step.fields:
            raise LessonError(f"{path}:{n}: {name} が2回あります / {name} is given twice")
        step.fields[name] = n
        if name == "item":
            step.item = value
        elif name == "page":
            if not value.isdigit() or int(value) < 1:
                raise LessonError(
                    f"{path}:{n}: page は 1 からの番号で / page must be a number from 1, not {value!r}"
                )
            step.page = int(value)
        elif name == "region":
            step.region = _region(value, path, n, "region")
        elif name == "closer":
            step.closer = _region(value, path, n, "closer")
        elif name == "question":
            question = Question(text=value, line=n)
        elif name == "explain":
            if question is None:
                raise LessonError(
                    f"{path}:{n}: explain は question のあとに / explain needs a question before it"
                )
            question.explain = value
        elif name == "hint":
            step.hint = value
    if not step.item:
        raise LessonError(
            f"{path}:{start}: ステップ「{step.title}」に item: がありません / step has no item:"
        )
    if question is not None:
        if not question.text:
            raise LessonError(
                f"{path}:{question.line}: 問題の文がありません / the question is empty"
            )
        if len(question.choices) == 1:
            raise LessonError(
                f"{path}:{question.line}: 選択肢が1つだけです / a question needs two choices or none"
            )
    step.question = question
    step.text = "\n".join(body).strip()
    return step


def parse_lesson(text: str, path: str | Path, lesson_id: str | None = None) -> Lesson:
    """Read one lesson file's text. Raises LessonError naming the file and line."""
    path = str(path)
    lid = lesson_id or Path(path).stem
    if not LESSON_ID.fullmatch(lid) or lid in RESERVED_IDS:
        raise LessonError(
            f"{path}:1: ファイル名 {lid!r} は使えません (英数字と . _ -) / lesson id {lid!r} "
            "must be letters, digits, '.', '_' or '-'"
        )
    front, body, first = _split_front_matter(text, path)
    data, lines = _front(front, path)
    known = {"title", "title_reading", "reading", "title_en", "grade", "subject", "audience",
             "summary", "summary_en", "cover", "readings"}  # fmt: skip
    for key in data:
        if key not in known:
            raise LessonError(
                f"{path}:{lines.get(key, 2)}: 知らない項目 {key!r} / unknown front matter key "
                f"{key!r} (known: {', '.join(sorted(known))})"
            )
    title = str(data.get("title") or "").strip()
    if not title:
        raise LessonError(f"{path}:2: title がありません / front matter has no title")
    grade = data.get("grade")
    if grade is not None and (not isinstance(grade, int) or not 1 <= grade <= 6):
        raise LessonError(
            f"{path}:{lines.get('grade', 2)}: grade は 1〜6 / grade must be 1 to 6, not {grade!r}"
        )
    audience = str(data.get("audience") or "kids").strip()
    if audience not in AUDIENCES:
        raise LessonError(
            f"{path}:{lines.get('audience', 2)}: audience は {' / '.join(AUDIENCES)} のどれか / "
            f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}"
        )
    readings = data.get("readings") or {}
    if not isinstance(readings, dict):
        raise LessonError(
            f"{path}:{lines.get('readings', 2)}: readings は {{語: よみ}} の形で / readings must be a map word: reading"
        )
    lesson = Lesson(
        id=lid,
        title=title,
        title_reading=str(data.get("title_reading") or data.get("reading") or "").strip(),
        title_en=str(data.get("title_en") or "").strip(),
        grade=grade,
        subject=str(data.get("subject") or "").strip(),
        audience=audience,
        summary=str(data.get("summary") or "").strip(),
        summary_en=str(data.get("summary_en") or "").strip(),
        cover=str(data.get("cover") or "").strip(),
        readings={str(k): str(v) for k, v in readings.items()},
        path=path,
        lines=lines,
    )
    current: tuple[str, int] | None = None
    chunk: list[tuple[int, str]] = []
    in_fence = False
    for n, line in enumerate(body.splitlines(), start=first):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            if current:
                lesson.steps.append(_step(current[0], chunk, path, current[1]))
            current, chunk = (line[3:], n), []
        elif current:
            chunk.append((n, line))
        elif line.strip():
            raise LessonError(
                f"{path}:{n}: 最初のステップの前は「## 見出し」から / text before the first '## ' step heading"
            )
    if current:
        lesson.steps.append(_step(current[0], chunk, path, current[1]))
    if not lesson.steps:
        raise LessonError(
            f"{path}:{first}: ステップ (## 見出し) がありません / the lesson has no '## ' steps"
        )
    for step in lesson.steps:
        step.text, found = inline_readings(step.text)
        lesson.readings = {**found, **lesson.readings}
        step.html = render_markdown(step.text)
        if step.question:
            q = step.question
            q.text, found = inline_readings(q.text)
            lesson.readings = {**found, **lesson.readings}
    if not lesson.cover:
        lesson.cover = lesson.steps[0].item
    return lesson


def _page(record: dict, number: int) -> dict | None:
    for page in record.get("pages") or []:
        if page.get("page") == number:
            return page
    return None


def withdrawn_problem(path: str, line: int, item_id: str) -> LessonProblem:
    """A lesson or collection names an item that ``kura withdraw`` took out of public view."""
    return LessonProblem(
        path,
        line,
        f"資料「{item_id}」は取り下げられています。このファイルから外すか `kura withdraw --undo {item_id}` で"
        f"戻してください / item {item_id!r} is withdrawn: remove it, or restore it with "
        f"`kura withdraw --undo {item_id}`",
    )


def check_lesson(lesson: Lesson, records: dict[str, dict]) -> list[LessonProblem]:
    """What in the lesson does not fit the archive: unknown or withdrawn items, unknown pages,
    regions outside the page. ``records``: every record, withdrawn ones too."""
    problems = []
    path = lesson.path
    if lesson.cover and lesson.cover not in records:
        problems.append(
            LessonProblem(
                path,
                lesson.lines.get("cover", 2),
                f"表紙の資料「{lesson.cover}」はありません / unknown cover item {lesson.cover!r}",
            )
        )
    elif lesson.cover and withdrawal(records[lesson.cover]) and "cover" in lesson.lines:
        problems.append(withdrawn_problem(path, lesson.lines["cover"], lesson.cover))
    for step in lesson.steps:
        record = records.get(step.item)
        line = step.fields.get("item", step.line)
        if record is None:
            problems.append(
                LessonProblem(
                    path, line, f"資料「{step.item}」はありません / unknown item {step.item!r}"
                )
            )
            continue
        if withdrawal(record):
            problems.append(withdrawn_problem(path, line, step.item))
            continue
        page = _page(record, step.page)
        if page is None:
            count = len(record.get("pages") or [])
            problems.append(
                LessonProblem(
                    path,
                    step.fields.get("page", line),
                    f"資料「{step.item}」に {step.page} ページ目はありません ({count} ページ) / item "
                    f"{step.item!r} has no page {step.page} (it has {count})",
                )
            )
            continue
        for name in ("region", "closer"):
            box = getattr(step, name)
            if box is None:
                continue
            x, y, w, h = box
            if x + w > page["width"] or y + h > page["height"]:
                problems.append(
                    LessonProblem(
                        path,
                        step.fields.get(name, line),
                        f"{name} {x},{y},{w},{h} がページ ({page['width']}×{page['height']}) の外に"
                        f"出ています / {name} is outside the page ({page['width']}×{page['height']} px)",
                    )
                )
    return problems


def load_lessons(root: Path) -> tuple[list[Lesson], list[LessonProblem]]:
    """Every ``lessons/*.md`` of the project; a file that cannot be read becomes a problem."""
    lessons, problems = [], []
    folder = Path(root) / "lessons"
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = f"lessons/{path.name}"
        try:
            lessons.append(parse_lesson(path.read_text(encoding="utf-8"), shown))
        except UnicodeDecodeError:
            problems.append(
                LessonProblem(shown, 1, "UTF-8 で保存してください / save the file as UTF-8")
            )
        except LessonError as exc:
            problems.append(_problem(str(exc), shown))
    return lessons, problems


def _problem(message: str, path: str) -> LessonProblem:
    m = re.match(r"^(.*?):(\d+): (.*)$", message, re.S)
    if m and m[1] == path:
        return LessonProblem(path, int(m[2]), m[3])
    return LessonProblem(path, 1, message)


# --- curated collections ------------------------------------------------------------------


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
        front, body, _ = _split_front_matter(text, path)
        data, lines = _front(front, path)
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
    collection: CuratedCollection, records: dict[str, dict]
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
        elif withdrawal(record):
            problems.append(withdrawn_problem(collection.path, line, item_id))
        elif not record.get("pages"):
            problems.append(
                LessonProblem(
                    collection.path,
                    line,
                    f"資料「{item_id}」には画像がありません (IIIF コレクションに入れられません) / item {item_id!r} has no images, so no manifest to list",
                )
            )
    return problems


def load_collections(root: Path) -> tuple[list[CuratedCollection], list[LessonProblem]]:
    found, problems = [], []
    folder = Path(root) / "collections"
    paths = sorted([*folder.glob("*.toml"), *folder.glob("*.md")]) if folder.is_dir() else []
    for path in paths:
        shown = f"collections/{path.name}"
        try:
            found.append(parse_collection(path.read_text(encoding="utf-8"), shown))
        except UnicodeDecodeError:
            problems.append(
                LessonProblem(shown, 1, "UTF-8 で保存してください / save the file as UTF-8")
            )
        except LessonError as exc:
            problems.append(_problem(str(exc), shown))
    return found, problems
