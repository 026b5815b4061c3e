"""``kura publish --to DIR``: a folder gets what a bucket would (documents rendered for the
public address, tiles, records, open data) and nothing private; served by a plain static
server with CORS, IIIF clients find every id and tile; a re-run writes nothing; ``--delete``;
a killed run leaves no half-written file; ``--dry-run`` without credentials or target."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from click.testing import CliRunner

from archive.keys import TEMP_MARK
from archive.store import LocalStore
from ingest.pipeline import Ingest, IngestOptions
from kura.cli import cli
from tests.rendered import documents

if TYPE_CHECKING:
    from tests.s3server import Seaweed

pytest_plugins = ["tests.s3server"]  # the seaweed and s3env fixtures

PUBLISHED_TOPS = {"iiif", "records", "lessons", "activity", "opendata"}


def ingest(root: Path) -> None:
    from archive.config import load_config

    summary = Ingest(load_config(root), IngestOptions(jobs=1)).run()
    assert not summary.failed


def run(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), "publish", *args])
    return result.exit_code, result.output


def said(output: str) -> list[str]:
    """The lines of the output other than warnings about the project (such as open data
    without a municipality code, which this sample project has)."""
    return [line for line in output.strip().splitlines() if not line.startswith("warning:")]


def publish(root: Path, target: str, base_url: str, *extra: str) -> dict:
    code, output = run(root, "--to", target, "--base-url", base_url, *extra)
    assert code == 0, output
    line = said(output)[-1]
    numbers = line.split("— ", 1)[1]
    return {
        "uploaded": int(numbers.split(" uploaded")[0]),
        "unchanged": int(numbers.split(", ")[1].split(" unchanged")[0]),
        "deleted": int(numbers.split(", ")[2].split(" deleted")[0]),
        "output": output,
        "line": line,
    }


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` (hidden ones too): relative path → (inode, mtime_ns)."""
    out = {}
    for path in folder.rglob("*"):
        if path.is_file():
            st = path.stat()
            out[path.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CorsHandler(SimpleHTTPRequestHandler):
    """A plain static server as a city web server would be set up for IIIF: files as they
    are, with ``Access-Control-Allow-Origin: *`` and nothing else."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An empty folder to publish to, served on 127.0.0.1 at the returned base URL."""
    folder = tmp_path / "www"
    folder.mkdir()
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(CorsHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{port}/kura"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def archive(sample_project: Path) -> Path:
    ingest(sample_project)
    return sample_project


def test_a_folder_served_statically_is_a_working_iiif_site(archive: Path, served) -> None:
    """Every manifest of the top collection opens at its own id, with the canvases' image
    services and their tiles, from a plain static server, across origins."""
    www, base = served
    site = www / "kura"  # the base URL has a path: the folder is what is served under it
    first = publish(archive, str(site), base)
    assert first["uploaded"] > 30 and first["unchanged"] == 0
    origin = {"Origin": "https://viewer.example.org"}

    top = requests.get(f"{base}/iiif/collection/top.json", headers=origin, timeout=10)
    assert top.status_code == 200
    assert top.headers["Access-Control-Allow-Origin"] == "*"
    assert top.json()["id"] == f"{base}/iiif/collection/top.json"
    manifests = [item["id"] for item in top.json()["items"]]
    # the three items with images (the fourth has none and is not published as a manifest)
    assert sorted(manifests) == sorted(
        f"{base}/iiif/{name}/manifest.json" for name in ("sashida-nikki", "bonsho", "ezu")
    )
    tiles_loaded = 0
    for manifest_id in manifests:
        manifest = requests.get(manifest_id, headers=origin, timeout=10)
        assert manifest.status_code == 200, manifest_id
        assert manifest.json()["id"] == manifest_id
        for canvas in manifest.json()["items"]:
            body = canvas["items"][0]["items"][0]["body"]
            service = body["service"][0]["id"]
            assert service.startswith(f"{base}/iiif/")
            info = requests.get(f"{service}/info.json", headers=origin, timeout=10)
            assert info.status_code == 200, service
            assert info.headers["Access-Control-Allow-Origin"] == "*"
            assert info.json()["id"] == service
            # a level-0 client asks for the sizes and tiles info.json lists
            width, height = info.json()["width"], info.json()["height"]
            size = info.json()["sizes"][0]
            tile = info.json()["tiles"][0]["width"]
            tw, th = min(tile, width), min(tile, height)  # the top-left tile
            for url in (
                f"{service}/full/{size['width']},{size['height']}/0/default.jpg",
                f"{service}/0,0,{tw},{th}/{tw},{th}/0/default.jpg",  # 3.0's canonical form
                body["id"],  # the painting image itself
            ):
                image = requests.get(url, headers=origin, timeout=10)
                assert image.status_code == 200, url
                assert image.content[:3] == b"\xff\xd8\xff", url
                tiles_loaded += 1
    assert tiles_loaded >= 9  # at least 3 canvases, 3 images each

    feed = requests.get(f"{base}/activity/all-changes.json", timeout=10).json()
    assert feed["id"] == f"{base}/activity/all-changes.json"

    # what a bucket would get: every document rendered for the base URL, byte for byte
    rendered = documents(archive, base)
    for key in rendered.document_keys():
        assert (site / key).read_bytes() == rendered.render_bytes(key), key
    local = LocalStore(archive / "public")
    for key in [
        *local.list("records"),
        *(k for k in local.list("iiif") if not k.endswith(".json")),
    ]:
        assert (site / key).read_bytes() == local.get(key), key


def test_nothing_private_is_published(archive: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(archive, str(site), "https://archive.example.jp")
    assert (archive / "public" / "masters").is_dir()  # the project has them …
    assert (archive / "public" / "state").is_dir()
    published = files(site)
    assert published
    assert {name.split("/")[0] for name in published} <= PUBLISHED_TOPS  # … the folder not
    assert not any(TEMP_MARK in name for name in published)
    assert not any(name.endswith(("kura.toml", ".log", "items.csv")) for name in published)
    local = LocalStore(archive / "public")
    assert list(local.list("masters"))
    # (a JPEG scan's own bytes may be its full-size image: the tiler publishes it as it is)
    # with --masters (a USB disk for the city's own copy), and only then
    publish(archive, str(site), "https://archive.example.jp", "--masters")
    assert {k for k in local.list("masters")} == {
        name for name in files(site) if name.startswith("masters/")
    }


def test_a_rerun_writes_nothing(archive: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = publish(archive, f"file://{site}", "https://archive.example.jp")
    before = files(site)
    assert len(before) == first["uploaded"]
    again = publish(archive, str(site), "https://archive.example.jp")  # the same folder
    assert again["uploaded"] == 0, again["line"]
    assert again["unchanged"] == first["uploaded"]
    assert files(site) == before  # same files, same inodes, same mtimes


def test_a_changed_item_rewrites_only_its_files(archive: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(archive, str(site), "https://archive.example.jp")
    before = files(site)
    sheet = archive / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("真福寺梵鐘", "真福寺の梵鐘"),
        encoding="utf-8-sig",
    )
    ingest(archive)
    result = publish(archive, str(site), "https://archive.example.jp")
    after = files(site)
    changed = sorted(name for name in after if after[name] != before.get(name))
    assert changed == [
        "activity/all-changes.json",
        "activity/page-0.json",
        "iiif/bonsho/manifest.json",
        "iiif/collection/top.json",
        "records/bonsho.json",
    ], result["line"]
    assert result["uploaded"] == 5
    assert "真福寺の梵鐘" in (site / "iiif/bonsho/manifest.json").read_text(encoding="utf-8")


def test_delete_removes_only_what_the_archive_no_longer_has(archive: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(archive, str(site), "https://archive.example.jp")
    (site / "iiif/gone/abc").mkdir(parents=True)
    (site / "iiif/gone/abc/0.jpg").write_bytes(b"old tile")
    (site / "records/gone.json").write_bytes(b"{}")
    (site / "index.html").write_text("the city's own page")  # not Kura's: never touched
    (site / "robots.txt").write_text("User-agent: *")
    kept = publish(archive, str(site), "https://archive.example.jp")
    assert kept["deleted"] == 0 and "2 only in the folder" in kept["line"]
    assert (site / "records/gone.json").exists()
    removed = publish(archive, str(site), "https://archive.example.jp", "--delete")
    assert removed["deleted"] == 2 and removed["uploaded"] == 0
    assert not (site / "records/gone.json").exists()
    assert not (site / "iiif/gone").exists()  # folders left empty go too
    assert (site / "records").is_dir() and (site / "iiif").is_dir()
    assert (site / "index.html").read_text() == "the city's own page"
    assert (site / "robots.txt").exists()


def test_a_changed_file_in_the_folder_is_put_right(archive: Path, tmp_path: Path) -> None:
    """A file changed behind Kura's back (another size or mtime) is compared byte for byte
    and written again; one that only got a new mtime (``cp`` without ``-p``) is not."""
    site = tmp_path / "site"
    publish(archive, str(site), "https://archive.example.jp")
    record = site / "records/bonsho.json"
    good = record.read_bytes()
    record.write_bytes(b"{}")
    manifest = site / "iiif/ezu/manifest.json"
    os.utime(manifest, ns=(1_000_000_000, 1_000_000_000))
    touched = manifest.stat().st_mtime_ns
    result = publish(archive, str(site), "https://archive.example.jp")
    assert result["uploaded"] == 1, result["line"]
    assert record.read_bytes() == good
    assert manifest.stat().st_mtime_ns == touched


def test_a_killed_publish_leaves_no_half_file_and_resumes(archive: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "KURA_PUBLISH_CRASH_AFTER": "12", "KURA_LANG": "en"}
    killed = subprocess.run(
        [sys.executable, "-c", "from kura.cli import main; main()", "-C", str(archive), "publish", "--to", str(site),
         "--base-url", "https://archive.example.jp", "-j", "4"],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert killed.returncode == 137, killed.stderr
    rendered = documents(archive, "https://archive.example.jp")
    local = LocalStore(archive / "public")
    partial_run = {n for n in files(site) if not n.startswith(f"{TEMP_MARK}publish/")}
    assert len(partial_run) >= 12
    for name in partial_run:  # every file in place is whole
        is_document = name.endswith(".json") and name.startswith(("iiif/", "activity/"))
        expected = rendered.render_bytes(name) if is_document else local.get(name)
        assert (site / name).read_bytes() == expected, name
    resumed = publish(archive, str(site), "https://archive.example.jp")
    assert resumed["uploaded"] > 0
    assert resumed["unchanged"] >= 12  # what the killed run wrote is not written again
    assert not (site / f"{TEMP_MARK}publish").exists()
    assert publish(archive, str(site), "https://archive.example.jp")["uploaded"] == 0


@pytest.mark.parametrize(
    "where",
    ["public", "public/site", ".", "..", "ftp://example.org/x", "s3:/typo/x"],
)
def test_a_target_that_would_expose_the_project_is_refused(archive: Path, where: str) -> None:
    target = where if "/" in where and ":" in where else str(archive / where)
    code, output = run(archive, "--to", target, "--base-url", "https://archive.example.jp")
    assert code == 1, output
    assert len(said(output)) == 1 and said(output)[0].startswith("error:"), output
    assert "Traceback" not in output
    assert not (archive / "public" / "site").exists()


def test_bucket_options_on_a_folder_are_refused(archive: Path, tmp_path: Path) -> None:
    code, output = run(
        archive, "--to", str(tmp_path / "site"), "--base-url", "https://a.example", "--set-cors"
    )
    assert code == 1 and "web server" in output, output
    assert not (tmp_path / "site").exists()


# --- --dry-run without the target ----------------------------------------------------------


def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS credentials anywhere boto3 looks (and no instance metadata to ask)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_dry_run_without_credentials_counts_everything(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_credentials(monkeypatch, tmp_path)
    code, output = run(
        archive, "--to", "s3://city-archive/kura", "--base-url", "https://a.example", "--dry-run"
    )
    assert code == 0, output
    first, last = said(output)
    assert "cannot be reached" in first and "no S3 credentials" in first
    assert "no earlier publish is recorded" in first
    numbers = last.split("— ", 1)[1]
    sent = int(numbers.split(" uploaded")[0])
    local = LocalStore(archive / "public")
    tiles = [k for k in local.list("iiif") if not k.endswith(".json")]
    rendered = list(documents(archive, "https://a.example").document_keys())
    records = list(local.list("records"))
    assert records and not list(local.list("lessons"))
    opendata = 1  # the CSV, made for the public address
    assert sent == len(tiles) + len(records) + len(rendered) + opendata
    assert " 0 unchanged" in last
    # a publish (not a dry run) still needs them, and says so in one line
    code, output = run(archive, "--to", "s3://city-archive/kura", "--base-url", "https://a.example")
    assert code == 1 and "no S3 credentials" in output and len(said(output)) == 1


def test_dry_run_without_credentials_compares_with_the_last_publish(
    s3env: Seaweed, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive.publish import Publisher

    runs: list[list[str]] = []
    original = Publisher.run

    def recording(self: Publisher):
        report = original(self)
        runs.append(sorted(report.uploaded_keys))
        return report

    monkeypatch.setattr(Publisher, "run", recording)
    target = f"s3://{s3env.new_bucket()}/site"
    publish(archive, target, "https://a.example")
    no_credentials(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3env.endpoint)
    unchanged = publish(archive, target, "https://a.example", "--dry-run")
    first = said(unchanged["output"])[0]
    assert "cannot be reached" in first and "last publish manifest" in first
    assert unchanged["uploaded"] == 0, unchanged["line"]

    sheet = archive / "items.csv"
    sheet.write_text(
        sheet.read_text(encoding="utf-8-sig").replace("真福寺梵鐘", "真福寺の梵鐘"),
        encoding="utf-8-sig",
    )
    ingest(archive)
    changed = publish(archive, target, "https://a.example", "--dry-run")
    # the record, its manifest, the top collection and the feed's two documents (ingest
    # logged an Update)
    assert runs[-1] == [
        "activity/all-changes.json",
        "activity/page-0.json",
        "iiif/bonsho/manifest.json",
        "iiif/collection/top.json",
        "records/bonsho.json",
    ], changed["line"]
    other = publish(archive, target, "https://b.example", "--dry-run")  # another address
    rendered = len(list(documents(archive, "https://b.example").document_keys()))
    records = len(list(LocalStore(archive / "public").list("records")))
    # every document, and every JSON file: the last publish was for another address (the
    # open-data CSV lists no item here, so it is the same for both)
    assert other["uploaded"] == rendered + records, other["line"]


def test_dry_run_to_a_missing_folder_creates_nothing(archive: Path, tmp_path: Path) -> None:
    """A USB disk that is not mounted: the dry run says so and counts against the last
    publish to it."""
    disk = tmp_path / "usb" / "kura"
    publish(archive, str(disk), "https://a.example")
    (tmp_path / "usb").rename(tmp_path / "usb-unplugged")
    result = publish(archive, str(disk), "https://a.example", "--dry-run")
    assert "no such folder" in said(result["output"])[0]
    assert result["uploaded"] == 0, result["line"]
    assert not (tmp_path / "usb").exists()
