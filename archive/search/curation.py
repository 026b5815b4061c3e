"""Lessons and curated collections in search: a small index of their own, beside the items'.

A search for 千歯扱き should show the lesson 「むかしの道具とくらし」 as well as the item, but a
lesson is not an item: it must not change the item count, the facets or the item pages. So
lessons and collections are documents of a kind (``lesson``, ``collection``) in a second,
small Whoosh index beside the items' (``index-curation/``), analysed with the same chain as the items (the same
normalisation, bigrams, readings, romaji and English stemming) and queried with the same
parser; :func:`archive.search.search` returns their matches beside the items, as
``lessons`` and ``collections`` (each hit names the step or the collection item that matched).

What is indexed:

| field | lesson | collection |
| --- | --- | --- |
| ``title`` | title and its reading | title and its reading |
| ``body`` | summary, and every step's title, text, question, choices, hint and explanation | description, the curator's notes and the items' titles |
| ``reading`` | the reading of the title and of every word with kanji in the text (Sudachi's, and the lesson's ``readings``), each marked at its start | the same over the collection's texts |
| ``romaji``, ``english``, ``words`` | as for items (title, readings; ``title_en``/``summary_en``) | same |

A lesson's text is long beside an item's title, so words are matched in order (a phrase
over the bigrams), not as a bag of bigrams: ``とうみ`` must find 唐箕 (とうみ), not a text
that happens to hold とう in one word and うみ in another; and a kana word matches the start
of a reading (とう finds 唐箕, うみ does not). The index is rebuilt whole (it is
small) each time ``kura ingest``/``kura index`` compiles the lessons, and swapped in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from archive.model import Record
from archive.search import query as kq
from archive.search.analysis import GramTokenizer, kana_only, normalize
from archive.search.highlight import mark, spans
from archive.search.readings import morphemes, reading, romaji, romaji_words

__all__ = [
    "CURATION_DIR",
    "CurationHit",
    "collection_document",
    "curation_query",
    "lesson_document",
    "search_curation",
    "write_curation_index",
]

CURATION_DIR = "curation"
INDEX_NAME = "curation"
MARKER = "kura-curation.json"
SCHEMA_VERSION = 1
MAX_HITS = 20
_KANJI = re.compile(r"[\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_GLOSSARY_SPAN = 3  # words with kanji up to three morphemes long (武蔵 村山 市)
WORD_START = "ゝ"
"""Put before every reading in the ``reading`` field, and before a kana query there: a kana
query matches the start of a word's reading (とうみ, とう → 唐箕), not its middle (うみ is
not 唐箕's). A Japanese character (so it joins the run) that nobody types alone."""


def build_schema() -> Schema:
    grams = GramTokenizer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        kind=ID(stored=True),
        title=TEXT(analyzer=grams, field_boost=3.0, phrase=True),
        body=TEXT(analyzer=grams, phrase=True),
        reading=TEXT(analyzer=grams, field_boost=2.0, phrase=True),
        romaji=KEYWORD(lowercase=True, scorable=True, field_boost=2.0),
        english=TEXT(analyzer=StemmingAnalyzer(), phrase=True),
        words=KEYWORD(scorable=True, field_boost=2.0),
        # never filled but for sort_date (undated): the engine's per-document year arrays
        start=NUMERIC(int, bits=32, signed=True, sortable=True),
        end=NUMERIC(int, bits=32, signed=True, sortable=True),
        sort_date=NUMERIC(int, bits=32, signed=True, sortable=True),
        display=STORED,
    )


# -- documents ---------------------------------------------------------------------------


def glossary(texts: list[str], readings: dict[str, str] | None = None) -> list[list[str]]:
    """[surface, reading] of every word with kanji in ``texts`` (one to three of Sudachi's
    morphemes, each with kanji), and of the given ``readings`` found in them (the lesson's
    own and the local ones win: 千歯扱き is せんばこき, not Sudachi's せんばしごき)."""
    found: dict[tuple[str, str], None] = {}
    whole = "\n".join(texts)
    for word, spoken in (readings or {}).items():
        if word and word in whole and spoken:
            found[(word, normalize(spoken))] = None
    for text in texts:
        for line in text.splitlines():
            ms = [m for m in morphemes(line) if m.surface.strip()]
            for i in range(len(ms)):
                for j in range(i + 1, min(i + _GLOSSARY_SPAN, len(ms)) + 1):
                    part = ms[i:j]
                    if not all(_KANJI.search(m.surface) for m in part):
                        break
                    surface = "".join(m.surface for m in part)
                    spoken = normalize("".join(m.reading for m in part))
                    if spoken != normalize(surface):
                        found[(surface, spoken)] = None
    return [list(pair) for pair in found]


