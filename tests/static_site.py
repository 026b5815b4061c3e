"""The demo archive built as a static site (``kura build``) and served by ``python -m
http.server`` on 127.0.0.1, for ``test_build.py`` and ``test_build_browser.py``; and a link
checker over a built folder."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from kura.cli import cli
from tests.viewer_demo import build_demo_once

# every attribute that names a file the browser fetches, or a page it goes to
LINKED = re.compile(
    r'\s(href|src|action|formaction|data-prev|data-next|data-prefix|data-index|data-pages|data-tile)="([^"]*)"'
)
FOLDERS = ("data-prefix", "data-index")  # these name a folder (a prefix the script adds to)


@dataclass(frozen=True)
class Site:
    project: Path  # a copy of the demo project
    out: Path  # the built folder
    url: str  # where http.server serves it (also the --base-url it was built for)


def demo_copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A copy of the demo project (built once per run) that a test may change."""
    source = build_demo_once(tmp_path_factory)
    target = tmp_path_factory.mktemp(name) / "demo-archive"
    shutil.copytree(source, target, symlinks=True)
    return target


def kura_build(project: Path, out: Path, base_url: str) -> str:
    result = CliRunner().invoke(
        cli, ["-C", str(project), "build", "-o", str(out), "--base-url", base_url]
    )
    assert result.exit_code == 0, result.output
    return result.output


@contextmanager
def http_server(folder: Path) -> Iterator[str]:
    """``python -m http.server`` on 127.0.0.1 on a free port, serving ``folder`` (which may
    still be empty: files are read when asked for); yields its address."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 40123 (…) ..."
        port = re.search(r"port (\d+)", line)
        assert port, line
        yield f"http://127.0.0.1:{port[1]}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@contextmanager
def served_site(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Site]:
    """The demo project (a copy) built into a folder served by http.server, for the
    address it is served at."""
    project = demo_copy(tmp_path_factory, name)
    out = project.parent / "site"
    with http_server(out) as url:
        kura_build(project, out, url)
        yield Site(project, out, url)


def broken_links(out: Path, base_url: str) -> tuple[int, list[tuple[str, str, str]]]:
    """Every internal link of every HTML file of ``out``, resolved as a browser does against
    the page (a root path, and an id under ``base_url``, against the folder), checked to
    name a file there. Returns how many links were checked and the broken ones."""
    checked, broken = 0, []
    base = base_url.rstrip("/")
    root = urlsplit(base).path
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        for name, raw in LINKED.findall(text):
            value = html.unescape(raw)
            if not value or value.startswith(("#", "?", "mailto:", "data:")):
                continue
            if value == base or value.startswith(f"{base}/"):
                target = out / unquote(urlsplit(value[len(base) :]).path).lstrip("/")
            elif "://" in value or value.startswith("//"):
                continue  # another site
            else:
                path = unquote(urlsplit(value).path)
                if path.startswith("/"):  # from the site's path (the 404 page's links)
                    target = out / path.removeprefix(root).lstrip("/")
                else:
                    target = page.parent / path
            checked += 1
            resolved = target.resolve()
            if not resolved.is_relative_to(out.resolve()):
                broken.append((str(page.relative_to(out)), name, value))
                continue
            if resolved.is_dir():
                if name in FOLDERS:
                    continue
                resolved = resolved / "index.html"
            if not resolved.is_file():
                broken.append((str(page.relative_to(out)), name, value))
    return checked, broken


def mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def wait_until(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False
