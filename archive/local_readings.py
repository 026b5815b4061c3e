"""The city's own readings of names the dictionary gets wrong (狭山丘陵 さやまきゅうりょう, 乙幡
おっぱた), from ``archive/data/local_readings.toml``: one table for search, furigana and the
viewer. Read once at start-up."""

from __future__ import annotations

import tomllib
from importlib import resources

__all__ = ["FAMILY_NAMES", "LOCAL_READINGS"]


def _load() -> dict[str, dict[str, str]]:
    text = (resources.files("archive") / "data" / "local_readings.toml").read_text("utf-8")
    return {k: dict(v) for k, v in tomllib.loads(text).items()}


_TABLE = _load()

LOCAL_READINGS: dict[str, str] = {
    name: spoken
    for part in ("places", "families", "words")
    for name, spoken in _TABLE[part].items()
}
"""Surface → hiragana reading."""

FAMILY_NAMES: tuple[str, ...] = tuple(_TABLE["families"])
"""Family names: 乙幡家 is おっぱたけ (the dictionary's 家 after an unknown name is か)."""
