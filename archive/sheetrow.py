"""One row of the sheet being checked: its problems (each naming the file, row, column and,
once known, the item ID), the cell checks every cell goes through, and the ID rule."""

from __future__ import annotations

import re
import unicodedata

from archive import keys
from archive.model import Level, Problem
from archive.sheetfile import BAD_BYTE, bad_bytes

RESERVED_IDS = ("collection", "lesson", "activity")
_ID_MAX = keys.ID_MAX


def clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def drop_invisible(text: str) -> str:
    """Remove zero-width and other format characters (U+200B, U+FEFF, U+2060 …)."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


class RowProblems:
    """Problems of one row, all naming the file and row (and item id once known)."""

    def __init__(self, file: str, number: int) -> None:
        self.file = file
        self.number = number
        self.item_id: str | None = None
        self.problems: list[Problem] = []

    def add(self, level: Level, column: str | None, ja: str, en: str) -> None:
        problem = Problem(level, self.file, ja, en, self.number, column, self.item_id)
        self.problems.append(problem)

    def error(self, column: str | None, ja: str, en: str) -> None:
        self.add("error", column, ja, en)

    def warn(self, column: str | None, ja: str, en: str) -> None:
        self.add("warning", column, ja, en)

    @property
    def failed(self) -> bool:
        return any(p.level == "error" for p in self.problems)


# C0 and C1 control characters other than tab and line ends, DEL, and the two
# noncharacters U+FFFE/U+FFFF: invisible, they break CSV and XML consumers and file names
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def check_cell(text: str, column: str, limit: int, row: RowProblems) -> str:
    """The cell with control characters removed (warned); an error for a cell over the
    length limit or holding bytes that are not UTF-8 (the row then fails)."""
    if len(text) > limit:
        row.error(
            column,
            f"値が長すぎます（{len(text):,} 文字、上限 {limit:,} 文字、kura.toml の [limits] "
            "cell_chars）",
            f"the value is too long ({len(text):,} characters; limit {limit:,}, [limits] "
            "cell_chars in kura.toml)",
        )
        return ""
    if BAD_BYTE.search(text):
        shown = BAD_BYTE.sub("\ufffd", text)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        row.error(
            column,
            f"UTF-8 として読めないバイト（{bad_bytes(text)}）があります: 「{shown}」。ファイルの"
            "ほかの部分は UTF-8 です。このセルを直すか「CSV UTF-8」で保存し直してください",
            f"bytes that are not valid UTF-8 ({bad_bytes(text)}) in {shown!r}; the rest of "
            "the file is UTF-8: fix this cell, or save the sheet again as CSV UTF-8",
        )
        return BAD_BYTE.sub("\ufffd", text)
    if _CONTROL.search(text):
        found = dict.fromkeys(_CONTROL.findall(text))
        names = " ".join(f"U+{ord(ch):04X}" for ch in list(found)[:8])
        row.warn(
            column,
            f"制御文字（{names}）を取り除きました",
            f"removed control characters ({names})",
        )
        return _CONTROL.sub("", text)
    return text


# File names Windows reserves whatever the extension ("aux.txt" is AUX); Kura writes an
# item's files under its ID, and a city may copy the archive to a Windows machine.
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


def clean_id(raw: str, row: RowProblems) -> str | None:
    """The item id from an ID cell, or None (with an error) if it cannot be one."""
    visible = drop_invisible(raw)
    stripped = visible.strip()
    removed = visible != raw or stripped != visible.strip(" \t\r\n")
    text = unicodedata.normalize("NFKC", stripped)
    if not text:
        row.error("ID", "ID が空です", "ID is empty")
        return None
    valid = keys.valid_id(text)
    if not valid:
        row.error("ID", *_id_message(text, stripped))
        return None
    row.item_id = text
    if removed:
        row.warn(
            "ID",
            f"ID「{text}」から見えない文字（ゼロ幅スペース・全角スペースなど）を取り除きました",
            f"removed invisible characters (zero-width or non-ASCII spaces) from ID {text!r}",
        )
    if text != stripped:
        row.warn(
            "ID",
            f"ID「{stripped}」の全角文字を半角にして「{text}」としました",
            f"ID {stripped!r} contains full-width characters; using {text!r}",
        )
    if _WINDOWS_RESERVED.fullmatch(text):
        row.item_id = None
        row.error(
            "ID",
            f"ID「{text}」は Windows で使えないファイル名（CON・PRN・AUX・NUL・COM0〜9・LPT0〜9、"
            "拡張子付きも）なので使えません",
            f"ID {text!r} is a file name Windows reserves (CON, PRN, AUX, NUL, COM0-9, "
            "LPT0-9, with or without an extension); choose another",
        )
        return None
    if text.endswith("."):
        row.item_id = None
        row.error(
            "ID",
            f"ID「{text}」は「.」で終われません（Windows ではファイル名の末尾の「.」が消えます）",
            f"ID {text!r} must not end with '.' (Windows drops it from file names)",
        )
        return None
    if text.casefold() in RESERVED_IDS:
        row.item_id = None
        row.error(
            "ID",
            f"ID「{text}」は予約語なので使えません（{', '.join(RESERVED_IDS)}）",
            f"ID {text!r} is reserved ({', '.join(RESERVED_IDS)}); choose another",
        )
        return None
    return text


def _id_message(text: str, written: str = "") -> tuple[str, str]:
    if len(text) > _ID_MAX:
        return (
            f"ID が長すぎます（{len(text)}文字、最大{_ID_MAX}文字）",
            f"ID is too long ({len(text)} characters, at most {_ID_MAX})",
        )
    # name the characters as written (a no-break space is not shown as the plain space
    # NFKC makes of it)
    bad = [
        ch
        for ch in dict.fromkeys(written or text)
        if not re.fullmatch(r"[A-Za-z0-9._-]+", unicodedata.normalize("NFKC", ch))
    ]
    if bad:
        shown = " ".join(f"「{ch}」(U+{ord(ch):04X})" for ch in bad)
        return (
            f"ID「{text}」に使えない文字があります: {shown}。半角英数字と . _ - だけ使えます",
            f"ID {text!r} has characters that are not allowed: {shown}; use A-Z a-z 0-9 . _ -",
        )
    return (
        f"ID「{text}」は英数字で始めてください（「.」「-」「_」で始まる ID は使えません）",
        f"ID {text!r} must start with a letter or digit",
    )
