"""Shared fixtures: tiny archive projects built in tmp_path with generated scans."""

from __future__ import annotations

import csv
import importlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest
from PIL import Image, ImageDraw

from archive.project import SHEET_HEADERS, init_project

# The IIIF Presentation 3 JSON Schema lives in the team's shared folder beside the checkout
# (never copied into the repository); KURA_IIIF_SCHEMA points elsewhere if needed.
SCHEMA_PATH = Path(
    os.environ.get("KURA_IIIF_SCHEMA")
    or Path(__file__).resolve().parents[2] / "shared" / "iiif" / "iiif_3_0.json"
)


# .ci/run sets KURA_REQUIRE_COMPONENTS=1: there `make test` has installed every real component
# the tests use (Chromium, Playwright, SeaweedFS, the C extension) and the team's shared folder
# (the IIIF schema) is beside the checkout, so one that is missing fails the run instead of
# skipping its tests, which would hide a missing install step.
REQUIRE_COMPONENTS = os.environ.get("KURA_REQUIRE_COMPONENTS") == "1"
INSTALLED = "`make test` installs it"


def missing(what: str, source: str = INSTALLED) -> NoReturn:
    """Skip the test (or, at import, the module) because ``what`` is not there (``source``
    says where it comes from); under .ci/run, fail instead."""
    if REQUIRE_COMPONENTS:
        pytest.fail(f"{what} is missing, but {source}", pytrace=False)
    pytest.skip(f"needs {what} ({source})", allow_module_level=True)


def needs(available: bool, what: str, source: str = INSTALLED) -> pytest.MarkDecorator:
    """A ``skipif`` mark for a test or module that needs ``what`` (see ``missing``)."""
    if not available and REQUIRE_COMPONENTS:
        missing(what, source)
    return pytest.mark.skipif(not available, reason=f"needs {what} ({source})")


def import_or_missing(module: str, what: str) -> ModuleType:
    """``module``, or ``missing(what)``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(what)


@pytest.fixture(autouse=True)
def cli_environment() -> Iterator[None]:
    """``kura --lang`` and ``--endpoint-url`` set process-wide variables (so ingest workers
    see them); restore them after each test so one test's language never leaks into the next."""
    names = ("KURA_LANG", "AWS_ENDPOINT_URL_S3")
    saved = {name: os.environ.get(name) for name in names}
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def make_scan(path: Path, size: tuple[int, int], seed: int = 0, mode: str = "RGB", **save) -> Path:
    """A scan with structure (gradient, shapes) so tiles differ and compress realistically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    image = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for i in range(12):
        x, y = (seed * 97 + i * 131) % max(w, 1), (seed * 53 + i * 71) % max(h, 1)
        draw.ellipse((x, y, x + w // 6, y + h // 6), fill=((seed * 40 + i * 20) % 256, 90, 160))
    if mode != "RGB":
        image = image.convert(mode)
    image.save(path, **save)
    return path


def write_sheet(root: Path, rows: list[dict], name: str = "items.csv") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=SHEET_HEADERS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (root / name).write_text(buf.getvalue(), encoding="utf-8-sig", newline="")
    return root / name


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Make a project with the given sheet rows; scans are created by the caller."""

    def make(rows: list[dict] | None = None, name: str = "proj") -> Path:
        root = tmp_path / name
        init_project(root, "テスト文書館", "Test Archive")
        text = (root / "kura.toml").read_text(encoding="utf-8")
        text = text.replace(
            'value = { ja = "", en = "" }',
            'value = { ja = "武蔵村山市", en = "Musashimurayama City" }',
        )
        (root / "kura.toml").write_text(text, encoding="utf-8")
        if rows is not None:
            write_sheet(root, rows)
        return root

    return make


@pytest.fixture
def sample_project(project: Callable[..., Path]) -> Path:
    """Four items: a multi-page right-to-left diary, a single scan, a TIFF, no images."""
    root = project(
        [
            {
                "ID": "sashida-nikki",
                "名称": "指田日記",
                "名称_カナ": "サシダニッキ",
                "名称_英語": "Sashida Diary",
                "資料種別": "古文書",
                "年代": "天保5年～明治4年",
                "概要": "村の暮らしを記した日記",
                "概要_英語": "A diary of village life",
                "画像ファイル": "指田日記/*.jpg",
                "利用条件": "CC BY 4.0",
                "表示方向": "右から左",
            },
            {
                "ID": "bonsho",
                "名称": "真福寺梵鐘",
                "資料種別": "写真",
                "年代": "寛永15年",
                "画像ファイル": "bonsho.png",
                "利用条件": "CC0",
            },
            {
                "ID": "ezu",
                "名称": "村山絵図",
                "資料種別": "絵図",
                "年代": "江戸時代後期",
                "画像ファイル": "ezu.tif",
            },
            {"ID": "shishimai", "名称": "横中馬獅子舞", "年代": "昭和30年代"},
        ]
    )
    for i in range(3):
        make_scan(
            root / "scans" / "指田日記" / f"{i + 1:02d}.jpg",
            (700 + 10 * i, 500),
            seed=i,
            quality=90,
        )
    make_scan(root / "scans" / "bonsho.png", (300, 420), seed=7)
    make_scan(root / "scans" / "ezu.tif", (1300, 900), seed=9, compression="tiff_lzw")
    return root


@pytest.fixture(scope="session")
def iiif_schema() -> dict:
    """The IIIF Presentation 3 JSON Schema: a missing component (see ``missing``)."""
    if not SCHEMA_PATH.is_file():
        missing(
            f"the IIIF Presentation 3 schema at {SCHEMA_PATH}",
            "the team's shared folder beside the checkout holds it, outside this "
            "repository; KURA_IIIF_SCHEMA may point elsewhere",
        )
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
