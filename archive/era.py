"""年代 (date) cells of a cultural-property sheet → inclusive Gregorian year ranges.

``era_range`` reads what people actually type into the 年代 column and returns a
:class:`~archive.model.YearRange`, or ``None`` when the cell cannot be read (the caller turns
``None`` into a warning; nothing here ever raises on a string). ``era_span`` looks up a bare
era or period name, and ``ERAS`` / ``PERIODS`` are the tables behind both, for search.

Input is normalised first: NFKC (full-width digits and letters, half-width kana, ㍻),
old or variant kanji (寬→寛, 應→応, 曆→暦, 德→徳, 萬→万, 祿→禄, 龜→亀, 壽→寿 …),
and all whitespace removed. Then, in order of preference:

- Japanese era years: ``天保5年``, ``天保元年``, ``天保十五年``, ``寛政一〇年``, ``天保五甲午年`` or
  ``安政二卯年`` (the sexagenary sign must fit the year), with an optional month/day
  (``文久3年閏5月``, ``明治5年12月3日``, ``5月吉日``, ``春``), ``年度`` (a fiscal year, two
  calendar years), ``S30`` / ``H元年`` style initials for 明治–令和, and ``同`` for the
  era just named (``天保5年～同8年``). A year beyond its era's last year is invalid.
- Bare eras and periods: ``天保``, ``天保年間``, ``江戸時代``, ``江戸期``, ``縄文``, ``近世``.
- Gregorian: ``1970``, ``1970年``, ``西暦1834年``, ``1834年5月3日``, ``1834-05-03``, ``紀元前300年``;
  decades ``1970年代`` (``1800年代`` before 2000 reads as the hundred years 1800–1899, as it
  does in Japanese usage); era decades ``昭和30年代`` (clipped to the era); centuries
  ``19世紀`` (1801–1900), ``紀元前3世紀``.
- Parts of any of those: 前半/後半 are halves; 初期/前期/早期 the first third, 中期/中頃/中葉
  the middle third, 後期/晩期 the last third; 初頭/初年/初め the first sixth and 末/末期/末葉
  the last sixth. The cut years belong to both neighbouring parts. 縄文, 弥生 and 古墳
  use their conventional sub-period dates instead (縄文時代中期 = 3000–2000 BCE).
- Ranges joined by ～ 〜 ~ - － — ー or ``から…まで``, where the end may lean on the start
  (``天保5年～8年``, ``明治5年3月～6月``, ``1830-43``, ``1960～70年代``, ``19～20世紀``,
  ``江戸時代中期～後期``); lists joined by 、 , ; ・ give the smallest range covering all.
- Noise around a date is ignored: 頃/ころ/ごろ/か/カ/? after it, 約/推定/伝/c. before it,
  brackets around it (catalogues bracket inferred dates) and a trailing parenthetical
  (``天保5年（1834）``, used only when the main part cannot be read).

Years before the common era are negative (500 BCE = -500; there is no year 0 in the sources
these come from, so no shift is made). An era year is mapped to the conventional Gregorian
year of Japanese history tables: the year in which that lunar year began. Eras proclaimed
late in a lunar year count from that year (天保 was proclaimed in January 1831 but
天保元年 = 1830), and a change year belongs to both eras. Dates inside the year are not
converted, so 天保14年12月 is 1843 even though that month fell in early 1844.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from importlib import resources
from math import ceil, floor
from typing import NamedTuple

from archive.model import YearRange

__all__ = ["ERAS", "PERIODS", "THIS_YEAR", "Era", "era_range", "era_span"]

THIS_YEAR = max(date.today().year, 2019)
"""The latest year a date may name; also the last year of 令和 and of 現代."""

_MAX_LEN = 200  # longer cells are not dates (a real one is rarely over 40 characters)


@dataclass(frozen=True)
class Era:
    """One 元号: its name, the Gregorian year of its 元年, and its last year.

    ``end`` is the year the next era began (the change year counts for both). ``court`` is
    ``"南朝"`` or ``"北朝"`` for the eras of one court only during the 南北朝 split.
    """

    name: str
    start: int
    end: int
    court: str = ""

    @property
    def span(self) -> YearRange:
        return YearRange(self.start, self.end)

    def year(self, n: int) -> int | None:
        """The Gregorian year of year ``n`` of this era (1 = 元年), or None outside it."""
        year = self.start + n - 1
        return year if n >= 1 and year <= self.end else None


def _load_eras(table: str) -> tuple[Era, ...]:
    """The eras of ``archive/data/eras.txt``: name, first year (元年), last year ("-": still
    in use) and the court during the 南北朝 split; lines starting with # are notes."""
    eras = []
    for line in table.strip().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, start, end, *court = line.split()
        last = THIS_YEAR if end == "-" else int(end)
        eras.append(Era(name, int(start), last, court[0] if court else ""))
    return tuple(eras)


