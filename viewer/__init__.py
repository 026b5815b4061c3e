"""The Kura viewer: a Flask app serving the archive's pages and its IIIF files.

``create_app`` builds everything; importing this package creates nothing and reads no file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, Response

from archive.config import Config, load_config
from archive.store import open_store
from archive.withdrawals import WithdrawnIds
from viewer.context import template_context
from viewer.state import ServedArchive
from viewer.tiles import TileFiles

EMPTY_STYLE_HASH = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
SECURITY_HEADERS = {
    # Scripts and styles only from this site's files: no inline code, no CDN. OpenSeadragon
    # sets element styles from script (allowed); the one inline <style> allowed is an empty
    # marker that stops it injecting its own (kura-viewer.js), by the hash of "".
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; "
        f"style-src 'self' '{EMPTY_STYLE_HASH}'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def security_headers(config: Config) -> dict[str, str]:
    """The headers for this archive: with a ``public_url`` (tiles and IIIF documents on a
    CDN or bucket), its origin may also serve images and answer OpenSeadragon's fetches."""
    from urllib.parse import urlsplit

    headers = dict(SECURITY_HEADERS)
    if config.public_url:
        parts = urlsplit(config.public_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
            "img-src 'self' data: blob:; ",
            f"img-src 'self' data: blob: {origin}; connect-src 'self' {origin}; ",
        )
    return headers


def create_app(
    config: Config | None = None,
    test_config: dict[str, Any] | None = None,
    *,
    listening: tuple[str, ...] = (),
) -> Flask:
    """The viewer app for one archive project.

    ``config`` is the project's kura.toml; without it, the project in ``KURA_ROOT`` (from
    ``test_config`` or the environment) or else the current folder is loaded.
    ``test_config`` overrides Flask settings (``TESTING``, ``TRUSTED_HOSTS`` …).
    ``listening``: the addresses the server listens on (``http://host:port``), trusted
    beside kura.toml's ``trusted_urls`` for links and ids.
    """
    app = Flask(__name__)
    if test_config:
        app.config.update(test_config)
    if config is None:
        root = app.config.get("KURA_ROOT") or os.environ.get("KURA_ROOT") or "."
        config = load_config(Path(root))
    trusted = [u.rstrip("/") for u in (*config.trusted_urls, *listening)]
    store = open_store(config.store, config.root)
    app.extensions["kura"] = ServedArchive(
        config=config,
        store=store,
        trusted_urls=tuple(u for u in dict.fromkeys(trusted) if u != config.base_url),
        withdrawn=WithdrawnIds(store),
    )

    from viewer import (
        api,
        collections,
        discovery,
        errors,
        home,
        iiif,
        items,
        kids,
        lessons,
        prefs,
        records,
        search,
    )

    errors.register(app)
    for blueprint in (
        home.bp,
        search.bp,
        items.bp,
        collections.bp,
        lessons.bp,
        iiif.bp,
        api.bp,
        records.bp,
        discovery.bp,
    ):
        app.register_blueprint(blueprint)
    app.context_processor(template_context)
    app.after_request(prefs.remember)
    app.after_request(kids.furigana_everywhere)
    headers = security_headers(config)

    varies_by_host = bool(app.extensions["kura"].trusted_urls)

    def add_security_headers(response: Response) -> Response:
        """The same security headers on every response: pages, files, errors and 304s; and
        ``Vary: Host`` on what holds links or ids, when they follow the trusted address the
        request came to."""
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if varies_by_host and not response.mimetype.startswith("image/"):
            response.vary.add("Host")  # a tile holds no address
        return response

    app.after_request(add_security_headers)
    store_root = getattr(app.extensions["kura"].store, "root", None)
    if store_root is not None:  # tiles of a local store skip the framework (viewer.tiles)
        app.wsgi_app = TileFiles(  # type: ignore[method-assign]
            app.wsgi_app, store_root, headers, withdrawn=app.extensions["kura"].withdrawn
        )
    return app
