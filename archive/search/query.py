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
- Latin letters: English words (stemmed, and the JMdict glosses of the records' words),
  romaji of the readings (a prefix of it, Hepburn and Kunrei alike: ``sayama``,
  ``sinmati``, ``Musashimurayama``; several Latin words also joined into one), and the
  literal word;
- a word people use for what the records call otherwise (のうぐ → 農具, see
  :mod:`archive.search.thesaurus`): that word too, with a lower weight.

Kana is matched in the readings in order (all its overlapping trigrams), so a short reading
cannot match through scattered pairs; kanji words are matched by their bigrams in any order.

When the query finds nothing, :func:`relaxed` gives the next try: the content words of each
word (Sudachi's parts of speech: 祭礼帳 → 祭礼 + 帳, a sentence → its nouns and verbs) all
required, each also by its reading and by a near spelling of it (one edit); then
:func:`most_words`: most of those words, ranked by how many match.

Nothing of Whoosh's query syntax is read: ``AND``, ``*``, ``:`` or ``(`` are plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from math import ceil

from whoosh import query as Q
from whoosh.analysis import StemmingAnalyzer

from archive.era import THIS_YEAR, era_range
from archive.model import YearRange
from archive.search.analysis import (
    grams,
    is_japanese,
    kana_only,
    long_vowels_spelt,
    loose_kana,
    normalize,
    query_trigrams,
    to_hiragana,
)
from archive.search.dates import DateQuery
from archive.search.readings import fold_romaji, morphemes, reading
from archive.search.thesaurus import Thesaurus

MAX_CHARS = 200
MAX_WORDS = 12
_MIXED_READING_MAX = 12  # longer mixed words skip the reading path (it is slow and vague)

_QUOTES = re.compile(r'"([^"]*)"|「([^」]*)」|“([^”]*)”|『([^』]*)』')
_SPACE = re.compile(r"[\s\u3000]+")
_YEAR = re.compile(r"(?:西暦)?([0-9]{3,4})年?")
_ENGLISH = StemmingAnalyzer()

__all__ = [
    "MAX_CHARS",
    "MAX_WORDS",
    "Fuzzy",
    "ParsedQuery",
    "build",
    "content_words",
    "loosened",
    "most_words",
    "parse",
    "relaxed",
    "why_of",
    "word_query",
]

Fuzzy = Callable[..., list[str]]
"""(field, folded text) → indexed terms (prefixes) one edit away from it."""


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


def labelled(q: Q.Query | None, why: str) -> Q.Query | None:
    """``q`` marked with what a match of it means (shown as a hit's ``why``)."""
    if q is not None:
        q.why = why  # type: ignore[attr-defined]
    return q


def why_of(q: Q.Query) -> str | None:
    return getattr(q, "why", None)


def _gram_query(fieldname: str, text: str, *, exact: bool = False) -> Q.Query | None:
    """``text`` (normalised) as its bigrams in ``fieldname``: all of them (a word), or all
    of them in order (``exact``: a quoted phrase, a substring match).

    A word is not checked for order: reading positions is what made a common word slow on
    a large index, and a document holding every bigram of a kanji word but not the word is
    rare. Kana's pairs are everywhere: in the readings it is matched by trigrams instead
    (:func:`_spoken_query`).
    """
    terms = [(term, pos) for term, pos, _, _ in grams(text, index=False)]
    if not terms:
        return None
    if len(terms) == 1:
        term = terms[0][0]
        if len(term) == 1 and is_japanese(term) and not kana_only(term):
            # one kanji: alone, or starting a bigram (a kana would start thousands: の)
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


def _latin(word: str) -> str | None:
    """``word`` as plain ASCII when it is Latin letters or digits (Tōkyō → tokyo), else None."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return plain if plain.isascii() else None


def _spoken_query(fieldname: str, spoken: str) -> Q.Query | None:
    """Kana in a reading field: all its trigrams (they overlap, so its characters stand in
    order, and no positions are read); one character also starts a longer run."""
    terms = query_trigrams(spoken)
    if not terms:
        return None
    return (
        Q.Term(fieldname, terms[0])
        if len(terms) == 1
        else Q.And([Q.Term(fieldname, t) for t in terms])
    )


def _reading_query(spoken: str, *, body: bool = True) -> Q.Query | None:
    """Kana (normalised) against the readings: in order, strictly and loosely spelled."""
    options = [labelled(_spoken_query("reading", spoken), "reading")]
    if len(loose := loose_kana(spoken)) >= 3:  # shorter, it matches too much (たわー → たわ)
        options.append(labelled(_spoken_query("reading_loose", loose), "reading"))
    if body:
        options.append(labelled(_spoken_query("reading_body", spoken), "reading_body"))
    options = [o for o in options if o is not None]
    return Q.Or(options) if options else None


def _latin_query(word: str, *, items: bool = True) -> Q.Query:
    """A Latin word: literally, as English (stemmed) and as romaji; for items (``items``)
    also the JMdict glosses and the romaji of the other text (fields only items have)."""
    options: list[Q.Query] = [Q.Term("title", word), Q.Term("body", word)]
    stems = [t.text for t in _ENGLISH(word)]
    options += [labelled(Q.Term("english", t), "english") for t in stems]
    if items:
        options += [labelled(Q.Term("gloss", t), f"gloss:{word}") for t in stems]
    folded = fold_romaji(word)
    if len(folded) >= 3:
        options.append(labelled(Q.Prefix("romaji", folded), "romaji"))
        if items:
            options.append(labelled(Q.Prefix("romaji_body", folded), "romaji_body"))
    elif folded:
        options.append(labelled(Q.Term("romaji", folded), "romaji"))
    return Q.Or(options)


def _script_runs(word: str) -> list[str]:
    return [m.group() for m in re.finditer(r"[\u3041-\u309f\u30fc]+|[^\u3041-\u309f\u30fc]+", word)]


def _thesaurus_query(text: str, thesaurus: Thesaurus | None) -> Q.Query | None:
    """The records' words for what was typed (のうぐ → 農具), at a lower weight."""
    if thesaurus is None:
        return None
    options = []
    for target in thesaurus.lookup(text):
        q = _text_query(normalize(target))
        if q is not None:
            options.append(labelled(Q.Or([q], boost=0.5), f"thesaurus:{target}"))
    return Q.Or(options) if options else None


def word_query(word: str, thesaurus: Thesaurus | None = None) -> Q.Query | None:
    """The query for one normalised word (see the module docstring)."""
    options: list[Q.Query] = []
    span = _date_span(word)
    if span is not None:
        options.append(labelled(DateQuery(span, word), "date"))
    latin = _latin(word)
    if latin is not None:
        if not latin.isdigit():
            options.append(_latin_query(latin))
        elif (text := _text_query(latin)) is not None:
            options.append(text)
    else:
        # kana of three or more: the readings (trigrams, in order) hold the titles' and texts'
        # kana too; its bigrams in the text match anywhere, and cost most at 100,000 records
        text = None if kana_only(word) and len(word) >= 3 else _text_query(word)
        if text is not None:
            options.append(text)
        options.append(Q.Term("words", word, boost=2.0))
        if parts := compound_parts(word):  # 祭礼帳 for 鎮守祭礼入用帳
            # a one-character ending (帳) as the end of a run, never every bigram it starts
            split = [
                _text_query(p) if len(p) > 1 else Q.Or([Q.Term("title", p), Q.Term("body", p)])
                for p in parts
            ]
            options.append(labelled(Q.And([p for p in split if p is not None], boost=0.7), "split"))
        if kana_only(word):
            if (r := _reading_query(word)) is not None:
                options.append(r)
            spelt = long_vowels_spelt(word)  # じょーもん → じょうもん
            if spelt != word and (r := _reading_query(spelt)) is not None:
                options.append(r)
        elif re.search(r"[\u3041-\u309f]", word) and len(word) <= _MIXED_READING_MAX:
            spoken = normalize(to_hiragana(reading(word)))
            if spoken != word and (r := _reading_query(spoken, body=False)) is not None:
                options.append(r)
            parts = [_run_query(run) for run in _script_runs(word)]
            if all(parts) and len(parts) > 1:
                options.append(Q.And(parts))
    if (t := _thesaurus_query(word, thesaurus)) is not None:
        options.append(t)
    return Q.Or(options) if options else None


def _run_query(run: str) -> Q.Query | None:
    parts = [_text_query(run)]
    if kana_only(run):
        parts.append(_spoken_query("reading", run))
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


def _all_latin(words: list[str]) -> bool:
    return len(words) > 1 and all((w := _latin(x)) is not None and not w.isdigit() for x in words)


def build(parsed: ParsedQuery, thesaurus: Thesaurus | None = None) -> Q.Query:
    """AND of the words and phrases; ``Q.NullQuery`` when one of them can match nothing.

    A query of several Latin words also matches them joined as one romaji word (``sin
    mati`` = ``sinmati``), and a whole query people use for a records' word (``farming
    tools``, ``むかしの あそび``) also matches that word.
    """
    words = [normalize(w) for w in parsed.words]
    # each word marked, so the trace tells which words find something alone (did you mean)
    parts = [labelled(word_query(w, thesaurus), f"word:{i}") for i, w in enumerate(words)]
    parts += [phrase_query(normalize(p)) for p in parsed.phrases]
    alternatives: list[Q.Query] = []
    if len(words) > 1 and not parsed.phrases:
        if _all_latin(words):
            joined = fold_romaji("".join(words))
            alternatives.append(labelled(Q.Prefix("romaji", joined, boost=2.0), "romaji"))
            alternatives.append(labelled(Q.Prefix("romaji_body", joined), "romaji_body"))
        if (t := _thesaurus_query(" ".join(words), thesaurus)) is not None:
            alternatives.append(t)
    if any(p is None for p in parts):
        strict: Q.Query = Q.NullQuery
    elif not parts:
        return Q.Every()
    else:
        strict = parts[0] if len(parts) == 1 else Q.And(parts)
    if not alternatives:
        return strict
    return Q.Or([q for q in (strict, *alternatives) if q is not Q.NullQuery])


# -- when nothing is found -----------------------------------------------------------------

FILLER = {
    # what a question is made of, not what it is about
    "こと", "もの", "ところ", "どこ", "なに", "何", "いつ", "誰", "だれ", "どれ", "どう",
    "どんな", "ため", "よう", "とき", "時", "ほう", "方", "辺り", "中", "たち", "達",
    "資料", "情報", "関係", "内容", "様子", "について", "関する", "付く", "見る", "見せる",
    "見える", "知る", "教える", "探す", "調べる", "有る", "ある", "居る", "いる", "為る",
    "する", "成る", "なる", "出来る", "できる", "思う", "言う", "分かる", "下さる", "くださる",
    "欲しい", "ほしい", "良い", "いい", "願う", "お願い", "載る", "読む", "行く", "来る",
    "就く", "つく", "つい", "写る", "写す", "使う", "見つかる", "見付かる", "頃", "ころ", "場所",
    "様", "さま", "さん", "くん", "ちゃん", "昔", "むかし", "古い", "ふるい", "一番", "全部",
    # English
    "old", "ancient", "traditional", "historic", "historical", "local", "japanese", "japan",
    "the", "a", "an", "of", "in", "on", "for", "from", "with", "about", "and", "or", "to",
    "show", "me", "find", "search", "any", "some", "is", "are", "there", "what", "where",
}  # fmt: skip
SUFFIXES = set("帳図書状記誌碑塔像堂門絵跡址寺社宮院家村町")
"""One-character words that stand for a kind of thing at the end of a compound (祭礼帳)."""
_CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "接尾辞")
_FUNCTION_POS = (
    "助詞", "助動詞", "補助記号", "空白", "記号", "連体詞", "接続詞", "感動詞", "代名詞",
    "副詞",
)  # fmt: skip
"""What a query is made with, not about (anything else Sudachi finds is kept: in kana it
often cannot tell what a word is, タワー in たわー)."""
_MAX_CONTENT_WORDS = 8
_NEAR_WHOLE_MAX = 10  # longer words are sentences: their content words are searched instead


def content_words(word: str) -> list[str]:
    """The words a query word is about: Sudachi's nouns, verbs and adjectives, question
    words, requests and "old" left out (昔の駅前の写真を見たい → 駅前, 写真)."""
    if _latin(word) is not None:
        return [w for w in _tokens(word) if w.lower() not in FILLER]
    out = [
        m.surface
        for m in morphemes(word, mode="C")
        if m.pos not in _FUNCTION_POS and m.surface not in FILLER and m.normalized not in FILLER
    ]
    kept = (normalize(w) for w in out if w.strip())
    kept = (w for w in kept if not (len(w) == 1 and kana_only(w)))  # お of おてら, alone
    return list(dict.fromkeys(kept))[:_MAX_CONTENT_WORDS]


def compound_parts(word: str) -> list[str]:
    """A kanji compound's shorter words (Sudachi's short unit), when each is a word of two
    characters or more or a kind-of-thing ending (鎮守祭礼入用帳 → …, 祭礼帳 → 祭礼, 帳);
    [] when it does not split that way."""
    if len(word) < 3 or kana_only(word) or _latin(word) is not None:
        return []
    parts = [m.surface for m in morphemes(word, mode="A")]
    if len(parts) < 2 or not all(len(p) >= 2 or p in SUFFIXES for p in parts):
        return []
    return [normalize(p) for p in parts]


def _near(word: str, fuzzy: Fuzzy | None) -> Q.Query | None:
    """A word by its reading and by a spelling one edit away (誌 for 記 in a title word,
    みのかさ for みのがさ, one wrong letter of romaji), and a kanji word by most of its
    character pairs (指田日紀 → 指田日記), at a lower weight."""
    options: list[Q.Query] = []
    latin = _latin(word)
    if latin is not None:
        folded = fold_romaji(latin)
        if fuzzy is not None and len(folded) >= 6 and not folded.isdigit():
            options += [Q.Prefix("romaji", t) for t in fuzzy("romaji", folded, whole=True)]
            options += [Q.Term("english", t) for t in fuzzy("english", latin, whole=True)]
    else:
        spoken = word if kana_only(word) else normalize(to_hiragana(reading(word)))
        spoken_ok = len(spoken) >= 3 and kana_only(spoken) and spoken != word
        if spoken_ok and (r := _reading_query(spoken)) is not None:
            options.append(r)
        if fuzzy is not None and len(word) >= 4:  # 3 is too near: 獅子座 ~ 獅子舞
            options += [Q.Term("words", t) for t in fuzzy("words", word, whole=True)]
        pairs = [t for t, _, _, _ in grams(word, index=False)]
        if len(pairs) >= 3 and not kana_only(word):
            options.append(
                Q.Or(
                    [Q.Term(f, t) for t in pairs for f in ("title",)],
                    minmatch=ceil(0.6 * len(pairs)),
                )
            )
    if not options:
        return None
    return labelled(Q.Or(options, boost=0.5), f"near:{word}")


def _relaxed_parts(
    parsed: ParsedQuery, thesaurus: Thesaurus | None, fuzzy: Fuzzy | None
) -> list[Q.Query]:
    parts: list[Q.Query] = []
    for raw in parsed.words:
        word = normalize(raw)
        if word in FILLER:  # "old" kimono, "local" festivals
            continue
        rest, known = thesaurus.find_in(word) if thesaurus is not None else (word, [])
        for typed in known:  # people's words inside the query: むかしの【のうぐ】
            q = _thesaurus_query(typed, thesaurus)
            literal = _text_query(typed)
            options = [x for x in (q, literal) if x is not None]
            if options:
                parts.append(Q.Or(options))
        # Sudachi reads the words as typed (タワー, not the folded たわー) where nothing was cut
        pieces = content_words(raw if rest == word else rest) if rest.strip() else []
        if not pieces and not known:
            pieces = [word]
        # the whole word nearly spelt (a typo), not a sentence: its pieces are the query then
        near_whole = pieces != [word] and not known and len(word) <= _NEAR_WHOLE_MAX
        if near_whole and (whole := _near(word, fuzzy)) is not None:
            # the whole word spelt nearly right counts more than its pieces one by one
            whole.boost = 4.0
            parts.append(Q.Or([_and([_loosely(p, thesaurus, fuzzy) for p in pieces]), whole]))
            continue
        parts += [_loosely(p, thesaurus, fuzzy) for p in pieces]
    parts += [q for p in parsed.phrases if (q := phrase_query(normalize(p))) is not None]
    return [p for p in parts if p is not None]


def _and(parts: list[Q.Query | None]) -> Q.Query:
    kept = [p for p in parts if p is not None]
    if not kept:
        return Q.NullQuery
    return kept[0] if len(kept) == 1 else Q.And(kept)


def _loosely(word: str, thesaurus: Thesaurus | None, fuzzy: Fuzzy | None) -> Q.Query | None:
    options = [q for q in (word_query(word, thesaurus), _near(word, fuzzy)) if q is not None]
    if not options:
        return None
    return options[0] if len(options) == 1 else Q.Or(options)


def relaxed(
    parsed: ParsedQuery, thesaurus: Thesaurus | None = None, fuzzy: Fuzzy | None = None
) -> Q.Query | None:
    """The query's content words, each also by reading or a near spelling, all required."""
    parts = _relaxed_parts(parsed, thesaurus, fuzzy)
    return _and(parts) if parts else None


def loosened(
    parsed: ParsedQuery, thesaurus: Thesaurus | None = None, fuzzy: Fuzzy | None = None
) -> list[Q.Query]:
    """:func:`relaxed` then :func:`most_words`, built from the same parts (so an engine
    that remembers nodes evaluates each part once)."""
    parts = _relaxed_parts(parsed, thesaurus, fuzzy)
    if not parts:
        return []
    tries = [_and(parts)]
    if len(parts) >= 3:
        tries.append(Q.Or(parts, minmatch=ceil(0.6 * len(parts))))
    return tries


def most_words(
    parsed: ParsedQuery, thesaurus: Thesaurus | None = None, fuzzy: Fuzzy | None = None
) -> Q.Query | None:
    """Most of the content words (from three words on: three in five, two in three), ranked
    by how many match; None when that would be all of them anyway."""
    parts = _relaxed_parts(parsed, thesaurus, fuzzy)
    if len(parts) < 3:
        return None
    return Q.Or(parts, minmatch=ceil(0.6 * len(parts)))
