"""Building the demo project: kura.toml from ``kura init``, the sheet, lessons and collections
copied from this package, and the scans drawn where they are missing.

Re-running is cheap: a scan is drawn only when its file is missing (written atomically, so
an interrupted run never leaves a half file behind), and every other file is rewritten only
when its bytes change, so an ingest after a re-run finds nothing to do.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from archive.config import CONFIG_NAME
from archive.errors import KuraError
from archive.project import init_project, kura_toml
from kura.demo.scans import SCANS, write_scans

DEMO_TITLE_JA = "武蔵村山市 デジタルアーカイブ(デモ)"
DEMO_TITLE_EN = "Musashimurayama City Digital Archive (demo)"
HOLDER_JA = "武蔵村山市"
HOLDER_EN = "Musashimurayama City"
HOMEPAGE = "https://www.city.musashimurayama.lg.jp/"
# the open-data CSV's 全国地方公共団体コード (132233: 東京都武蔵村山市, with its check digit)
OPENDATA_CODE = "132233"
# the sheet, lessons/*.md and collections/*.toml shipped with the demo (see README, 学習教材)
CONTENT = Path(__file__).parent
CONTENT_FILES = ("items.csv", "lessons/*.md", "collections/*.toml")


def build_demo(target: Path, base_url: str) -> None:
    """Create or refresh the demo archive project in ``target``.

    A new project is made by ``kura init`` with the demo's title, holder, provider and
    ``base_url``. An existing one must be a demo project (its title is the demo's), so a real
    archive's sheet is never overwritten; its kura.toml is the demo's again with ``base_url``.
    The sheet, lessons and collections are restored, and scans drawn where files are missing.
    """
    target = Path(target)
    config_path = target / CONFIG_NAME
    settings = {
        "base_url": base_url,
        "holder_ja": HOLDER_JA,
        "holder_en": HOLDER_EN,
        "homepage": HOMEPAGE,
        "opendata_code": OPENDATA_CODE,
        "municipality": HOLDER_JA,
    }
    if config_path.exists():
        _check_demo(config_path)
        text = kura_toml(DEMO_TITLE_JA, DEMO_TITLE_EN, **settings)
        _write_if_changed(config_path, text.encode("utf-8"))
    else:
        init_project(target, DEMO_TITLE_JA, DEMO_TITLE_EN, **settings)
    for pattern in CONTENT_FILES:
        for source in sorted(CONTENT.glob(pattern)):
            path = target / source.relative_to(CONTENT)
            path.parent.mkdir(exist_ok=True)
            _write_if_changed(path, source.read_bytes())
    missing = [(scan, target / "scans" / scan.path) for scan in SCANS]
    write_scans([(scan, path) for scan, path in missing if not path.exists()])


def _check_demo(path: Path) -> None:
    try:
        title = tomllib.loads(path.read_text(encoding="utf-8")).get("title", {})
    except tomllib.TOMLDecodeError as exc:
        raise KuraError(f"{path}: TOML として読めません / not valid TOML: {exc}") from exc
    if not (isinstance(title, dict) and title.get("ja") == DEMO_TITLE_JA):
        raise KuraError(
            f"{path.parent}: デモ用アーカイブではないため、台帳を上書きしません。空のフォルダか"
            f"新しいフォルダを指定してください / {path.parent} is not a demo archive (its title "
            "is not the demo's), so its sheet is not overwritten; choose an empty or new folder"
        )


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
