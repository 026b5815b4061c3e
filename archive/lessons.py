"""Curated lessons (``lessons/<id>.md``).

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
The text is Markdown (:mod:`archive.lesson_markdown`: sanitised, ``{漢字|かんじ}`` gives a
reading for furigana). Curated collections are read by :mod:`archive.curated`; what both
share (front matter, problems, ids) is in :mod:`archive.curation_files`.
"""

from __future__ import annotations

import re
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
from archive.lesson_markdown import inline_readings, render_markdown
from archive.local_readings import LOCAL_READINGS as CITY_READINGS
from archive.model import Record

RESERVED_IDS = {"manifest", "index"}

# Readings of local names the dictionary gets wrong or does not know (furigana in every
# lesson; a lesson's own ``readings`` win): the city's one table, archive/data/local_readings.toml
LOCAL_READINGS = CITY_READINGS


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
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "steps"}
        return cls(**fields, steps=steps)

    def all_readings(self) -> dict[str, str]:
        return {**LOCAL_READINGS, **self.readings}


# --- reading a lesson file -----------------------------------------------------------------

_FIELD = re.compile(r"^(item|page|region|question|explain|hint|closer)\s*[:：]\s*(.*)$")
_CHOICE = re.compile(r"^\s*[-*]\s+\[( |x|X)\]\s+(.+)$")
_XYWH = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$")


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
    front, body, first = split_front_matter(text, path)
    data, lines = read_front_matter(front, path)
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


def check_lesson(lesson: Lesson, records: dict[str, Record]) -> list[LessonProblem]:
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
    elif lesson.cover and records[lesson.cover].withdrawn and "cover" in lesson.lines:
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
        if record.withdrawn:
            problems.append(withdrawn_problem(path, line, step.item))
            continue
        page = record.page_number(step.page)
        if page is None:
            count = len(record.pages)
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
            if x + w > page.width or y + h > page.height:
                problems.append(
                    LessonProblem(
                        path,
                        step.fields.get(name, line),
                        f"{name} {x},{y},{w},{h} がページ ({page.width}×{page.height}) の外に"
                        f"出ています / {name} is outside the page ({page.width}×{page.height} px)",
                    )
                )
    return problems


def load_lessons(root: Path) -> tuple[list[Lesson], list[LessonProblem]]:
    """Every ``lessons/*.md`` of the project; a file that cannot be read becomes a problem."""
    return read_folder(root, "lessons", ("*.md",), parse_lesson)