ERAS: tuple[Era, ...] = _load_eras(
    (resources.files("archive") / "data" / "eras.txt").read_text(encoding="utf-8")
)
"""Every era from 大化 (645) to 令和, both courts included, in order of their 元年."""

_ERA_BY_NAME = {era.name: era for era in ERAS}

PERIODS: dict[str, YearRange] = {
    "旧石器": YearRange(-38000, -14000),  # the oldest secure Japanese sites
    "縄文": YearRange(-14000, -300),
    "弥生": YearRange(-300, 250),
    "古墳": YearRange(250, 592),
    "飛鳥": YearRange(592, 710),
    "白鳳": YearRange(645, 710),  # art history
    "奈良": YearRange(710, 794),
    "平安": YearRange(794, 1185),
    "鎌倉": YearRange(1185, 1333),
    "南北朝": YearRange(1336, 1392),
    "室町": YearRange(1336, 1573),
    "戦国": YearRange(1467, 1573),
    "安土桃山": YearRange(1573, 1603),
    "江戸": YearRange(1603, 1868),
    "幕末": YearRange(1853, 1868),  # Perry's arrival to the Restoration
    **{name: _ERA_BY_NAME[name].span for name in ("明治", "大正", "昭和", "平成", "令和")},
    "原始": YearRange(-38000, 250),  # 旧石器–弥生
    "古代": YearRange(250, 1185),  # 古墳–平安
    "中世": YearRange(1185, 1573),  # 鎌倉–室町
    "近世": YearRange(1573, 1868),  # 安土桃山–江戸
    "近代": YearRange(1868, 1945),  # the Restoration to the end of the war
    "現代": YearRange(1945, THIS_YEAR),
}
"""Historical periods by name, without the 時代 suffix (conventional textbook dates)."""

_PERIOD_ALIASES = {"先土器": "旧石器", "桃山": "安土桃山", "織豊": "安土桃山", "徳川": "江戸"}

# Conventional sub-period dates where archaeology names its own (縄文 in the common
# "約5000〜4000年前" textbook reckoning); any other part of a period is a fraction of it.
_SUBPERIODS: dict[str, dict[str, YearRange]] = {
    "縄文": {
        "草創期": YearRange(-14000, -7000),
        "早期": YearRange(-7000, -4000),
        "前期": YearRange(-4000, -3000),
        "中期": YearRange(-3000, -2000),
        "後期": YearRange(-2000, -1000),
        "晩期": YearRange(-1000, -300),
        "末期": YearRange(-1000, -300),
    },
    "弥生": {
        "前期": YearRange(-300, -100),
        "中期": YearRange(-100, 100),
        "後期": YearRange(100, 250),
    },
    "古墳": {
        "前期": YearRange(250, 400),
        "中期": YearRange(400, 500),
        "後期": YearRange(500, 592),
        "終末期": YearRange(592, 710),
    },
}

_THIRD, _SIXTH, _HALF = Fraction(1, 3), Fraction(1, 6), Fraction(1, 2)
_PARTS: dict[str, tuple[Fraction, Fraction]] = {
    "初頭": (Fraction(0), _SIXTH),
    "初年": (Fraction(0), _SIXTH),
    "初め": (Fraction(0), _SIXTH),
    "はじめ": (Fraction(0), _SIXTH),
    "初期": (Fraction(0), _THIRD),
    "前期": (Fraction(0), _THIRD),
    "早期": (Fraction(0), _THIRD),
    "中期": (_THIRD, 2 * _THIRD),
    "中頃": (_THIRD, 2 * _THIRD),
    "中葉": (_THIRD, 2 * _THIRD),
    "半ば": (_THIRD, 2 * _THIRD),
    "後期": (2 * _THIRD, Fraction(1)),
    "晩期": (2 * _THIRD, Fraction(1)),
    "末": (1 - _SIXTH, Fraction(1)),
    "末期": (1 - _SIXTH, Fraction(1)),
    "末葉": (1 - _SIXTH, Fraction(1)),
    "終末期": (1 - _SIXTH, Fraction(1)),
    "終わり": (1 - _SIXTH, Fraction(1)),
    "終り": (1 - _SIXTH, Fraction(1)),
    "前半": (Fraction(0), _HALF),
    "後半": (_HALF, Fraction(1)),
}
_PART_NAMES = sorted(  # longest first: 終末期 before 末期 before 末
    set(_PARTS).union(*_SUBPERIODS.values()), key=len, reverse=True
)