def _romaji(*texts: str) -> str:
    out: list[str] = []
    for text in texts:
        if text:
            out += romaji_words(text)
    return " ".join(dict.fromkeys(w for w in out if w))


def _words(title: str, title_reading: str) -> str:
    words = {m.normalized for m in morphemes(title)} | {m.reading for m in morphemes(title)}
    if title_reading:
        words.add(title_reading)
    return " ".join(dict.fromkeys(normalize(w) for w in words if w.strip()))


def _document(
    *,
    kind: str,
    ident: str,
    title: str,
    title_reading: str,
    title_en: str,
    summary: str,
    summary_en: str,
    parts: list[list],
    extra_readings: dict[str, str],
    display: dict,
) -> dict:
    texts = [title, summary, *(f"{p[1]}\n{p[2]}" for p in parts)]
    words = glossary(texts, extra_readings)
    readings = [title_reading, reading(title), *(spoken for _, spoken in words)]
    readings = list(dict.fromkeys(normalize(r) for r in readings if r))
    doc = {
        "id": f"{kind}/{ident}",
        "kind": kind,
        "title": " ".join(filter(None, (title, title_reading))),
        "body": "\n".join([summary, *(f"{p[1]}\n{p[2]}" for p in parts)]),
        "reading": "\n".join(WORD_START + r for r in readings),
        "romaji": " ".join(
            dict.fromkeys([*_romaji(title, title_reading).split(), *(romaji(r) for r in readings)])
        ),
        "english": "\n".join(filter(None, (title_en, summary_en))),
        "words": _words(title, title_reading),
        "sort_date": 2**31 - 1,
        "display": {
            "kind": kind,
            "id": ident,
            "title": title,
            "title_en": title_en,
            "summary": summary,
            "parts": parts,
            "glossary": words,
            **display,
        },
    }
    return {k: v for k, v in doc.items() if v != ""}


def lesson_document(lesson) -> dict:
    """The index document of a :class:`archive.lessons.Lesson`; its parts are the steps
    ``[n, title, plain text with question, choices, hint and explanation]``."""
    from archive.lesson_markdown import plain_text

    parts = []
    for n, step in enumerate(lesson.steps, start=1):
        text = [plain_text(step.text)]
        if step.question:
            q = step.question
            text += [q.text, *q.choices, q.explain]
        text.append(step.hint)
        parts.append([n, step.title, "\n".join(t for t in text if t)])
    return _document(
        kind="lesson",
        ident=lesson.id,
        title=lesson.title,
        title_reading=lesson.title_reading,
        title_en=lesson.title_en,
        summary=lesson.summary,
        summary_en=lesson.summary_en,
        parts=parts,
        extra_readings=lesson.all_readings(),
        display={"grade": lesson.grade, "audience": lesson.audience, "subject": lesson.subject},
    )


def collection_document(collection, records: dict[str, Record] | None = None) -> dict:
    """The index document of a :class:`archive.curated.CuratedCollection`; its parts are
    the items ``[item id, item title, curator's note]``."""
    from archive.lessons import LOCAL_READINGS

    parts = []
    for item_id, note in collection.items:
        record = (records or {}).get(item_id)
        parts.append([item_id, (record.title if record else "") or item_id, note])
    return _document(
        kind="collection",
        ident=collection.id,
        title=collection.title,
        title_reading=collection.title_reading,
        title_en=collection.title_en,
        summary=collection.description,
        summary_en=collection.description_en,
        parts=parts,
        extra_readings=dict(LOCAL_READINGS),
        display={"audience": collection.audience},
    )


# -- the index ---------------------------------------------------------------------------


