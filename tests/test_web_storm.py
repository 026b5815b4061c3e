"""The production server under load, on loopback only: ``kura serve`` (waitress) in its own
process over the demo archive takes 2,000 requests from 32 concurrent clients (pages, search,
the API, manifests, ``info.json`` and tiles) with no error, and still answers afterwards.

The same server gets raw request lines that a test client never sends as written (waitress
decodes the path itself): traversal in every encoding and request lines of 100 KB and 1 MB.
Figures (requests/s, p50, p95) are printed with ``pytest -s``; no timing is asserted beyond a
generous bound, as the machine is shared.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.rendered import documents as rendered_documents
from tests.viewer_demo import build_demo_once

REQUESTS = 2000
CONCURRENCY = 32
REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_once(tmp_path_factory)


@pytest.fixture(scope="module")
def server(demo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    """``kura -C DEMO serve`` on a free 127.0.0.1 port; yields (port, process)."""
    port = free_port()
    log = (tmp_path_factory.mktemp("storm") / "server.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "kura", "-C", str(demo_root), "serve", "--port", str(port)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(port, "/")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "kura serve exited"
            assert time.monotonic() < deadline, "kura serve did not start"
            time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.seek(0)
        output = log.read()
        log.close()
        assert "Traceback" not in output, output[-3000:]


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def raw(port: int, request_line: bytes) -> tuple[int, bytes]:
    """Send a request line exactly as given; the status and the body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def mixed_paths(root: Path) -> list[str]:
    """2,000 requests as visitors and IIIF viewers make them: pages, search, the API,
    manifests, info.json and tiles, in a fixed random order."""
    public = root / "public"
    items = sorted(p.stem for p in (public / "records").glob("*.json"))
    lessons = sorted(p.stem for p in (public / "lessons").glob("*.json") if p.stem[0] != "_")
    infos = sorted(public.glob("iiif/*/*/info.json"))
    tiles = sorted(public.glob("iiif/*/*/*/*/0/default.jpg"))
    assert items and lessons and infos and len(tiles) > 50

    def key(p: Path) -> str:
        return "/" + p.relative_to(public).as_posix()

    pages = ["/", "/collections/", "/lessons/", "/search", "/?mode=senior", "/?lang=en"]
    pages += [f"/items/{i}" for i in items] + [f"/lessons/{lid}/1" for lid in lessons]
    searches = (
        [
            "/search?q=%E6%97%A5%E8%A8%98",  # 日記
            "/search?q=%E3%81%95%E3%82%84%E3%81%BE",  # さやま
            "/search?q=%E5%A4%A9%E4%BF%9D&sort=date",  # 天保
            "/search?type=%E5%8F%A4%E6%96%87%E6%9B%B8&images=yes",  # 古文書
            "/api/search?q=%E6%AD%A6%E8%94%B5%E6%9D%91%E5%B1%B1",  # 武蔵村山
            "/api/search?year=1800-1900&per_page=50",
        ]
        + [f"/api/items/{i}" for i in items[:4]]
    )
    rendered = list(rendered_documents(root).document_keys())  # the store holds none
    imaged = sorted(k.split("/")[1] for k in rendered if k.endswith("/manifest.json"))
    assert imaged and len(imaged) < len(items)  # items without images have no manifest
    assert {key(p) for p in infos} == {f"/{k}" for k in rendered if k.endswith("/info.json")}
    documents = [key(p) for p in infos] + [f"/iiif/{i}/manifest.json" for i in imaged[:6]]
    tiles_ = [key(p) for p in tiles]
    rng = random.Random(7)
    kinds = [(pages, 25), (searches, 20), (documents, 20), (tiles_, 35)]
    paths = []
    for _ in range(REQUESTS):
        group = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        paths.append(rng.choice(group))
    return paths