# --- normalisation ---------------------------------------------------------------------

_VARIANTS = str.maketrans(
    {
        "應": "応", "曆": "暦", "歷": "暦", "歴": "暦", "德": "徳", "寬": "寛", "萬": "万",
        "祿": "禄", "龜": "亀", "靈": "霊", "壽": "寿", "齊": "斉", "觀": "観", "寶": "宝",
        "寳": "宝", "國": "国", "戰": "戦", "彌": "弥", "繩": "縄", "戶": "戸", "鐮": "鎌",
        "舊": "旧", "壹": "一", "壱": "一", "貳": "二", "弐": "二", "參": "三", "参": "三",
        "拾": "十", "佰": "百", "阡": "千", "仟": "千",
        "【": "(", "】": ")", "〔": "(", "〕": ")", "「": "(", "」": ")", "『": "(",
        "』": ")", "〈": "(", "〉": ")", "《": "(", "》": ")", "[": "(", "]": ")",
    }
)  # fmt: skip


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_VARIANTS).lower()
    s = re.sub(r"\s+", "", s).replace("安土・桃山", "安土桃山")
    s = re.sub(r"(?:から|より)(.+?)(?:まで|迄)$", r"~\1", s)
    return s.replace("から", "~").replace("より", "~")


_PREFIXES = ("推定", "約", "伝", "およそ", "凡そ", "概ね", "circa", "ca.", "c.")
_SUFFIXES = ("頃", "ころ", "ごろ", "コロ", "ゴロ", "くらい", "推定", "?", "か", "カ")


def _bracketed(s: str) -> bool:
    """True if ``s`` is one bracketed group, ``(…)``, and not ``(…)…(…)``."""
    if not (s.startswith("(") and s.endswith(")")):
        return False
    depth = 0
    for i, c in enumerate(s):
        depth += (c == "(") - (c == ")")
        if depth == 0 and i < len(s) - 1:
            return False
    return depth == 0


def _strip(s: str) -> str:
    """Drop what marks a date as approximate or inferred, and brackets around it."""
    while True:
        before = s
        for prefix in _PREFIXES:
            s = s.removeprefix(prefix)
        for suffix in _SUFFIXES:
            s = s.removesuffix(suffix)
        if _bracketed(s):
            s = s[1:-1]
        if s == before:
            return s


# --- numbers ---------------------------------------------------------------------------

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0}
_KANJI_SCALES = {"十": 10, "百": 100, "千": 1000}
_KANJI_TENS = {"廿": "二十", "卅": "三十", "丗": "三十", "卌": "四十"}
_NUM = r"(?:[0-9]{1,5}|[〇○零一二三四五六七八九十百千廿卅丗卌]{1,8})"


def _to_int(s: str) -> int | None:
    """``"15"``, ``"十五"``, ``"一〇"``, ``"廿八"``, ``"千八百三十四"`` → int; None if malformed."""
    if s.isascii():
        return int(s) if s.isdigit() else None
    for tens, spelled in _KANJI_TENS.items():
        s = s.replace(tens, spelled)
    if all(c in _KANJI_DIGITS for c in s):  # positional: 一〇, 一八三四
        return int("".join(str(_KANJI_DIGITS[c]) for c in s))
    total, digit, last_scale = 0, None, 10_000
    for c in s:
        if c in _KANJI_DIGITS:
            if digit is not None:
                return None
            digit = _KANJI_DIGITS[c]
        elif c in _KANJI_SCALES:
            scale = _KANJI_SCALES[c]
            if scale >= last_scale:
                return None
            total += (1 if digit is None else digit) * scale
            digit, last_scale = None, scale
        else:
            return None
    return total + (digit or 0)


# --- grammar ---------------------------------------------------------------------------

