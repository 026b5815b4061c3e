"""Viewer load benchmark: ``kura serve`` (waitress) over the demo archive against a plain
static file server (``python -m http.server``) serving the same tile, in the same run.

    make bench-viewer        (or: .venv/bin/python bench/viewer.py [--rounds 5] [--clients 16])

Builds the demo archive (``kura demo DIR --no-serve``; ``--root DIR`` reuses one), starts
``kura -C DIR serve`` and two ``python -m http.server -d DIR/public`` processes, all bound to
127.0.0.1 on free ports, and stops them by their PIDs at the end. No traffic leaves loopback.

Each measurement is a fixed window (``--duration`` s after ``--warmup`` s) of ``--clients``
concurrent clients, each a loop of GETs on one ``http.client`` connection (threads spread
over ``--client-procs`` processes so the client's GIL is not the bottleneck). It reports
requests/s, p50 and p95 latency and the server's CPU time per request (from /proc, less
sensitive to a noisy machine than wall time) for:

- kura, keep-alive: an item page, a search page, an ``info.json``, a tile;
- the same tile from ``python -m http.server --protocol HTTP/1.1`` (the default HTTP/1.0 has
  no keep-alive), keep-alive;
- the same tile from kura and from the default ``python -m http.server`` (HTTP/1.0), a new
  TCP connection for every request (``Connection: close``), as that server is run by default.

Rounds interleave kura and the static server (the order of each tile pair alternates), and the
summary gives the medians over rounds and the median of each round's kura/static ratio.
Targets from issue 4 (16 concurrent clients, 2 cores): tiles at >= 50 % of the static
server's throughput, item and search pages p95 <= 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # the only address this benchmark talks to
TICK = os.sysconf("SC_CLK_TCK")


# --- servers ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def stop(self) -> None:
        """SIGTERM to this server's PID (SIGKILL after 10 s)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, argv: list[str], port: int, logdir: Path) -> Server:
    log = logdir / f"{name.replace(' ', '-').replace('/', '')}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, process, port, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            get(port, "/")
            return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise SystemExit(f"{name} did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.2)


# --- load ------------------------------------------------------------------------------


def _request(port: int, path: str, keep: bool) -> bytes:
    """The request line and headers, with the Host header http.client would send (pages and
    JSON documents carry absolute URLs built from it, so it must match the check in main)."""
    close = b"" if keep else b"Connection: close\r\n"
    return b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n%s\r\n" % (path.encode(), HOST.encode(), port, close)


def _raw_get(sock: socket.socket, request: bytes) -> tuple[int, int, bool]:
    """One request on ``sock`` with the least client work: the status, the body's length and
    whether the server closes the connection (Content-Length bodies; else read to close)."""
    sock.sendall(request)
    data = b""
    while (end := data.find(b"\r\n\r\n")) < 0:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head = data[:end].lower()
    have = len(data) - end - 4
    closes = b"\r\nconnection: close" in head or (
        head.startswith(b"http/1.0") and b"\r\nconnection: keep-alive" not in head
    )
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        while chunk := sock.recv(65536):
            have += len(chunk)
        return int(head[9:12]), have, True
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
    while have < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        have += len(chunk)
    return int(head[9:12]), have, closes


def load(
    port: int,
    path: str,
    threads: int,
    begin: float,
    start_at: float,
    end_at: float,
    keep: bool,
    size: int,
    client: str,
) -> tuple[list[float], int, int, float]:
    """``threads`` clients GET ``path`` in a loop from ``begin`` (monotonic clock, shared by
    all processes) until ``end_at``; requests started before ``start_at`` are warm-up.
    A response counts when it is a 200 of ``size`` bytes. Returns the measured latencies
    (s), the errors, the connections opened and this process's CPU seconds in the window."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors = [0] * threads
    connections = [0] * threads
    headers = {} if keep else {"Connection": "close"}
    request = _request(port, path, keep)

    def with_http_client(i: int) -> None:
        connection = None
        while (t0 := time.monotonic()) < end_at:
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(HOST, port, timeout=30)
                    connections[i] += 1
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                ok = response.status == 200 and len(response.read()) == size
                if not keep or response.will_close:
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                ok = False
                if connection is not None:
                    connection.close()
                connection = None
            if t0 >= start_at:
                if ok:
                    latencies[i].append(time.monotonic() - t0)
                else:
                    errors[i] += 1
        if connection is not None:
            connection.close()

    def with_socket(i: int) -> None:
        sock = None
        while (t0 := time.monotonic()) < end_at:
            try:
                if sock is None:
                    sock = socket.create_connection((HOST, port), timeout=30)
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    connections[i] += 1
                status, length, closes = _raw_get(sock, request)
                ok = status == 200 and length == size
                if not keep or closes:
                    sock.close()
                    sock = None
            except (OSError, ValueError):
                ok = False
                if sock is not None:
                    sock.close()
                sock = None
            if t0 >= start_at:
                if ok:
                    latencies[i].append(time.monotonic() - t0)
                else:
                    errors[i] += 1
        if sock is not None:
            sock.close()

    def run(i: int) -> None:
        time.sleep(max(0.0, begin - time.monotonic()))
        (with_socket if client == "socket" else with_http_client)(i)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu0 = time.process_time()
    time.sleep(max(0.0, end_at - time.monotonic()))
    cpu1 = time.process_time()
    for t in pool:
        t.join()
    return [x for xs in latencies for x in xs], sum(errors), sum(connections), cpu1 - cpu0


def _noop() -> int:
    return os.getpid()


@dataclass
class Result:
    rps: float
    p50: float  # ms
    p95: float  # ms
    cpu: float  # server CPU ms per request
    client_cpu: float  # client CPU ms per request (all client processes)
    errors: int
    connections: int
    requests: int


def measure(pool, procs, server: Server, path: str, size: int, args, keep: bool) -> Result:
    """One window of ``args.clients`` concurrent clients against ``server``."""
    begin = time.monotonic() + 0.3  # time for the jobs to reach the worker processes
    start_at = begin + args.warmup
    end_at = start_at + args.duration
    per = [args.clients // procs + (i < args.clients % procs) for i in range(procs)]
    jobs = [
        pool.submit(load, server.port, path, n, begin, start_at, end_at, keep, size, args.client)
        for n in per
        if n
    ]
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu0 = server.cpu_seconds()
    time.sleep(max(0.0, end_at - time.monotonic()))
    cpu1 = server.cpu_seconds()
    latencies, errors, connections, client_cpu = [], 0, 0, 0.0
    for job in jobs:
        lat, err, conn, cpu = job.result()
        latencies += lat
        errors += err
        connections += conn
        client_cpu += cpu
    latencies.sort()
    n = len(latencies)
    if not n:
        nan = float("nan")
        return Result(0.0, nan, nan, nan, nan, errors, connections, 0)
    return Result(
        rps=n / args.duration,
        p50=latencies[n // 2] * 1000,
        p95=latencies[min(n - 1, int(0.95 * n))] * 1000,
        cpu=(cpu1 - cpu0) * 1000 / n,
        client_cpu=client_cpu * 1000 / n,
        errors=errors,
        connections=connections,
        requests=n,
    )


# --- the archive -----------------------------------------------------------------------


def build_demo(target: Path) -> None:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kura", "demo", str(target), "--no-serve", "-j", "2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"demo archive built in {time.perf_counter() - t0:.0f} s: {target}")


def pick_paths(public: Path, item: str | None, query: str) -> dict[str, str]:
    """The URL of each endpoint: an item page, a search page, the item's first info.json and
    a full-resolution 256×256 tile of it whose size is the median of such tiles."""
    imaged = sorted(
        p.stem for p in public.glob("records/*.json") if json.loads(p.read_bytes()).get("pages")
    )
    if not imaged:
        raise SystemExit(f"no imaged items in {public}")
    item = item or ("sashida-nikki" if "sashida-nikki" in imaged else imaged[0])
    infos = sorted((public / "iiif" / item).glob("*/info.json"))
    if not infos:
        raise SystemExit(f"no info.json for {item}")
    tree = infos[0].parent
    tiles = sorted(tree.glob("*,*,256,256/256,256/0/default.jpg"), key=lambda p: p.stat().st_size)
    if not tiles:
        tiles = sorted(tree.glob("*/*/0/default.jpg"), key=lambda p: p.stat().st_size)
    tile = tiles[len(tiles) // 2]

    def url(p: Path) -> str:
        return "/" + urllib.parse.quote(p.relative_to(public).as_posix(), safe="/,")

    return {
        "item page": f"/items/{urllib.parse.quote(item)}",
        "search page": "/search?q=" + urllib.parse.quote(query),
        "info.json": url(infos[0]),
        "tile": url(tile),
    }


# --- main ------------------------------------------------------------------------------


def fmt(r: Result) -> str:
    return (
        f"{r.rps:8.0f} {r.p50:7.1f} {r.p95:7.1f} {r.cpu:7.2f} {r.client_cpu:7.2f}"
        f" {r.errors:6d} {r.connections:6d}"
    )


HEAD = (
    f"{'':35}{'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'srv cpu':>7} {'cli cpu':>7}"
    f" {'errors':>6} {'conns':>6}"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, help="an existing archive (default: build the demo)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds measured (default 3)")
    ap.add_argument("--warmup", type=float, default=0.5, help="seconds of warm-up (default 0.5)")
    ap.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    ap.add_argument("--client-procs", type=int, default=2, help="client processes (default 2)")
    ap.add_argument("--threads", type=int, default=8, help="kura serve --threads (default 8)")
    ap.add_argument("--item", help="item id (default sashida-nikki, else the first with images)")
    ap.add_argument("--query", default="日記", help="search query (default 日記)")
    ap.add_argument(
        "--client",
        choices=("socket", "http.client"),
        default="socket",
        help="socket: a minimal HTTP/1.1 client on a plain socket (default, least client CPU); "
        "http.client: the standard library's client",
    )
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kura-bench-viewer-"))
    servers: list[Server] = []
    try:
        root = args.root
        if root is None:
            root = work / "demo-archive"
            build_demo(root)
        public = root.resolve() / "public"
        paths = pick_paths(public, args.item, args.query)
        py = sys.executable
        port = free_port()
        serve = ["serve", "--host", HOST, "--port", str(port), "--threads", str(args.threads)]
        kura = start("kura", [py, "-m", "kura", "-C", str(root), *serve], port, work)
        servers.append(kura)
        static = {}
        for proto in ("HTTP/1.1", "HTTP/1.0"):
            port = free_port()
            static[proto] = start(
                f"static {proto}",
                [py, "-m", "http.server", "-b", HOST, "-d", str(public), "-p", proto, str(port)],
                port,
                work,
            )
            servers.append(static[proto])

        # every endpoint answers 200, and the tile is the same bytes from both servers
        bodies = {}
        for name, path in paths.items():
            status, body = get(kura.port, path)
            if status != 200:
                raise SystemExit(f"kura: {path} gave {status}")
            bodies[name] = body
        for s in static.values():
            status, body = get(s.port, paths["tile"])
            if status != 200 or body != bodies["tile"]:
                raise SystemExit(f"{s.name}: {paths['tile']} gave {status}, {len(body)} bytes")

        print(f"cores: {os.cpu_count()}; load average before: {os.getloadavg()[0]:.2f}")
        print(f"python {platform.python_version()}; kura serve (waitress) --threads {args.threads}")
        print(
            f"{args.clients} concurrent clients in {args.client_procs} processes; "
            f"{args.rounds} rounds of {args.duration:g} s windows after {args.warmup:g} s warm-up"
        )
        for name, path in paths.items():
            print(f"  {name:12} {path}  ({len(bodies[name]):,} bytes)")
        print(f"client: {args.client}; keep-alive: one connection per client, reused;")
        print("new conn: a new TCP connection per request (Connection: close).")
        print("srv cpu / cli cpu: CPU ms per request of the server process (from /proc) and of")
        print("all client processes; when the client's share is large, it limits the throughput.")

        plan = [(f"{n}, kura, keep-alive", kura, paths[n], True) for n in paths if n != "tile"]
        pairs = [
            [
                ("tile, kura, keep-alive", kura, paths["tile"], True),
                ("tile, static HTTP/1.1, keep-alive", static["HTTP/1.1"], paths["tile"], True),
            ],
            [
                ("tile, kura, new conn", kura, paths["tile"], False),
                ("tile, static HTTP/1.0, new conn", static["HTTP/1.0"], paths["tile"], False),
            ],
        ]
        results: dict[str, list[Result]] = {}
        procs = max(1, min(args.client_procs, args.clients))
        with ProcessPoolExecutor(procs) as pool:
            for f in [pool.submit(_noop) for _ in range(procs * 2)]:
                f.result()  # the worker processes exist before the first window
            for rnd in range(args.rounds):
                print(f"\nround {rnd + 1}/{args.rounds}\n{HEAD}")
                order = plan + [x for pair in pairs for x in (pair if rnd % 2 == 0 else pair[::-1])]
                for label, server, path, keep in order:
                    size = len(bodies[label.split(",")[0]])
                    r = measure(pool, procs, server, path, size, args, keep)
                    results.setdefault(label, []).append(r)
                    print(f"{label:35}{fmt(r)}", flush=True)

        print(f"\nmedians over {args.rounds} rounds, {args.clients} concurrent clients")
        print(HEAD)
        med = {}
        for label, rs in results.items():
            fields = ("rps", "p50", "p95", "cpu", "client_cpu")
            m = Result(
                *(statistics.median(getattr(r, f) for r in rs) for f in fields),
                errors=sum(r.errors for r in rs),
                connections=int(statistics.median(r.connections for r in rs)),
                requests=sum(r.requests for r in rs),
            )
            med[label] = m
            print(f"{label:35}{fmt(m)}")
        print("(errors: total over rounds; conns: median per window)")

        def ratio(a: str, b: str) -> tuple[float, float]:
            per_round = [
                x.rps / y.rps for x, y in zip(results[a], results[b], strict=True) if y.rps
            ]
            return statistics.median(per_round), med[a].rps / med[b].rps

        keep_r = ratio("tile, kura, keep-alive", "tile, static HTTP/1.1, keep-alive")
        new_r = ratio("tile, kura, new conn", "tile, static HTTP/1.0, new conn")
        print(
            f"\ntile kura/static throughput, keep-alive: {keep_r[0]:.2f} (median of rounds; "
            f"ratio of medians {keep_r[1]:.2f})"
        )
        print(
            f"tile kura/static throughput, new conn:   {new_r[0]:.2f} (median of rounds; "
            f"ratio of medians {new_r[1]:.2f})"
        )
        item_p95, search_p95 = (
            med[f"{n}, kura, keep-alive"].p95 for n in ("item page", "search page")
        )
        verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
        print(f"target tiles >= 0.50 of static (keep-alive): {verdict(keep_r[0] >= 0.5)}")
        print(f"target tiles >= 0.50 of static (new conn):   {verdict(new_r[0] >= 0.5)}")
        print(f"target item page p95 <= 100 ms ({item_p95:.1f}): {verdict(item_p95 <= 100)}")
        print(f"target search page p95 <= 100 ms ({search_p95:.1f}): {verdict(search_p95 <= 100)}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        for s in servers:
            s.stop()
        for s in servers:
            text = s.log.read_text(errors="replace") if s.log.exists() else ""
            if "Traceback" in text:
                print(f"\n{s.name} logged a traceback:\n{text[-3000:]}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
