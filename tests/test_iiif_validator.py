"""The official IIIF Image API validator (``iiif-validator``) against a pyramid we wrote.

The validator's test image is a 10×10 grid of 100-pixel squares whose colours are its own
truth table, ``ValidationInfo.colorInfo`` (``colorInfo[x][y]`` is the square in column x,
row y; ``do_test_square`` checks the dominant colour of the middle of a square). The
package ships no image file or generator, so the image is drawn here from that table. It is
tiled with ``write_pyramid`` into a LocalStore, the store is served on 127.0.0.1 only, and
``iiif-validate.py --version 3.0 --level 0`` is run against it as a subprocess.

At level 0 the validator only checks ``info.json`` and ``full/max`` (its JPEG format and
the colours of five random squares), not, say, that ``width`` matches the image (a wrong
width passes it: test_served_like_a_static_host checks that), and no tile at all:
test_pyramid.py walks every tile.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from iiif_validator.validator import ValidationInfo
from PIL import Image, ImageDraw

from archive import keys
from archive.config import Config
from archive.keys import content_type_for
from archive.store import LocalStore
from ingest.pyramid import write_pyramid
from manifests.documents import Documents
from manifests.urls import Urls

# The identifier of the validator's test image on the reference servers (any would do:
# it is what we pass with --identifier and where the tree is written).
IDENTIFIER = "67352ccc-d1b0-11e1-89ae-279075081939"
PREFIX = "iiif"
KEY = f"{PREFIX}/{IDENTIFIER}"
LEVEL0_TESTS = {"info_json", "id_basic", "id_squares", "format_jpg", "size_nofull"}


def validator_image() -> Image.Image:
    """The validator's 1000×1000 test card, drawn from its colour table."""
    colours = ValidationInfo().colorInfo
    image = Image.new("RGB", (1000, 1000))
    draw = ImageDraw.Draw(image)
    for x in range(10):
        for y in range(10):
            box = (x * 100, y * 100, x * 100 + 99, y * 100 + 99)
            draw.rectangle(box, fill=colours[x][y])
    return image


# --------------------------------------------------------------------------------------
# A static server for a store folder, on 127.0.0.1


class StoreHandler(SimpleHTTPRequestHandler):
    """Serves ``server.root`` (changeable between tests) like a static host would: the
    store's content types, CORS for everyone, no directory listings."""

    def __init__(self, request, client_address, server) -> None:
        super().__init__(request, client_address, server, directory=str(server.root))

    def guess_type(self, path) -> str:
        key = Path(path).relative_to(self.server.root).as_posix()
        return content_type_for(key)

    def list_directory(self, path):
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format, *args) -> None:
        self.server.requests.append(self.path)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StoreHandler)
    httpd.root = None
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, name="iiif-test-server", daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def good_tree(server, tmp_path_factory) -> Path:
    """The validator image tiled once, for the server's port; tests copy it."""
    root = tmp_path_factory.mktemp("validator-store")
    port = server.server_address[1]
    store = LocalStore(root)
    with store.tree(KEY) as tree:
        # workers=1: no fork while the server thread runs
        write_pyramid(
            validator_image(),
            tree,
            f"http://127.0.0.1:{port}/{KEY}",
            tile=256,
            sizes_max=1024,
            quality=85,
            workers=1,
        )
    return root


@pytest.fixture
def store(server, good_tree, tmp_path) -> LocalStore:
    root = tmp_path / "store"
    shutil.copytree(good_tree, root)
    server.root = root
    server.requests.clear()
    return LocalStore(root)


def run_validator(port: int) -> tuple[int, dict[str, str], str]:
    """Run iiif-validate.py; returns (exit code, {test: PASS|FAIL}, its output)."""
    script = Path(sysconfig.get_path("scripts")) / "iiif-validate.py"
    if not script.exists():
        script = Path(sys.executable).with_name("iiif-validate.py")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"  # never leave the machine
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            "--server",
            f"127.0.0.1:{port}",
            "--prefix",
            PREFIX,
            "--identifier",
            IDENTIFIER,
            "--version",
            "3.0",
            "--level",
            "0",
            "--verbose",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    output = proc.stdout + proc.stderr
    results = dict(re.findall(r"^\[\d+\] test (\w+) (PASS|FAIL)$", output, re.MULTILINE))
    return proc.returncode, results, output