_STEMS, _BRANCHES = "甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉戌亥"
_ETO = rf"(?:[{_STEMS}]?[{_BRANCHES}])"
_MD = r"(?:[0-9]{1,2}|[〇一二三四五六七八九十廿卅]{1,4})"
_REST = (  # month and day after 年 (both optional)
    rf"(?:閏?(?P<month>{_MD}|正)月)?"
    rf"(?:(?P<day>{_MD})日|朔日?|晦日?|吉日|吉辰|吉祥日|元日|元旦|[上中下]旬|[春夏秋冬])?"
)
_DOTTED = r"[./](?P<dm>[0-9]{1,2})(?:[./](?P<dd>[0-9]{1,2}))?"  # S45.3.1
_ERA_NAMES = "|".join(sorted((re.escape(e.name) for e in ERAS), key=len, reverse=True))
_INITIALS = {"m": "明治", "t": "大正", "s": "昭和", "h": "平成", "r": "令和"}
_ERA = rf"(?P<era>{_ERA_NAMES}|[mtshr]\.?)"
_ERA_YEAR_TAIL = (
    rf"(?P<n>元|{_NUM})(?P<eto1>{_ETO})?"
    rf"(?:(?P<unit>年度|年)(?P<eto2>{_ETO})?{_REST}|{_DOTTED})?"
)
_ERA_DECADE_TAIL = r"(?:(?P<n>" + _NUM + r")年代|(?P<single>一桁|ひと桁|1桁)(?:年代)?)"

_ERA_YEAR = re.compile(_ERA + _ERA_YEAR_TAIL)
_ERA_DECADE = re.compile(_ERA + _ERA_DECADE_TAIL)
_CTX_ERA_YEAR = re.compile(_ERA_YEAR_TAIL)  # 8年 after 天保5年～
_CTX_ERA_DECADE = re.compile(_ERA_DECADE_TAIL)  # 40年代 after 昭和30年代～
_MONTH_DAY = re.compile(_REST)  # 6月 after 明治5年3月～
_GREGORIAN = re.compile(
    rf"(?P<pre>西暦|紀元後|ad|a\.d\.)?(?P<y>{_NUM})"
    rf"(?:(?P<unit>年度|年){_REST}|(?P<sep>[-/.])(?P<dm>[0-9]{{1,2}})(?:(?P=sep)(?P<dd>[0-9]{{1,2}}))?)?"
)
_BCE_YEAR = re.compile(rf"(?:紀元前|bc|b\.c\.)(?P<y>{_NUM})年")
_DECADE = re.compile(rf"(?:西暦)?(?P<y>{_NUM})年代")
_CENTURY = re.compile(rf"(?P<bce>紀元前|bc|b\.c\.)?第?(?P<n>{_NUM})世紀")
_ABBREVIATED = re.compile(r"(?P<digits>[0-9]{1,3})(?P<rest>(?:年|年代)?)")  # 43 after 1830-
_TRAILING_NOTE = re.compile(r"(?P<main>.+?)\((?P<note>[^()]*)\)")
_RANGE_SEP = re.compile(r"[~〜\-—–―‐−ー]+")
_LIST_SEP = re.compile(r"[、,;・]|および|及び|または|又は")


class _Ctx(NamedTuple):
    """What the left end of a range (or an earlier list item) lends to the next part."""

    era: Era | None = None  # 天保5年～8年, 天保5年～同8年
    year: int | None = None  # an exact year: 明治5年3月～6月
    gregorian: bool = False  # ``year`` was written in digits: 1830-43
    base: YearRange | None = None  # the span before 中期 etc.: 江戸時代中期～後期
    period: str | None = None  # for the sub-periods: 縄文時代中期～後期


_Parsed = tuple[YearRange, _Ctx]


def _month_day_ok(m: re.Match[str]) -> bool:
    groups = m.groupdict()
    month, day = groups.get("month") or groups.get("dm"), groups.get("day") or groups.get("dd")
    if month is not None:
        number = 1 if month == "正" else _to_int(month)
        if number is None or not 1 <= number <= 12:
            return False
    if day is not None:
        number = _to_int(day)
        if number is None or not 1 <= number <= 31:
            return False
    return True


def _eto_ok(year: int, *signs: str | None) -> bool:
    """Does each written sexagenary sign (午, 甲午) fit ``year``?"""
    for sign in signs:
        if sign is None:
            continue
        if sign[-1] != _BRANCHES[(year - 4) % 12]:
            return False
        if len(sign) == 2 and sign[0] != _STEMS[(year - 4) % 10]:
            return False
    return True


