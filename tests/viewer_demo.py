"""The demo archive for viewer tests, built once per test run (about 15 s) and shared by
``test_viewer_demo.py`` and ``test_browser.py``; and a real server for the browser tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import waitress
from click.testing import CliRunner

from kura.cli import cli

_lock = threading.Lock()


def build_demo_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``kura demo DIR --no-serve`` into the run's temp folder, unless already there."""
    root = tmp_path_factory.getbasetemp() / "viewer-demo" / "demo-archive"
    done = root.parent / "built"
    with _lock:
        if not done.exists():
            result = CliRunner().invoke(cli, ["demo", str(root), "--no-serve", "-j", "2"])
            assert result.exit_code == 0, result.output
            done.touch()
    return root


@contextmanager
def running(make_app: Callable[[str], Any]) -> Iterator[str]:
    """The app ``make_app(url)`` makes for the address it is served at, on waitress at
    127.0.0.1 on a free port, in a thread; yields that address."""
    made: list[Any] = []
    server = waitress.create_server(
        lambda environ, start: made[0](environ, start), host="127.0.0.1", port=0, threads=8
    )
    url = f"http://127.0.0.1:{server.effective_port}"
    made.append(make_app(url))
    stop = threading.Event()

    def serve() -> None:
        # waitress's own run() loops until the sockets are closed under it, and a close from
        # this thread while it waits in select() fails there (EBADF): loop until told to stop
        while not stop.is_set():
            server.asyncore.loop(timeout=0.1, map=server._map, use_poll=True, count=1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        stop.set()
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()
        server.asyncore.close_all(server._map)  # the listener, the trigger and open connections


@contextmanager
def demo_served(tmp_path_factory) -> Iterator[str]:
    """The demo archive (built once per run) served by the viewer; yields its base URL."""
    from archive.config import load_config
    from viewer import create_app

    root = build_demo_once(tmp_path_factory)
    with running(lambda url: create_app(load_config(root), listening=(url,))) as url:
        yield url


@contextmanager
def chromium(playwright_api, executable: Path) -> Iterator[object]:
    """Debian's Chromium driven by Playwright (never a browser Playwright downloads)."""
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(executable))
        try:
            yield browser
        finally:
            browser.close()
