"""What search engines and portals read: ``/sitemap.xml``, ``/robots.txt``, the open-data
files under ``/opendata/…``, the IIIF change feed under ``/activity/…``, and the schema.org
JSON-LD of an item page (``item_jsonld``)."""

from __future__ import annotations

import json
import time
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, current_app
from markupsafe import Markup

from archive import keys
from archive.errors import StoreError
from archive.model import Record
from archive.rights import rights_uri
from viewer.files import add_cors_headers, send_document, send_store_file
from viewer.images import thumbnail
from viewer.state import request_urls, served

bp = Blueprint("discovery", __name__)

# whether the open-data file is there, per store key, for a minute (a HEAD on S3 stores)
_OPENDATA_SEEN: dict[tuple[int, str], tuple[float, bool]] = {}


def opendata_url() -> str | None:
    """The 文化財一覧 CSV for the site's footer: on the public files URL when kura.toml has
    ``public_url`` (``kura publish`` always sends it), else at ``/opendata/…`` when
    ``kura export opendata`` has written it to the store; None when there is none. A static
    build (``kura build``) always writes it."""
    archive = served()
    code = archive.config.opendata_code
    if archive.config.public_url or current_app.config.get("KURA_STATIC"):
        return request_urls().opendata(code)
    key = keys.opendata(code)
    cache_key = (id(archive.store), key)
    now = time.monotonic()
    seen = _OPENDATA_SEEN.get(cache_key)
    if seen is None or now - seen[0] > 60:
        try:
            found = archive.store.exists(key)
        except (StoreError, OSError):
            found = False
        seen = _OPENDATA_SEEN[cache_key] = (now, found)
    return request_urls().opendata(code) if seen[1] else None


@bp.get("/robots.txt")
def robots() -> Response:
    """Everything may be crawled except the search result pages (endless combinations)."""
    urls = request_urls()
    body = (
        f"User-agent: *\nDisallow: {urls.pages.search()}\nDisallow: {urls.pages.root}/api/\n"
        f"Sitemap: {urls.page_url(urls.pages.sitemap())}\n"
    )
    return Response(body, content_type="text/plain; charset=utf-8")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Home, every item page, the collections and lessons lists (with last-modified dates)."""
    urls = request_urls()
    entries = [(urls.home(), "")]
    for record in served().records():
        at = record.ingest.at[:10] if record.ingest else ""
        entries.append((urls.item_page(record.id), at))
    entries += [
        (urls.page_url(urls.pages.collections()), ""),
        (urls.page_url(urls.pages.lessons()), ""),
    ]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for loc, lastmod in entries:
        modified = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(loc)}</loc>{modified}</url>")
    lines.append("</urlset>\n")
    response = Response("\n".join(lines), content_type="application/xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/opendata/<name>")
def opendata(name: str) -> Response:
    """The open-data files (``kura export opendata``), for anyone to download."""
    if not name.endswith(".csv"):
        abort(404, f"ファイルがありません / no such file: {name}")
    return add_cors_headers(send_store_file(f"opendata/{name}"))


@bp.get("/activity/<name>.json")
def activity(name: str) -> Response:
    """The IIIF Change Discovery feed, rendered for this site's address."""
    return add_cors_headers(send_document(f"activity/{name}.json"))


def item_jsonld(record: Record) -> Markup:
    """schema.org JSON-LD of an item page (what Google and Japan Search-like harvesters read):
    name, alternate names, description, date, place, provider, image, licence, the IIIF
    manifest as ``subjectOf``. Safe inside ``<script>`` (``<``, ``>``, ``&`` escaped)."""
    archive = served()
    urls = request_urls()
    fields = record.fields
    data: dict = {
        "@context": "https://schema.org",
        "@type": "CreativeWork",
        "@id": urls.item_page(record.id),
        "url": urls.item_page(record.id),
        "identifier": record.id,
        "name": record.title or record.id,
        "inLanguage": "ja",
    }
    alternate = [v for v in (fields.get("名称_カナ"), fields.get("名称_英語")) if v]
    if alternate:
        data["alternateName"] = alternate
    if fields.get("概要"):
        data["description"] = fields["概要"]
    if date := record.date:
        data["temporalCoverage"] = date.text
        if years := date.years:
            start, end = years.start, years.end
            data["dateCreated"] = f"{start}/{end}" if end != start else str(end)
    place = {k: v for k, v in (("name", fields.get("場所名称")),) if v}
    if fields.get("住所"):
        place["address"] = fields["住所"]
    if fields.get("緯度") and fields.get("経度"):
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": fields["緯度"],
            "longitude": fields["経度"],
        }
    if place:
        data["contentLocation"] = {"@type": "Place", **place}
    if record.keywords:
        data["keywords"] = list(record.keywords)
    provider = (archive.config.provider.get("label") or {}).get("ja") or archive.config.municipality
    if provider:
        data["provider"] = {"@type": "Organization", "name": provider}
    if rights := rights_uri(record.rights):
        data["license"] = rights
    if thumb := thumbnail(record, urls):
        data["image"] = thumb.src
        data["thumbnailUrl"] = thumb.src
        data["subjectOf"] = {
            "@type": "CreativeWork",
            "encodingFormat": "application/ld+json",
            "url": urls.manifest(record.id),
            "name": "IIIF Manifest",
        }
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)