def _era_year(era: Era, m: re.Match[str]) -> _Parsed | None:
    n = 1 if m["n"] == "元" else _to_int(m["n"])
    year = era.year(n) if n is not None else None
    if year is None or not _eto_ok(year, m["eto1"], m["eto2"]) or not _month_day_ok(m):
        return None
    span = YearRange(year, year + 1 if m["unit"] == "年度" else year)
    return span, _Ctx(era=era, year=year, base=span)


def _era_decade(era: Era, m: re.Match[str]) -> _Parsed | None:
    if m["single"]:  # 昭和一桁 = 昭和1–9年
        span = YearRange(era.start, min(era.start + 8, era.end))
        return span, _Ctx(era=era, base=span)
    n = _to_int(m["n"])
    start = era.year(n) if n is not None and n >= 10 and n % 10 == 0 else None
    if start is None:
        return None
    span = YearRange(start, min(start + 9, era.end))
    return span, _Ctx(era=era, base=span)


def _era_named(s: str) -> Era | None:
    return _ERA_BY_NAME.get(_INITIALS.get(s.rstrip("."), s))


def _named(s: str) -> _Parsed | None:
    """天保, 天保年間, 江戸時代, 江戸期, 近世 …"""
    for suffix in ("", "時代", "年間", "年中", "期"):
        if not s.endswith(suffix):
            continue
        name = s[: len(s) - len(suffix)]
        if (era := _ERA_BY_NAME.get(name)) is not None:
            return era.span, _Ctx(era=era, base=era.span, period=era.name)
        name = _PERIOD_ALIASES.get(name, name)
        if name in PERIODS:
            return PERIODS[name], _Ctx(base=PERIODS[name], period=name)
    return None


def _gregorian(s: str) -> _Parsed | None:
    if (m := _BCE_YEAR.fullmatch(s)) is not None:
        n = _to_int(m["y"])
        if n is None or not 1 <= n <= 40_000:
            return None
        return YearRange(-n, -n), _Ctx(year=-n, base=YearRange(-n, -n))
    if (m := _GREGORIAN.fullmatch(s)) is None:
        return None
    year = _to_int(m["y"])
    four_digits = m["y"].isascii() and len(m["y"]) == 4
    if year is None or (m["sep"] and not four_digits):
        return None
    if not (m["unit"] or m["sep"] or four_digits or m["pre"]):
        return None  # a bare number is a year only with four digits: 1970
    if not 1 <= year <= THIS_YEAR or (year < 100 and not m["pre"]) or not _month_day_ok(m):
        return None
    span = YearRange(year, year + 1 if m["unit"] == "年度" else year)
    return span, _Ctx(year=year, gregorian=True, base=span)


def _decade(s: str) -> _Parsed | None:
    if (m := _DECADE.fullmatch(s)) is None:
        return None
    year = _to_int(m["y"])
    if year is None or year < 100 or year % 10 or year > THIS_YEAR:
        return None
    span = YearRange(year, year + (99 if year % 100 == 0 and year < 2000 else 9))
    return span, _Ctx(year=year, gregorian=True, base=span)