def test_request_storm(server: tuple, demo_root: Path) -> None:
    port, process = server
    paths = mixed_paths(demo_root)
    local = threading.local()
    errors: list[str] = []
    opened: list[http.client.HTTPConnection] = []  # closed at the end, whichever thread

    def fetch(path: str) -> tuple[float, int]:
        start = time.perf_counter()
        for attempt in (1, 2):
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = http.client.HTTPConnection(
                    "127.0.0.1", port, timeout=30
                )
                opened.append(connection)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    local.connection = None
                return time.perf_counter() - start, response.status
            except (http.client.RemoteDisconnected, BrokenPipeError) as exc:
                # a kept-alive connection the server closed: one retry on a new one
                connection.close()
                local.connection = None
                if attempt == 2:
                    errors.append(f"{path}: {exc!r}")
            except OSError as exc:
                errors.append(f"{path}: {exc!r}")
                connection.close()
                local.connection = None
                break
        return time.perf_counter() - start, 0

    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(fetch, paths))
    elapsed = time.perf_counter() - started
    for connection in opened:
        connection.close()

    statuses: dict[int, int] = {}
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    times = sorted(t for t, _ in results)
    p50, p95 = times[len(times) // 2], times[int(0.95 * (len(times) - 1))]
    print(
        f"\nstorm: {REQUESTS} requests at {CONCURRENCY} concurrent in {elapsed:.1f} s: "
        f"{REQUESTS / elapsed:.0f} requests/s, p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms, statuses {statuses}, "
        f"errors {len(errors)}"
    )
    assert errors == []
    not_ok = sorted({p for p, (_, status) in zip(paths, results, strict=True) if status != 200})
    assert statuses == {200: REQUESTS}, not_ok
    assert times[-1] < 30  # generous: no request starved
    assert process.poll() is None
    assert get(port, "/")[0] == 200


TRAVERSAL_LINES = [
    b"GET /iiif/../kura.toml HTTP/1.1",
    b"GET /iiif/../../kura.toml HTTP/1.1",
    b"GET /iiif/..%2fkura.toml HTTP/1.1",
    b"GET /iiif/..%2f..%2fkura.toml HTTP/1.1",
    b"GET /iiif/%2e%2e/%2e%2e/kura.toml HTTP/1.1",
    b"GET /iiif/%252e%252e/kura.toml HTTP/1.1",
    b"GET /iiif/..\\..\\kura.toml HTTP/1.1",
    b"GET /iiif/..%5c..%5ckura.toml HTTP/1.1",
    b"GET /iiif/%c0%ae%c0%ae/kura.toml HTTP/1.1",
    b"GET /iiif/sashida-nikki/manifest.json%00 HTTP/1.1",
    b"GET /iiif//etc/passwd HTTP/1.1",
    b"GET /iiif/%2fetc%2fpasswd HTTP/1.1",
    b"GET /records/..%2fkura.toml.json HTTP/1.1",
    b"GET /records/..%2f..%2fitems.csv HTTP/1.1",
    b"GET /static/../../kura.toml HTTP/1.1",
    b"GET /static/..%2f..%2f..%2fkura.toml HTTP/1.1",
    b"GET /iiif/../masters/sashida-nikki HTTP/1.1",
    b"GET /iiif/..%2fmasters%2fsashida-nikki HTTP/1.1",
    b"GET /iiif/..%2ffixity%2fsashida-nikki.json HTTP/1.1",
    b"GET http://127.0.0.1/iiif/..%2f..%2fkura.toml HTTP/1.1",
    b"GET /../../../../etc/passwd HTTP/1.1",
    b"GET ../kura.toml HTTP/1.1",
]


@pytest.mark.parametrize("line", TRAVERSAL_LINES, ids=[x.decode() for x in TRAVERSAL_LINES])
def test_raw_traversal_on_the_real_server(server: tuple, line: bytes) -> None:
    port, _ = server
    status, body = raw(port, line)
    assert status in (400, 404), status
    assert b"base_url" not in body and b"root:x:0" not in body and b"sha256" not in body


@pytest.mark.parametrize("size", [100_000, 1_000_000])
def test_huge_request_lines_on_the_real_server(server: tuple, size: int) -> None:
    """Refused with a 4xx (waitress's own limit or the viewer's 414); the server lives on."""
    port, process = server
    try:
        status, _ = raw(port, b"GET /search?q=" + b"a" * size + b" HTTP/1.1")
    except (ConnectionResetError, BrokenPipeError):
        status = 0  # waitress may close the connection on a request it will not read
    assert status == 0 or 400 <= status < 500, status
    assert process.poll() is None
    assert get(port, "/search?q=a")[0] == 200