def curation_dir(index_folder: Path) -> Path:
    """The curation index beside the items' (``index/`` → ``index-curation/``): a rebuild
    of the items' index swaps its folder whole and leaves this one alone."""
    index_folder = Path(index_folder)
    return index_folder.with_name(f"{index_folder.name}-{CURATION_DIR}")


def write_curation_index(index_folder: Path, documents: list[dict]) -> Path:
    """Write ``documents`` as the curation index under ``index_folder`` (the items' index
    folder), built beside the old one and swapped in whole."""
    from archive.search.indexer import recover

    final = curation_dir(index_folder)
    final.parent.mkdir(parents=True, exist_ok=True)
    recover(final, _is_current)  # what a killed run left
    temp = final.with_name(f".{final.name}.new-{os.getpid()}-{threading.get_ident()}")
    old = final.with_name(f".{final.name}.old-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(temp, ignore_errors=True)
    try:
        temp.mkdir()
        ix = whoosh_index.create_in(str(temp), build_schema(), indexname=INDEX_NAME)
        writer = ix.writer()
        try:
            for doc in documents:
                writer.add_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        (temp / MARKER).write_text(
            json.dumps({"version": SCHEMA_VERSION, "documents": len(documents)}),
            encoding="utf-8",
        )
        if final.exists():
            final.rename(old)
        temp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return final


def _is_current(path: Path) -> bool:
    try:
        marker = json.loads((path / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("version") == SCHEMA_VERSION


# -- searching ---------------------------------------------------------------------------


@dataclass
class CurationHit:
    """A lesson or collection that matched; ``part`` is the step (lesson, from 1) or the
    item (collection) whose text matched, if one did."""

    kind: str
    id: str
    title: str
    score: float
    highlights: dict[str, str]
    title_en: str = ""
    audience: str = ""
    grade: int | None = None
    step: int | None = None
    step_title: str = ""
    item: str = ""
    item_title: str = ""

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _word_query(word: str) -> Q.Query | None:
    """As :func:`archive.search.query.word_query`, with Japanese matched in order."""
    if word.isascii():
        if not word.isdigit():
            return kq._latin_query(word, items=False)
        return kq._text_query(word, exact=True)
    options: list[Q.Query] = []
    if (text := kq._text_query(word, exact=True)) is not None:
        options.append(text)
    options.append(Q.Term("words", word, boost=2.0))
    spoken = word if kana_only(word) else None
    if spoken is None and re.search(r"[\u3041-\u309f]", word) and len(word) <= 12:
        spoken = normalize(reading(word))
    if spoken and (r := kq._gram_query("reading", WORD_START + spoken, exact=True)) is not None:
        options.append(r)
    return Q.Or(options)


def curation_query(parsed: kq.ParsedQuery) -> Q.Query:
    """Every word and phrase of ``parsed`` (AND), each in order; years and eras are words.
    A lone kana (の, ほ) is left out: in a lesson's prose it would match everywhere."""
    words = [normalize(w) for w in parsed.words]
    words = [w for w in words if not (len(w) == 1 and kana_only(w))]
    if not words and not parsed.phrases:
        return Q.NullQuery
    parts = [_word_query(w) for w in words]
    parts += [kq.phrase_query(normalize(p)) for p in parsed.phrases]
    if not parts or any(p is None for p in parts):
        return Q.NullQuery
    return parts[0] if len(parts) == 1 else Q.And(parts)


def _needles(parsed: kq.ParsedQuery, words: list[list[str]]) -> list[str]:
    """What to mark: the query's words, and the words whose reading (or its romaji) starts
    with a kana (or Latin) word of the query (とうみ, toumi mark 唐箕)."""
    needles = [n for n in parsed.needles if not (len(n) == 1 and kana_only(normalize(n)))]
    kana = [normalize(n) for n in needles if kana_only(normalize(n)) and len(n) >= 2]
    latin = [romaji(n) for n in needles if n.isascii() and len(romaji(n)) >= 3]
    for surface, spoken in words:
        if any(spoken.startswith(k) for k in kana) or any(
            romaji(spoken).startswith(x) for x in latin
        ):
            needles.append(surface)
    return needles


def _hit(display: dict, score: float, parsed: kq.ParsedQuery) -> CurationHit:
    needles = _needles(parsed, display.get("glossary") or [])
    title = str(display.get("title", ""))
    hit = CurationHit(
        kind=str(display.get("kind", "")),
        id=str(display.get("id", "")),
        title=title,
        score=round(float(score), 4),
        highlights={"title": mark(title, needles)},
        title_en=str(display.get("title_en", "")),
        audience=str(display.get("audience", "")),
        grade=display.get("grade"),
    )
    for key, part_title, text in display.get("parts") or []:
        if spans(str(part_title), needles) or spans(str(text), needles):
            if hit.kind == "lesson":
                hit.step, hit.step_title = int(key), str(part_title)
            else:
                hit.item, hit.item_title = str(key), str(part_title)
            hit.highlights["part_title"] = mark(str(part_title), needles)
            hit.highlights["summary"] = mark(str(text), needles, snippet=True)
            break
    else:
        if display.get("summary"):
            hit.highlights["summary"] = mark(str(display["summary"]), needles, snippet=True)
    return hit


class CurationIndex:
    """The curation index under one items' index folder; reopened when it is swapped."""

    def __init__(self, index_folder: Path) -> None:
        self.path = curation_dir(index_folder)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._searcher = None
        self._arrays = None

    def _marker_stamp(self, path: Path) -> tuple[int, int] | None:
        try:
            st = (path / MARKER).stat()
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _current(self):
        from archive.search.engine import IndexArrays
        from archive.search.indexer import readable

        with self._lock:
            path = readable(self.path, _is_current)  # the old one while a swap was cut short
            stamp = self._marker_stamp(path)
            if stamp != self._stamp:
                if self._searcher is not None:
                    self._searcher.close()
                self._searcher = self._arrays = None
                self._stamp = stamp
                if stamp is not None and _is_current(path):
                    try:
                        ix = whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
                        if ix.doc_count():  # no lessons nor collections: nothing to open
                            self._searcher = ix.searcher()
                            self._arrays = IndexArrays(self._searcher)
                    except (OSError, ValueError, whoosh_index.IndexError):
                        self._searcher = self._arrays = None
            return self._searcher, self._arrays

    def search(self, parsed: kq.ParsedQuery) -> dict[str, list[CurationHit]]:
        """The matching lessons and collections, best first (at most MAX_HITS each)."""
        out: dict[str, list[CurationHit]] = {"lessons": [], "collections": []}
        if parsed.empty:
            return out
        searcher, arrays = self._current()
        if searcher is None:
            return out
        mask, scores = arrays.evaluate(curation_query(parsed))
        matched = np.flatnonzero(mask)
        order = np.lexsort((arrays.id_rank[matched], -scores[matched]))
        for docnum in matched[order]:
            stored = searcher.stored_fields(int(docnum))
            kind = "lessons" if stored.get("kind") == "lesson" else "collections"
            if len(out[kind]) < MAX_HITS:
                out[kind].append(_hit(stored.get("display") or {}, scores[docnum], parsed))
        return out

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = self._arrays = None
            self._stamp = None


_OPEN: dict[Path, CurationIndex] = {}
_OPEN_LOCK = threading.Lock()


def search_curation(index_folder: Path, parsed: kq.ParsedQuery) -> dict[str, list[CurationHit]]:
    """Lessons and collections matching ``parsed`` in the curation index of ``index_folder``
    (none when there is no curation index)."""
    path = Path(index_folder).resolve()
    with _OPEN_LOCK:
        found = _OPEN.get(path)
        if found is None:
            found = _OPEN[path] = CurationIndex(path)
    return found.search(parsed)


@dataclass
class CurationStats:
    lessons: int = 0
    collections: int = 0
    path: Path | None = None
    ids: list[str] = field(default_factory=list)


def index_curation(
    index_folder: Path, lessons: list, collections: list, records: dict[str, Record]
) -> CurationStats:
    """Index ``lessons`` and ``collections`` (the published ones) under ``index_folder``."""
    docs = [lesson_document(x) for x in lessons]
    docs += [collection_document(c, records) for c in collections]
    path = write_curation_index(index_folder, docs)
    return CurationStats(len(lessons), len(collections), path, [d["id"] for d in docs])


__all__ += ["CurationIndex", "CurationStats", "index_curation"]
