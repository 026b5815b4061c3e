"""From what a person typed to a Whoosh query, without ever raising.

The text is cleaned (control characters out, NFKC, at most :data:`MAX_CHARS` characters and
:data:`MAX_WORDS` words), quoted phrases (``"…"``, ``「…」``, ``“…”``; an unbalanced quote is
ignored) are taken out, and the rest is split on spaces. Every word must match (AND); a word
matches when any of its readings does:

- Japanese text: as a substring of the title or body (character bigrams, in order);
  kana also against the readings, and a short kana/kanji mix (むさし村山) through its
  own reading and script by script;
- a year (``1834``, ``１８３４``, ``1834年``), an era or period (``天保``, ``明治``,
  ``江戸時代``) or any 年代 form: records whose year range overlaps it, or the literal text;
- Latin letters: English words (stemmed), romaji of the readings (a prefix of it:
  ``sayama``, ``Musashimurayama``), and the literal word.

Nothing of Whoosh's query syntax is read: ``AND``, ``*``, ``:`` or ``(`` are plain text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as Q
from whoosh.analysis import StemmingAnalyzer

from archive.era import THIS_YEAR, era_range
from archive.model import YearRange
from archive.search.analysis import grams, is_japanese, kana_only, normalize, to_hiragana
from archive.search.readings import reading, romaji

MAX_CHARS = 200
MAX_WORDS = 12
_MIXED_READING_MAX = 12  # longer mixed words skip the reading path (it is slow and vague)

_QUOTES = re.compile(r'"([^"]*)"|「([^」]*)」|“([^”]*)”|『([^』]*)』')
_SPACE = re.compile(r"[\s\u3000]+")
_YEAR = re.compile(r"(?:西暦)?([0-9]{3,4})年?")
_ENGLISH = StemmingAnalyzer()

__all__ = ["MAX_CHARS", "MAX_WORDS", "ParsedQuery", "parse", "word_query"]


@dataclass
class ParsedQuery:
    """The words and phrases of a query, normalised; ``needles`` are what highlights mark."""

    words: list[str] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases

    @property
    def needles(self) -> list[str]:
        out = []
        for text in (*self.words, *self.phrases):
            out += [run for run in re.split(r"\s+", text) if run]
        return out

    def text(self) -> str:
        return " ".join([*self.words, *(f'"{p}"' for p in self.phrases)])


def clean(text: object) -> str:
    """Printable NFKC text of at most MAX_CHARS characters (anything else → '')."""
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 4])
    text = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    return text[:MAX_CHARS].strip()


def parse(text: object) -> ParsedQuery:
    """Words and quoted phrases of ``text``; syntax characters between words are spaces."""
    text = clean(text)
    phrases = []
    for m in _QUOTES.finditer(text):
        phrase = next(g for g in m.groups() if g is not None)
        phrase = " ".join(_tokens(phrase))
        if phrase:
            phrases.append(phrase)
    rest = _QUOTES.sub(" ", text)
    words = list(dict.fromkeys(_tokens(rest)))
    budget = MAX_WORDS - len(phrases)
    return ParsedQuery(words[: max(budget, 0)], phrases[:MAX_WORDS])


def _tokens(text: str) -> list[str]:
    """Words of ``text``: letters, digits and Japanese; anything else separates them."""
    text = re.sub(r"[^\w\u3005\u3006\u303b\u3041-\u30ff]|_", " ", text)
    return [w for w in _SPACE.split(text) if w]


# -- building ---------------------------------------------------------------------------


def _gram_query(fieldname: str, text: str, *, exact: bool = False) -> Q.Query | None:
    """``text`` (normalised) as its bigrams in ``fieldname``: all of them (a word), or all
    of them in order (``exact``, a quoted phrase: a substring match).

    A word is not checked for order: reading positions is what made a common word slow on
    a large index, and a document holding every bigram of a word but not the word is rare.
    """
    terms = [(term, pos) for term, pos, _, _ in grams(text, index=False)]
    if not terms:
        return None
    if len(terms) == 1:
        term = terms[0][0]
        if len(term) == 1 and is_japanese(term):  # one kanji: alone, or starting a bigram
            return Q.Or([Q.Term(fieldname, term), Q.Prefix(fieldname, term)])
        return Q.Term(fieldname, term)
    words = list(dict.fromkeys(t for t, _ in terms))
    if exact:
        return Q.Phrase(fieldname, [t for t, _ in terms])
    return (
        Q.And([Q.Term(fieldname, t) for t in words])
        if len(words) > 1
        else Q.Term(fieldname, words[0])
    )


def _text_query(
    text: str, fields: tuple[str, ...] = ("title", "body"), *, exact: bool = False
) -> Q.Query | None:
    parts = [q for f in fields if (q := _gram_query(f, text, exact=exact)) is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.Or(parts)


def overlap_query(span: YearRange) -> Q.Query:
    """Records whose year range overlaps ``span``."""
    return Q.And([Q.NumericRange("start", None, span.end), Q.NumericRange("end", span.start, None)])


def _date_span(word: str) -> YearRange | None:
    if kana_only(word):
        return None
    m = _YEAR.fullmatch(word)
    if m:
        year = int(m.group(1))
        return YearRange(year, year) if 100 <= year <= THIS_YEAR else None
    if word.isdigit() or word.isascii():
        return None
    return era_range(word)


def _latin_query(word: str) -> Q.Query:
    options: list[Q.Query] = [Q.Term("title", word), Q.Term("body", word)]
    options += [Q.Term("english", t.text) for t in _ENGLISH(word)]
    folded = romaji(word)
    if len(folded) >= 3:
        options.append(Q.Prefix("romaji", folded))
    elif folded:
        options.append(Q.Term("romaji", folded))
    return Q.Or(options)


def _script_runs(word: str) -> list[str]:
    return [m.group() for m in re.finditer(r"[\u3041-\u309f\u30fc]+|[^\u3041-\u309f\u30fc]+", word)]


def word_query(word: str) -> Q.Query | None:
    """The query for one normalised word (see the module docstring)."""
    options: list[Q.Query] = []
    span = _date_span(word)
    if span is not None:
        options.append(overlap_query(span))
    if word.isascii():
        if not word.isdigit():
            options.append(_latin_query(word))
        elif (text := _text_query(word)) is not None:
            options.append(text)
        return Q.Or(options) if options else None
    text = _text_query(word)
    if text is not None:
        options.append(text)
    options.append(Q.Term("words", word, boost=2.0))
    if kana_only(word):
        if (r := _gram_query("reading", word)) is not None:
            options.append(r)
    elif re.search(r"[\u3041-\u309f]", word) and len(word) <= _MIXED_READING_MAX:
        spoken = normalize(to_hiragana(reading(word)))
        if spoken != word and (r := _gram_query("reading", spoken)) is not None:
            options.append(r)
        parts = [_run_query(run) for run in _script_runs(word)]
        if all(parts) and len(parts) > 1:
            options.append(Q.And(parts))
    return Q.Or(options) if options else None


def _run_query(run: str) -> Q.Query | None:
    parts = [_text_query(run)]
    if kana_only(run):
        parts.append(_gram_query("reading", run))
    parts = [p for p in parts if p is not None]
    return Q.Or(parts) if parts else None


def phrase_query(phrase: str) -> Q.Query | None:
    """A quoted phrase: its words next to each other, in the text or in English."""
    options = []
    text = _text_query(phrase, exact=True)
    if text is not None:
        options.append(text)
    english = [t.text for t in _ENGLISH(phrase)]
    if len(english) > 1:
        options.append(Q.Phrase("english", english))
    elif english:
        options.append(Q.Term("english", english[0]))
    return Q.Or(options) if options else None


def build(parsed: ParsedQuery) -> Q.Query:
    """AND of the words and phrases; ``Q.NullQuery`` when one of them can match nothing."""
    parts = [word_query(normalize(w)) for w in parsed.words]
    parts += [phrase_query(normalize(p)) for p in parsed.phrases]
    if any(p is None for p in parts):
        return Q.NullQuery
    if not parts:
        return Q.Every()
    return parts[0] if len(parts) == 1 else Q.And(parts)