def fetch(port: int, path: str):
    """GET from our server only (no proxy); returns the response, read."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/{path}", timeout=10) as response:
        return response.status, response.headers, response.read()


# --------------------------------------------------------------------------------------
# Tests


def test_validator_image_matches_its_truth_table() -> None:
    image = validator_image()
    info = ValidationInfo()
    for x in range(10):
        for y in range(10):
            square = image.crop((x * 100 + 13, y * 100 + 13, x * 100 + 87, y * 100 + 87))
            assert info.do_test_square(square, x, y, ValidationResult())


class ValidationResult:
    """The bit of the validator's result object that do_test_square writes to."""

    def __init__(self) -> None:
        self.tests: list[str] = []


def test_level0_pyramid_passes_the_validator(server, store) -> None:
    port = server.server_address[1]
    code, results, output = run_validator(port)
    assert code == 0, output
    assert set(results) >= LEVEL0_TESTS, output
    assert set(results.values()) == {"PASS"}, output
    assert re.search(rf"Done \({len(results)} tests, 0 failures\)", output), output
    # it really talked to our server, and fetched the image itself
    assert f"/{KEY}/info.json" in server.requests
    assert f"/{KEY}/full/max/0/default.jpg" in server.requests


def test_served_like_a_static_host(server, store) -> None:
    """What the validator does not check at level 0: info.json's size is the image's."""
    port = server.server_address[1]
    status, headers, body = fetch(port, f"{KEY}/info.json")
    assert status == 200
    assert headers["Content-Type"] == "application/ld+json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    info = json.loads(body)
    assert info["id"] == f"http://127.0.0.1:{port}/{KEY}"
    status, headers, body = fetch(port, f"{KEY}/full/max/0/default.jpg")
    assert headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "JPEG"
        assert image.size == (info["width"], info["height"]) == (1000, 1000)


def test_the_info_json_served_is_the_one_validated(server, store) -> None:
    """The viewer and ``kura publish`` serve an info.json rendered from the item's record,
    not the tiler's own: for a record of this page it is the validated one, id aside (the
    id is the address it is served at)."""
    port = server.server_address[1]
    image = "0123456789abcdef"
    page = {"page": 1, "image": image, "file": "scans/card.png", "frame": 0}
    page.update(width=1000, height=1000, sizes=[])
    record = {
        "id": "card",
        "pages": [page],
        "image_settings": {"tile_size": 256, "sizes_max": 1024},
    }
    store.put(keys.record("card"), json.dumps(record).encode())
    docs = Documents(store, Config(root=store.root), Urls(f"http://127.0.0.1:{port}"))
    rendered = docs.render(keys.info("card", image))
    assert rendered is not None
    assert rendered["id"] == f"http://127.0.0.1:{port}/iiif/card/{image}"
    validated = json.loads(store.get(f"{KEY}/info.json"))
    assert rendered == {**validated, "id": rendered["id"]}


def break_missing_full_max(store: LocalStore) -> None:
    store.delete(f"{KEY}/full/max/0/default.jpg")


def break_wrong_id(store: LocalStore) -> None:
    info = json.loads(store.get(f"{KEY}/info.json"))
    info["id"] = info["id"].replace(IDENTIFIER, "some-other-image")
    store.put(f"{KEY}/info.json", json.dumps(info).encode())


def break_wrong_type(store: LocalStore) -> None:
    info = json.loads(store.get(f"{KEY}/info.json"))
    info["type"] = "ImageService2"
    store.put(f"{KEY}/info.json", json.dumps(info).encode())


def break_wrong_content(store: LocalStore) -> None:
    # the image upside down: no square lands on its own colour
    rotated = validator_image().transpose(Image.Transpose.ROTATE_180)
    with store.writer(f"{KEY}/full/max/0/default.jpg") as fh:
        rotated.save(fh, "JPEG", quality=85)


@pytest.mark.parametrize(
    ("breakage", "failing"),
    [
        (break_missing_full_max, {"id_basic", "id_squares", "format_jpg"}),
        (break_wrong_id, {"info_json"}),
        (break_wrong_type, {"info_json"}),
        (break_wrong_content, {"id_squares"}),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_broken_tree_fails_the_validator(server, store, breakage, failing) -> None:
    breakage(store)
    code, results, output = run_validator(server.server_address[1])
    assert code == len(failing), output
    assert {name for name, status in results.items() if status == "FAIL"} == failing, output
