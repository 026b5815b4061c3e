"""People's words → archivists' words (のうぐ → 農具, おてら → 寺院, farming tools → 農具).

Two files of the same form (TOML, a ``[words]`` table: the records' word = the words people
type for it): the one shipped with Kura (``archive/search/data/thesaurus.toml``) and the
project's own ``thesaurus.toml`` beside ``kura.toml``, for the city's words. They are read at
query time (the project's again whenever it changes), so editing them needs no re-index.
A query word found among people's words is also searched as the records' word, with a
lower weight than the word itself.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from archive.errors import KuraError
from archive.i18n import pick
from archive.search.analysis import normalize

__all__ = ["FILE_NAME", "Thesaurus", "ThesaurusError", "load"]

FILE_NAME = "thesaurus.toml"


class ThesaurusError(KuraError):
    """A thesaurus file that cannot be read."""


class Thesaurus:
    """Lookup from a (normalised) word or phrase people type to the records' words."""

    def __init__(self, entries: dict[str, list[str]] | None = None) -> None:
        self._to: dict[str, list[str]] = {}
        for target, typed in (entries or {}).items():
            self.add(target, typed)

    def add(self, target: str, typed: list[str]) -> None:
        for word in typed:
            key = _key(word)
            if key and normalize(target) != key:
                found = self._to.setdefault(key, [])
                if target not in found:
                    found.append(target)

    def merge(self, other: Thesaurus) -> Thesaurus:
        out = Thesaurus()
        for source in (self, other):
            for key, targets in source._to.items():
                found = out._to.setdefault(key, [])
                found += [t for t in targets if t not in found]
        return out

    def lookup(self, text: str) -> list[str]:
        """The records' words for what a person typed (a word or a whole query), or []."""
        return list(self._to.get(_key(text), ()))

    def find_in(self, text: str) -> tuple[str, list[str]]:
        """People's words inside ``text`` (longest first, not overlapping) and what is left
        of it: むかしののうぐ → ("むかしの", ["のうぐ"])."""
        key = _key(text)
        found: list[str] = []
        for word in sorted(
            (w for w in self._to if len(w) >= 2 and w in key), key=len, reverse=True
        ):
            if word in key:
                found.append(word)
                key = key.replace(word, " ")
        return key.strip(), found

    def table(self) -> dict[str, list[str]]:
        """Every (normalised) word people type → the records' words (the static search's)."""
        return {key: list(targets) for key, targets in self._to.items()}

    def __len__(self) -> int:
        return len(self._to)


def _key(text: str) -> str:
    return " ".join(normalize(text).split())


def _read(text: str, where: str) -> Thesaurus:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThesaurusError(
            pick(
                f"{where}: 類義語辞書を読めません: {exc}",
                f"{where}: cannot read the thesaurus: {exc}",
            )
        ) from None
    words = data.get("words", {})
    entries: dict[str, list[str]] = {}
    for target, typed in words.items() if isinstance(words, dict) else ():
        if isinstance(typed, str):
            typed = [typed]
        if not isinstance(typed, list) or not all(isinstance(t, str) for t in typed):
            raise ThesaurusError(
                pick(
                    f'{where}: 「{target}」の値は文字列のリストにしてください (例: ["のうぐ"])',
                    f'{where}: the value of {target!r} must be a list of strings (e.g. ["のうぐ"])',
                )
            )
        entries[str(target)] = typed
    return Thesaurus(entries)


_BUILT_IN: Thesaurus | None = None
_PROJECT: dict[Path, tuple[float, Thesaurus]] = {}


def built_in() -> Thesaurus:
    global _BUILT_IN
    if _BUILT_IN is None:
        text = (resources.files("archive.search") / "data" / FILE_NAME).read_text("utf-8")
        _BUILT_IN = _read(text, FILE_NAME)
    return _BUILT_IN


def load(project: Path | None) -> Thesaurus:
    """Kura's thesaurus merged with the project's own ``thesaurus.toml`` (if any); the
    project's file is read again when it changes. An unreadable project file raises."""
    base = built_in()
    if project is None:
        return base
    path = Path(project) / FILE_NAME
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return base
    cached = _PROJECT.get(path)
    if cached is None or cached[0] != mtime:
        own = _read(path.read_text(encoding="utf-8"), str(path))
        cached = _PROJECT[path] = (mtime, base.merge(own))
    return cached[1]
