"""Every error becomes a page in the site's look, in Japanese and English, here and only here.

Paths under ``/api/`` get JSON instead: ``{"error": {"status", "title", "message"}}``.

A view says what is missing with ``abort(404, "… / …")``; that text is shown as is. A
withdrawn item (``kura withdraw``) is ``raise Withdrawn(notice)``: a 410 with a short tombstone
(title, date, reason if given), in JSON under ``/api/``. Errors
without a message of their own get a standard one. Unexpected exceptions (which Flask
logs) are shown as a 500 page that reveals nothing of the server.

A query string longer than ``MAX_QUERY_STRING`` is a 414 before any view runs: pages repeat
their query in links (the language and mode switches), so an unbounded one would make every
page many times larger than the request.
"""

from __future__ import annotations

from flask import Flask, Response, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from archive.errors import StoreError
from archive.record import read_record
from archive.withdrawals import english_title
from viewer.state import served

# bytes; real links stay far below (q ≤ 200 characters, iiif-content ≤ 4096), and most
# proxies refuse a request line over 8 KB anyway
MAX_QUERY_STRING = 8192

# status → (Japanese title, English title, message shown when the error carries none)
TITLES: dict[int, tuple[str, str, str]] = {
    400: (
        "不正なリクエストです",
        "Bad request",
        "リクエストを読めませんでした / the request could not be read",
    ),
    404: (
        "ページが見つかりません",
        "Not found",
        "お探しのページはありません。アドレスをお確かめください / no page at this address",
    ),
    405: ("使えない操作です", "Method not allowed", "この操作はできません / method not allowed"),
    410: (
        "公開を取りやめた資料です",
        "Gone",
        "この資料は公開を取りやめました / this item has been withdrawn",
    ),
    414: (
        "アドレスが長すぎます",
        "URI too long",
        "アドレスが長すぎます。検索の言葉や条件を減らしてください / the address is too long; use fewer search words or filters",
    ),
    500: (
        "サーバーの内部エラーです",
        "Internal server error",
        "表示できませんでした。時間をおいてもう一度お試しください / something went wrong on our side; please try again later",
    ),
}


class Withdrawn(HTTPException):
    """410 Gone for a withdrawn item; ``notice`` is ``ServedArchive.withdrawal``'s answer."""

    code = 410

    def __init__(self, notice: dict) -> None:
        super().__init__(TITLES[410][2])
        self.notice = dict(notice, date=str(notice.get("at") or "")[:10])


def withdrawn_check(item_id: str) -> None:
    """Raise ``Withdrawn`` when the item is withdrawn."""
    notice = served().withdrawal(item_id)
    if notice is not None:
        raise Withdrawn(notice)


def _gone(error: Withdrawn) -> tuple[str | Response, int]:
    notice = error.notice
    if request.path.startswith("/api/"):
        title_ja, title_en, message = TITLES[410]
        body = {"status": 410, "title": title_en, "title_ja": title_ja, "message": message}
        withdrawn = {k: notice.get(k, "") for k in ("id", "title", "date", "reason")}
        response = jsonify(error=body, withdrawn=withdrawn)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response, 410
    if not notice.get("title_en"):  # the log of an older version kept no English titles
        notice = {**notice, **_english_title(notice["id"])}
    return render_template("errors/withdrawn.html", notice=notice), 410


def _english_title(item_id: str) -> dict[str, str]:
    """The withdrawn item's English title from its record (``{}`` when it has none)."""
    try:
        record = read_record(served().store, item_id)
    except StoreError:
        return {}
    return english_title(record) if record else {}


def handle_http_error(error: HTTPException) -> tuple[str | Response, int]:
    if isinstance(error, Withdrawn):
        return _gone(error)
    code = error.code or 500
    title_ja, title_en, default = TITLES.get(code, (error.name, error.name, ""))
    message = error.description
    if code >= 500 or not message or message == type(error).description:
        message = default or f"{code} {error.name}"
    if request.path.startswith("/api/"):
        body = {"status": code, "title": title_en, "title_ja": title_ja, "message": message}
        response = jsonify(error=body)
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response, code
    page = render_template(
        "errors/error.html", code=code, title_ja=title_ja, title_en=title_en, message=message
    )
    return page, code


def refuse_long_query() -> None:
    if len(request.query_string) > MAX_QUERY_STRING:
        abort(414)


def register(app: Flask) -> None:
    app.before_request(refuse_long_query)
    app.register_error_handler(HTTPException, handle_http_error)
