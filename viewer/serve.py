"""``kura serve``: the viewer on waitress, a production WSGI server with no extra set-up."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

import waitress

from archive.config import Config
from viewer import create_app


def address(host: str, port: int) -> str:
    """The URL a person opens (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def listening(host: str, port: int) -> tuple[str, ...]:
    """The addresses a person on this machine opens for ``host:port`` (every interface:
    the loopback names); links and ids follow the one they used."""
    if host in ("0.0.0.0", "::", ""):
        return (address("127.0.0.1", port).rstrip("/"), address("localhost", port).rstrip("/"))
    return (address(host, port).rstrip("/"),)


def serve_project(
    config: Config, host: str = "127.0.0.1", port: int = 8000, threads: int = 8
) -> None:
    """Serve the archive of ``config`` until Ctrl-C."""
    app = create_app(config, listening=listening(host, port))
    url = address(host, port)
    print(f"公開中: {url} (Ctrl-C で終了) / serving {url} (Ctrl-C to stop)", flush=True)
    waitress.serve(app, host=host, port=port, threads=threads)


def serve_folder(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve a built static site (``kura build``) with Python's plain file server until
    Ctrl-C: what any web server, bucket or CDN would do with the folder."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    url = address(host, port)
    print(
        f"静的サイトを公開中: {url} (ファイルだけ、Ctrl-C で終了) / serving the static site {url} "
        "(plain files, Ctrl-C to stop)",
        flush=True,
    )
    with ThreadingHTTPServer((host, port), handler) as server, suppress(KeyboardInterrupt):
        server.serve_forever()


def serve_dev(config: Config, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Flask's development server with the reloader, for work on templates and code."""
    app = create_app(config, {"TEMPLATES_AUTO_RELOAD": True}, listening=listening(host, port))
    app.run(host=host, port=port, debug=False, use_reloader=True)
