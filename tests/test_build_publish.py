"""``kura publish --site DIR``: a static site built by ``kura build`` sent to a folder or a
bucket (SeaweedFS) as it is, with the same only-what-changed rules as every publish: a
re-publish with nothing changed sends nothing, a rebuild after a withdrawal sends only what
changed, and ``--delete`` removes the withdrawn item's files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from archive.publish import Publisher
from archive.store import open_store
from kura.cli import cli
from tests.static_site import demo_copy, kura_build

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

BASE = "https://www.city.example.lg.jp/kura"
DIARY = "sashida-nikki"


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def publish_site(project: Path, site: Path, target: str, *extra: str) -> list[str]:
    """``kura publish --site``; the keys it sent."""
    sent: list[list[str]] = []
    original = Publisher.run

    def recording(self):
        report = original(self)
        sent.append(sorted(report.uploaded_keys))
        return report

    Publisher.run = recording  # type: ignore[method-assign]
    try:
        args = ["--lang", "en", "-C", str(project), "publish", "--site", str(site)]
        result = CliRunner().invoke(cli, [*args, "--to", target, "--base-url", BASE, *extra])
    finally:
        Publisher.run = original  # type: ignore[method-assign]
    assert result.exit_code == 0, result.output
    return sent[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    project = demo_copy(tmp_path_factory, "build-publish")
    site = project.parent / "site"
    kura_build(project, site, BASE)
    return project, site


def test_a_site_to_a_folder_only_what_changed(built, tmp_path: Path) -> None:
    project, site = built
    target = tmp_path / "www"
    first = publish_site(project, site, str(target))
    assert files(target) == files(site)
    assert set(first) == set(files(site))
    assert publish_site(project, site, str(target)) == []  # nothing changed: nothing sent

    withdrawn = CliRunner().invoke(cli, ["-C", str(project), "withdraw", DIARY])
    assert withdrawn.exit_code == 0, withdrawn.output
    kura_build(project, site, BASE)
    again = publish_site(project, site, str(target), "--delete")
    assert again and len(again) < len(first) / 4  # what the withdrawal changed, no more
    assert f"items/{DIARY}/index.html" in again  # the tombstone
    assert "iiif/collection/top.json" in again
    assert not any(k.startswith(f"iiif/{DIARY}/") for k in again)
    assert files(target) == files(site)  # the item's tiles and record removed with --delete
    assert not (target / "iiif" / DIARY).exists()


def test_a_site_to_a_bucket(built, s3env: Seaweed) -> None:
    project, site = built
    target = f"s3://{s3env.new_bucket()}/site"
    first = publish_site(project, site, target)
    remote = open_store(target, project)
    local = files(site)
    assert set(remote.list("")) == set(local) == set(first)
    for key in ("index.html", "en/items/mingu-tomi/index.html", "iiif/collection/top.json"):
        assert remote.get(key) == local[key]
    assert publish_site(project, site, target) == []


def test_a_folder_that_is_not_a_built_site_is_refused(built, tmp_path: Path) -> None:
    project, _site = built
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "-C",
            str(project),
            "publish",
            "--site",
            str(empty),
            "--to",
            str(tmp_path / "www"),
        ],
    )
    assert result.exit_code == 1 and "not a folder made by `kura build`" in result.output