def _century(s: str) -> _Parsed | None:
    if (m := _CENTURY.fullmatch(s)) is None:
        return None
    n = _to_int(m["n"])
    if n is None or n < 1 or n > (400 if m["bce"] else THIS_YEAR // 100 + 1):
        return None
    span = YearRange(-100 * n, -100 * n + 99) if m["bce"] else YearRange(100 * n - 99, 100 * n)
    return span, _Ctx(base=span)


def _era_forms(s: str) -> _Parsed | None:
    if (m := _ERA_YEAR.fullmatch(s)) is not None and (era := _era_named(m["era"])):
        return _era_year(era, m)
    if (m := _ERA_DECADE.fullmatch(s)) is not None and (era := _era_named(m["era"])):
        return _era_decade(era, m)
    return None


def _part(span: YearRange, fractions: tuple[Fraction, Fraction]) -> YearRange:
    """A fraction of ``span``, e.g. (0, 1/3) → its first third; cut years go to both sides."""
    length = span.end - span.start + 1
    low, high = fractions
    return YearRange(span.start + floor(length * low), span.start + ceil(length * high) - 1)


def _modified(s: str, ctx: _Ctx) -> _Parsed | None:
    """江戸時代後期, 19世紀前半, 昭和初期, 縄文時代中期, and a bare 後期 after 江戸時代中期～."""
    if ctx.base is not None and (span := _apply_part(ctx.base, ctx.period, s)) is not None:
        return span, ctx
    for part in _PART_NAMES:
        if not s.endswith(part) or len(s) == len(part):
            continue
        parsed = _point(s[: -len(part)].removesuffix("の"), ctx, allow_parts=False)
        if parsed is not None and (span := _apply_part(parsed[0], parsed[1].period, part)):
            return span, parsed[1]._replace(year=None, base=parsed[0])
    return None


def _apply_part(span: YearRange, period: str | None, part: str) -> YearRange | None:
    """``part`` (中期, 前半 …) of ``span``, from the sub-period table when ``period`` has one."""
    sub = _SUBPERIODS.get(period or "", {}).get(part)
    if sub is not None:
        return sub
    return _part(span, _PARTS[part]) if part in _PARTS else None


def _with_context(s: str, ctx: _Ctx) -> _Parsed | None:
    """The end of a range that leans on its start: 8年, 6月, 43, 70年代."""
    if ctx.era is not None:
        if (m := _CTX_ERA_YEAR.fullmatch(s)) is not None:
            return _era_year(ctx.era, m)
        if (m := _CTX_ERA_DECADE.fullmatch(s)) is not None:
            return _era_decade(ctx.era, m)
    if ctx.year is not None:
        if (m := _MONTH_DAY.fullmatch(s)) is not None and _month_day_ok(m):
            return YearRange(ctx.year, ctx.year), ctx
        if ctx.gregorian and ctx.year >= 1000 and (m := _ABBREVIATED.fullmatch(s)) is not None:
            digits = m["digits"]
            full = str(ctx.year)[: 4 - len(digits)] + digits + m["rest"]
            parsed = _decade(full) if m["rest"] == "年代" else _gregorian(full)
            if parsed is not None and parsed[0].start >= ctx.year:
                return parsed
    return None


def _point(s: str, ctx: _Ctx, *, allow_parts: bool = True) -> _Parsed | None:
    """One date, era, period or century, possibly leaning on ``ctx``."""
    s = _strip(s)
    if not s:
        return None
    if (m := _TRAILING_NOTE.fullmatch(s)) is not None:  # 天保5年(1834)
        return _point(m["main"], ctx, allow_parts=allow_parts) or _point(
            m["note"], ctx, allow_parts=allow_parts
        )
    if s.startswith("同") and ctx.era is not None:
        s = ctx.era.name + s[1:]
    for parse in (_named, _era_forms, _gregorian, _decade, _century):
        if (parsed := parse(s)) is not None:
            return parsed
    if (parsed := _with_context(s, ctx)) is not None:
        return parsed
    return _modified(s, ctx) if allow_parts else None


def _range(s: str, ctx: _Ctx) -> _Parsed | None:
    """A point, or two points joined by a range separator."""
    s = _strip(s)
    if (parsed := _point(s, ctx)) is not None:
        return parsed
    for sep in _RANGE_SEP.finditer(s):
        left, right = s[: sep.start()], s[sep.end() :]
        if not left or not right:
            continue
        first = _point(left, ctx)
        if first is None and right.endswith("世紀") and left.isdigit():
            first = _point(left + "世紀", ctx)  # 19～20世紀
        if first is None:
            continue
        last = _point(right, first[1])
        if last is not None and first[0].start <= last[0].end:
            return YearRange(first[0].start, last[0].end), last[1]
    return None


def era_range(text: str) -> YearRange | None:
    """The inclusive Gregorian year range a 年代 cell names, or None if it cannot be read.

    >>> era_range("天保5年～明治4年")
    YearRange(start=1834, end=1871)
    >>> era_range("昭和30年代")
    YearRange(start=1955, end=1964)

    See the module docstring for the forms understood. Never raises on a string.
    """
    if not isinstance(text, str):
        return None
    s = _strip(_normalise(text))
    if not s or len(s) > _MAX_LEN:
        return None
    ranges, ctx = [], _Ctx()
    for item in _LIST_SEP.split(s):
        parsed = _range(item, ctx)
        if parsed is None:
            return None
        ranges.append(parsed[0])
        ctx = parsed[1]
    return YearRange(min(r.start for r in ranges), max(r.end for r in ranges))


def era_span(name: str) -> YearRange | None:
    """The span of an era or period named alone (天保, 明治, 江戸時代, 縄文時代), else None.

    Variant kanji and full-width characters are accepted, as in :func:`era_range`.
    """
    if not isinstance(name, str):
        return None
    s = _normalise(name)
    parsed = _named(s) if 0 < len(s) <= _MAX_LEN else None
    return parsed[0] if parsed is not None else None
