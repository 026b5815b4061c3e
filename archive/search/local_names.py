"""The city's own readings (see :mod:`archive.local_readings`, one table for search,
furigana and the viewer). :func:`archive.search.readings.morphemes` cuts any of these names
out of the text before the analyser sees the rest, and gives them this reading; the sheet's
名称_カナ is still preferred for titles, and readings learned from it (see
:func:`archive.search.readings.learn_reading`) come beside these."""

from __future__ import annotations

from archive.local_readings import FAMILY_NAMES, LOCAL_READINGS

__all__ = ["FAMILY_NAMES", "LOCAL_READINGS"]
