"""The 画像ファイル cell: file names and globs under ``scans/``, resolved in page order.

Paths are relative to ``scans/`` and separated by ``;`` (full-width ``；`` and line breaks
too). A glob (``*``, ``?``, ``[…]``, one folder level each) expands to its matches in natural
order (page2 before page10); the whole list keeps the order written. Names match across
Unicode composition (macOS writes NFD, Windows NFC). Nothing outside ``scans/`` is ever
used, whether written as ``../``, as an absolute path or reached through a symlink.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from archive.model import Level

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
_SEPARATORS = re.compile(r"[;；\n\r]")
_MAGIC = re.compile(r"[*?\[]")
_DRIVE = re.compile(r"^[A-Za-z]:")
_JUNK = {"thumbs.db", "desktop.ini"}  # skipped by globs, like dotfiles


@dataclass(frozen=True)
class ScanIssue:
    """A problem with one entry of the 画像ファイル cell."""

    level: Level
    message_ja: str
    message_en: str


def split_images(cell: str) -> list[str]:
    """The entries of a 画像ファイル cell, as written (blank entries dropped)."""
    return [part.strip() for part in _SEPARATORS.split(cell) if part.strip()]


def natural_key(name: str) -> list[object]:
    """Sort key putting ``page2`` before ``page10`` (digits compare as numbers)."""
    pieces = re.split(r"(\d+)", unicodedata.normalize("NFC", name).casefold())
    return [int(p) if i % 2 else p for i, p in enumerate(pieces)]


def resolve_images(cell: str, scans_dir: Path) -> tuple[list[Path], list[ScanIssue]]:
    """Resolve a 画像ファイル cell to existing image files under ``scans_dir``.

    Returns the files in page order and the issues found; an entry with an error adds
    no file. A file named twice is kept once, with a warning.
    """
    root = scans_dir.resolve()
    files: list[Path] = []
    issues: list[ScanIssue] = []
    seen: set[Path] = set()
    for entry in split_images(cell):
        found, problems = _resolve_entry(entry, root)
        issues.extend(problems)
        for path in found:
            if path in seen:
                issues.append(_duplicate(entry, path, root))
                continue
            seen.add(path)
            files.append(path)
    return files, issues


def _resolve_entry(entry: str, root: Path) -> tuple[list[Path], list[ScanIssue]]:
    text = entry.replace("\\", "/")  # Windows users write folder\file.jpg
    parts = [p for p in PurePosixPath(text).parts if p != "."]
    if text.startswith("/") or _DRIVE.match(text) or ".." in parts:
        return [], [_outside(entry)]
    if not parts:
        return [], [_folder(entry)]
    is_glob = bool(_MAGIC.search(text))
    matches = _walk(root, parts)
    if not matches:
        if is_glob:
            return [], [_no_match(entry)]
        if not _allowed(parts[-1]):
            return [], [_bad_suffix(entry)]
        return [], [_not_found(entry, parts, root)]
    files: list[Path] = []
    issues: list[ScanIssue] = []
    for path in matches:
        if is_glob and path.is_dir():
            continue  # a glob simply skips sub-folders
        issue = _check_match(path, entry if not is_glob else _shown(path, root), root)
        if issue is None:
            files.append(path)
        else:
            issues.append(issue)
    if is_glob and not files and not issues:
        issues.append(_no_match(entry))
    return files, issues


def _check_match(path: Path, name: str, root: Path) -> ScanIssue | None:
    """Why an existing match cannot be used (None if it can)."""
    if not path.resolve().is_relative_to(root):
        return _outside(name)
    if path.is_dir():
        return _folder(name)
    if not path.exists():  # a broken symlink
        return _not_found(name, [], root)
    if not _allowed(path.name):
        return _bad_suffix(name)
    return None


def _walk(base: Path, parts: list[str]) -> list[Path]:
    """Paths under ``base`` matching ``parts`` one folder level at a time."""
    head, rest = parts[0], parts[1:]
    if _MAGIC.search(head):
        pattern = _nfc(head)
        names = [
            name
            for name in _listdir(base)
            if fnmatchcase(_nfc(name), pattern) and _visible(name, head)
        ]
        names.sort(key=lambda name: (natural_key(name), name))
    else:
        names = _lookup(base, head)
    paths: list[Path] = []
    for name in names:
        path = base / name
        paths.extend(_walk(path, rest) if rest else [path])
    return paths


def _lookup(base: Path, name: str) -> list[str]:
    """``[name]`` as stored on disk: exact, NFC or NFD, else a composition-equal entry."""
    for candidate in dict.fromkeys((name, _nfc(name), unicodedata.normalize("NFD", name))):
        if os.path.lexists(base / candidate):
            return [candidate]
    wanted = _nfc(name)
    return [entry for entry in _listdir(base) if _nfc(entry) == wanted][:1]


def _listdir(base: Path) -> list[str]:
    try:
        return os.listdir(base)
    except OSError:  # not a folder, or unreadable
        return []


def _visible(name: str, pattern: str) -> bool:
    if name.casefold() in _JUNK or name.startswith("._"):
        return False
    return not name.startswith(".") or pattern.startswith(".")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _allowed(name: str) -> bool:
    return name.lower().endswith(IMAGE_SUFFIXES)


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _near_miss(parts: list[str], root: Path) -> str:
    """A file whose name differs only in upper/lower case, as a hint (or "")."""
    path = root
    for part in parts:
        wanted = _nfc(part).casefold()
        names = [name for name in sorted(_listdir(path)) if _nfc(name).casefold() == wanted]
        if not names:
            return ""
        path = path / names[0]
    return _shown(path, root)


def _outside(entry: str) -> ScanIssue:
    return ScanIssue(
        "error",
        f"「{entry}」は scans フォルダの外を指しています。scans フォルダの中のファイルだけ使えます",
        f"{entry!r} points outside the scans folder; only files inside scans/ can be used",
    )


def _folder(entry: str) -> ScanIssue:
    return ScanIssue(
        "error",
        f"「{entry}」はフォルダです。中の画像をすべて使うには「{entry.rstrip('/')}/*」と書いてください",
        f"{entry!r} is a folder; write {entry.rstrip('/') + '/*'!r} to use all images in it",
    )


def _bad_suffix(entry: str) -> ScanIssue:
    allowed = " ".join(IMAGE_SUFFIXES)
    return ScanIssue(
        "error",
        f"「{entry}」は使えない種類のファイルです。使える拡張子: {allowed}",
        f"{entry!r} is not a supported image file; allowed extensions: {allowed}",
    )


def _not_found(entry: str, parts: list[str], root: Path) -> ScanIssue:
    hint_ja = hint_en = ""
    if parts and (near := _near_miss(parts, root)):
        hint_ja, hint_en = f"（「{near}」のことですか？）", f" (did you mean {near!r}?)"
    elif parts and parts[0].casefold() == "scans":
        hint_ja = "（パスは scans フォルダからの相対パスです。「scans/」は書かないでください）"
        hint_en = " (paths are relative to the scans folder; leave out 'scans/')"
    return ScanIssue(
        "error",
        f"ファイル「{entry}」が scans フォルダにありません{hint_ja}",
        f"file not found in scans/: {entry!r}{hint_en}",
    )


def _no_match(entry: str) -> ScanIssue:
    return ScanIssue(
        "error",
        f"「{entry}」に当てはまる画像ファイルが scans フォルダにありません",
        f"no image files in scans/ match {entry!r}",
    )


def _duplicate(entry: str, path: Path, root: Path) -> ScanIssue:
    shown = _shown(path, root)
    return ScanIssue(
        "warning",
        f"「{shown}」が同じ行で2回以上指定されています（「{entry}」）。最初の1回だけ使います",
        f"{shown!r} is listed more than once in this row ({entry!r}); only the first is used",
    )
