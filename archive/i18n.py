"""Messages to archivists in Japanese first, with English available.

The language is taken from ``KURA_LANG`` (``ja`` or ``en``), else from ``LANG``/``LC_ALL``
(English when it starts with ``en``), else Japanese.
"""

from __future__ import annotations

import os


def current_lang() -> str:
    """Return ``"ja"`` or ``"en"`` for messages printed by the CLI."""
    explicit = os.environ.get("KURA_LANG", "").strip().lower()
    if explicit in ("ja", "en"):
        return explicit
    locale = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "en" if locale.lower().startswith("en") else "ja"


def pick(ja: str, en: str, lang: str | None = None) -> str:
    """Choose between a Japanese and an English message."""
    return en if (lang or current_lang()) == "en" else ja
