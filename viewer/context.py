"""What every template sees (registered with ``app.context_processor``)."""

from __future__ import annotations

from flask import current_app

from viewer import prefs
from viewer.discovery import opendata_url
from viewer.state import request_urls, served
from viewer.vocabulary import english_value


def template_context() -> dict[str, object]:
    """What every template sees: the archive's title in Japanese and English, the visitor's
    preferences (``prefs``, ``lang``), ``t(ja, en)``, ``url_with(**changes)`` and
    ``opendata_url()`` (the open-data CSV, or None) and ``en_value(column, value)`` (the
    English of a metadata word, or "") and ``urls``, the one builder of links and IIIF ids
    (``manifests.urls.Urls`` for this request's address); ``static_site`` is true while
    ``kura build`` freezes the pages (no server behind them: no API, no query strings)."""
    title = served().config.title
    chosen = prefs.current()
    return {
        "archive_title": {"ja": title.get("ja", ""), "en": title.get("en", "")},
        "prefs": chosen,
        "lang": chosen.lang,
        "t": prefs.t,
        "url_with": prefs.url_with,
        "opendata_url": opendata_url,
        "en_value": english_value,
        "urls": request_urls(),
        "static_site": bool(current_app.config.get("KURA_STATIC")),
    }
