"""Excel number formats for dates and times: a date cell as the text Excel shows for it.

An .xlsx stores a date as a serial number with a number format (``yyyy/m/d``,
``[$-ja-JP]ggge"年"m"月"d"日"`` …); the archivist sees the formatted text, so the sheet keeps
that text (令和2年4月1日, not 2020-04-01). :func:`format_date` renders a date, datetime or
time with a format code; :func:`builtin_format` gives the code of a built-in format id as a
Japanese Excel shows it (ids 14 and 22 follow the system's short date, and 27-36, 50-58 are
the Japanese built-ins listed in ECMA-376 Part 1, 18.8.30). Codes it cannot render (numbers
shown as kanji, fractions of a second …) give ``None``, and the caller keeps ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import re

# ECMA-376 Part 1, 18.8.30 numFmt: built-in formats for the ja-JP locale, and the short date
# (14) and date-time (22) a Japanese Excel shows for the built-ins that follow the system.
_JA_ERA_DATE = '[$-411]ggge"年"m"月"d"日"'
_JA_BUILTIN = {
    14: "yyyy/m/d",
    22: "yyyy/m/d h:mm",
    27: "[$-411]ge.m.d",
    28: _JA_ERA_DATE,
    29: _JA_ERA_DATE,
    30: "m/d/yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"時"mm"分"',
    33: 'h"時"mm"分"ss"秒"',
    34: 'yyyy"年"m"月"',
    35: 'm"月"d"日"',
    36: "[$-411]ge.m.d",
    50: "[$-411]ge.m.d",
    51: _JA_ERA_DATE,
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: _JA_ERA_DATE,
    55: 'yyyy"年"m"月"',
    56: 'm"月"d"日"',
    57: "[$-411]ge.m.d",
    58: _JA_ERA_DATE,
}
# Excel's "system long date" ([$-x-sysdate]) on a Japanese system.
_SYSDATE = 'yyyy"年"m"月"d"日"'
_SYSTIME = "h:mm:ss"

# The eras Excel knows, from the first day of each (name, initial kanji, Latin initial).
_ERAS = (
    (dt.date(2019, 5, 1), "令和", "令", "R"),
    (dt.date(1989, 1, 8), "平成", "平", "H"),
    (dt.date(1926, 12, 25), "昭和", "昭", "S"),
    (dt.date(1912, 7, 30), "大正", "大", "T"),
    (dt.date(1868, 1, 25), "明治", "明", "M"),
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
_MONTHS += ("September", "October", "November", "December")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAYS_JA = "月火水木金土日"


def builtin_format(num_fmt_id: int) -> str | None:
    """The code of a built-in format that is a date or time in a Japanese Excel, or None."""
    return _JA_BUILTIN.get(num_fmt_id)


def is_japanese_date_builtin(num_fmt_id: int) -> bool:
    """True for the built-in ids openpyxl does not know as dates (27-36, 50-58): their
    cells arrive as serial numbers."""
    return num_fmt_id in _JA_BUILTIN and num_fmt_id not in (14, 22)


def shows_era(code: str) -> bool:
    """True for a format that shows a date by its era or weekday alone (``gge"年"``,
    ``aaaa``): openpyxl knows dates by y, m, d, h and s, so such a cell comes as a serial
    number. Not for numbers (``0.0E+00`` has an E) or ``General``."""
    if code.strip().casefold() == "general":
        return False
    tokens = [(m.lastgroup, m.group(0)) for m in _TOKEN.finditer(_sections(code)[0])]
    if any(kind == "other" and text in "0#?" for kind, text in tokens):
        return False
    return any(kind == "code" and text[0].lower() in "gea" for kind, text in tokens)


def _era(day: dt.date) -> tuple[str, str, str, int] | None:
    for start, name, initial, latin in _ERAS:
        if day >= start:
            return name, initial, latin, day.year - start.year + 1
    return None


_TOKEN = re.compile(
    r'"(?P<quoted>[^"]*)"?'
    r"|\\(?P<escaped>.)"
    r"|_(?P<pad>.)"
    r"|\*(?P<fill>.)"
    r"|\[(?P<bracket>[^\]]*)\]"
    r"|(?P<ampm>AM/PM|A/P|午前/午後)"
    r"|(?P<code>y+|e+|g+|m+|d+|a{3,}|h+|s+|b+)"
    r"|(?P<fraction>\.0+)"
    r"|(?P<other>.)",
    re.IGNORECASE | re.DOTALL,
)


def _sections(code: str) -> list[str]:
    """The format's sections (split on ``;`` outside quotes and escapes)."""
    parts, current, quoted, escaped = [], [], False, False
    for ch in code:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def format_date(value: dt.datetime | dt.date | dt.time, code: str) -> str | None:
    """``value`` as Excel shows it with the number format ``code``, or None when the code
    has parts this renderer does not do (then the caller keeps its own form)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    else:
        moment = dt.datetime.combine(dt.date(1899, 12, 31), value)
    section = _sections(code)[0]
    tokens = [(m.lastgroup or "", m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(section)]
    gannen = False
    for kind, text in tokens:
        tag = text.casefold()
        if kind == "fraction":
            return None  # fractions of a second
        if kind != "bracket":
            continue
        if tag.startswith("$-") and "x-sysdate" in tag:
            return format_date(value, _SYSDATE)
        if tag.startswith("$-") and "x-systime" in tag:
            return format_date(value, _SYSTIME)
        if tag.startswith("dbnum") or re.fullmatch(r"[hms]+", tag):
            return None  # kanji numerals, elapsed time
        gannen = gannen or "x-gannen" in tag
    codes = [i for i, (kind, _) in enumerate(tokens) if kind == "code"]
    twelve = any(kind == "ampm" for kind, _ in tokens)
    result: list[str] = []
    for index, (kind, text) in enumerate(tokens):
        if kind == "bracket":  # a locale, with a currency symbol ([$¥-411]); colours, conditions
            result.append(text[1:].split("-")[0] if text.startswith("$") else "")
        elif kind in ("quoted", "escaped", "other"):
            result.append(text)
        elif kind == "pad":
            result.append(" ")
        elif kind == "ampm":
            result.append(_ampm(text, moment))
        elif kind == "code":
            # m is minutes right after an hour or right before seconds
            where = codes.index(index)
            before = tokens[codes[where - 1]][1].lower() if where > 0 else ""
            after = tokens[codes[where + 1]][1].lower() if where + 1 < len(codes) else ""
            minutes = before.startswith("h") or after.startswith("s")
            rendered = _code(text.lower(), moment, minutes, twelve, gannen)
            if rendered is None:
                return None
            result.append(rendered)
    return "".join(result)


def _ampm(text: str, moment: dt.datetime) -> str:
    morning = moment.hour < 12
    if text == "午前/午後":
        return "午前" if morning else "午後"
    if text.upper() == "A/P":
        return ("A" if morning else "P") if text[0].isupper() else ("a" if morning else "p")
    return "AM" if morning else "PM"


def _code(code: str, moment: dt.datetime, minutes: bool, twelve: bool, gannen: bool) -> str | None:
    kind, n = code[0], len(code)
    if kind == "y":
        return f"{moment.year % 100:02d}" if n <= 2 else f"{moment.year:04d}"
    if kind in ("g", "e"):
        era = _era(moment.date())
        if era is None:
            return f"{moment.year:04d}" if kind == "e" else ""
        name, initial, latin, year = era
        if kind == "g":
            return latin if n == 1 else initial if n == 2 else name
        if year == 1 and gannen:
            return "元"
        return f"{year:02d}" if n >= 2 else str(year)
    if kind == "b":
        return None  # the Buddhist calendar
    if kind == "m" and minutes and n <= 2:
        return f"{moment.minute:02d}" if n == 2 else str(moment.minute)
    if kind == "m":
        if n <= 2:
            return f"{moment.month:02d}" if n == 2 else str(moment.month)
        name = _MONTHS[moment.month - 1]
        return name[0] if n == 5 else name[:3] if n == 3 else name
    if kind == "d":
        if n <= 2:
            return f"{moment.day:02d}" if n == 2 else str(moment.day)
        name = _DAYS_EN[moment.weekday()]
        return name[:3] if n == 3 else name
    if kind == "a":
        day = _DAYS_JA[moment.weekday()]
        return day if n == 3 else day + "曜日"
    if kind == "h":
        hour = (moment.hour % 12 or 12) if twelve else moment.hour
        return f"{hour:02d}" if n >= 2 else str(hour)
    if kind == "s":
        return f"{moment.second:02d}" if n >= 2 else str(moment.second)
    return None
