"""``kura build``: the demo archive as static files (issue 16), served by ``python -m
http.server``. Every page in every variant, nothing private, every internal link names a file
of the folder, IIIF ids under the given address, kids pages whose furigana match the server's
in every grade, a lesson's answers as pages, and a rebuild with no change that writes nothing
(mtimes unchanged) while a withdrawal removes the item's files and leaves a tombstone."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.config import load_config
from kura.cli import cli
from tests.static_site import Site, broken_links, demo_copy, kura_build, mtimes, served_site
from viewer import create_app
from viewer.freeze import build_site
from viewer.static_pages import VARIANTS

DIARY = "sashida-nikki"
LESSON = "mukashi-no-dogu"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with served_site(tmp_path_factory, "build") as built:
        yield built


def published(project: Path) -> list[str]:
    return sorted(p.stem for p in (project / "public" / "records").glob("*.json"))


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read()


def test_every_page_in_every_variant(site: Site) -> None:
    items = published(site.project)
    assert len(items) == 14
    for prefix, prefs in VARIANTS:
        tree = site.out / prefix
        pages = ["index.html", "search/index.html", "collections/index.html"]
        pages += ["collections/top/index.html", "lessons/index.html"]
        pages += [f"lessons/{LESSON}/index.html", f"lessons/{LESSON}/1/index.html"]
        pages += [f"lessons/{LESSON}/summary/index.html", f"lessons/{LESSON}/worksheet/index.html"]
        pages += [f"items/{item}/index.html" for item in items]
        for page in pages:
            text = (tree / page).read_text(encoding="utf-8")
            assert f'<html lang="{prefs.lang}" class="mode-{prefs.mode}"' in text, page
            # kids pages in Japanese carry every grade's furigana, shown for <html data-grade>
            assert ('data-grade="3"' in text) == (prefs.mode == "kids" and prefs.lang == "ja")
    for name in ("robots.txt", "sitemap.xml", "404.html", "iiif/collection/top.json"):
        assert (site.out / name).is_file(), name
    assert (site.out / "activity" / "all-changes.json").is_file()
    assert list((site.out / "opendata").glob("*.csv"))
    item = (site.out / "items" / DIARY / "index.html").read_text(encoding="utf-8")
    assert '<script type="application/ld+json">' in item  # JSON-LD inside the page


def test_nothing_private_is_written(site: Site) -> None:
    names = {p.name for p in site.out.iterdir()}
    assert names <= {
        "index.html", "404.html", "robots.txt", "sitemap.xml", "static", "iiif", "records",
        "activity", "opendata", "items", "collections", "lessons", "search", "en", "senior",
        "kids",
    }  # fmt: skip
    files = [p for p in site.out.rglob("*") if p.is_file()]
    secret = (site.project / "kura.toml").read_bytes()
    for path in files:
        rel = path.relative_to(site.out).as_posix()
        assert not rel.startswith(("masters/", "state/", "fixity/", "logs/")), rel
        assert path.name not in ("kura.toml", "items.csv") and ".kura-tmp" not in path.name, rel
        assert path.stat().st_size != len(secret) or path.read_bytes() != secret, rel
    # the record the viewer publishes at /records/ID.json, as stored
    stored = site.project / "public" / "records" / f"{DIARY}.json"
    assert (site.out / "records" / f"{DIARY}.json").read_bytes() == stored.read_bytes()
    # the masters are not copied, and the lessons' compiled sources are not published
    assert (
        not list(site.out.rglob("*.tif")) and not (site.out / "lessons" / f"{LESSON}.json").exists()
    )


def test_no_broken_internal_link(site: Site) -> None:
    checked, broken = broken_links(site.out, site.url)
    assert broken == []
    assert checked > 10_000  # 6 variants × ~66 pages, each with its header, footer and links


def test_links_are_relative_and_switch_trees(site: Site) -> None:
    page = (site.out / "en" / "items" / DIARY / "index.html").read_text(encoding="utf-8")
    assert 'href="../../../static/kura.css"' in page
    assert 'href="../../../items/sashida-nikki/index.html" lang="ja"' in page  # 日本語
    assert 'href="../../senior/items/sashida-nikki/index.html" data-mode="senior"' in page
    assert 'href="../../kids/items/sashida-nikki/index.html" data-mode="kids"' in page
    assert 'href="../../index.html"' in page  # home, in the English tree
    assert "/api/" not in page  # no server behind the folder: no API links
    # a IIIF id stays absolute, under the address the site was built for
    assert f'data-manifest="{site.url}/iiif/{DIARY}/manifest.json"' in page


def test_iiif_documents_for_the_address(site: Site) -> None:
    manifest = json.loads((site.out / "iiif" / DIARY / "manifest.json").read_text("utf-8"))
    assert manifest["id"] == f"{site.url}/iiif/{DIARY}/manifest.json"
    service = manifest["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    info_path = site.out / service.removeprefix(f"{site.url}/") / "info.json"
    info = json.loads(info_path.read_text("utf-8"))
    assert info["id"] == service
    status, kind, body = get(f"{service}/info.json")
    assert status == 200 and json.loads(body)["id"] == service
    # a tile named by info.json is there
    tile = info["tiles"][0]["width"]
    status, kind, _ = get(f"{service}/0,0,{tile},{tile}/{tile},{tile}/0/default.jpg")
    assert (status, kind) == (200, "image/jpeg")


def test_served_by_a_plain_web_server(site: Site) -> None:
    # the address the server uses for an item (in manifests, the sitemap, shared links)
    # leads to its page: http.server redirects /items/ID to /items/ID/
    status, kind, body = get(f"{site.url}/items/{DIARY}")
    assert (status, kind) == (200, "text/html")
    assert b"<title>" in body
    status, kind, body = get(f"{site.url}/en/lessons/{LESSON}/1/")
    assert (status, kind) == (200, "text/html") and b'lang="en"' in body
    sitemap = (site.out / "sitemap.xml").read_text("utf-8")
    assert f"<loc>{site.url}/items/{DIARY}</loc>" in sitemap


FG = re.compile(r'<span class="fg" data-fg="([^"]*)">(.*?)</span>', re.S)
RUBY = re.compile(r"<ruby>(.*?)<rp>\(</rp><rt>(.*?)</rt><rp>\)</rp></ruby>", re.S)


def at_grade(page: str, grade: int) -> str:
    """A static kids page as the browser shows it in ``grade``."""
    return FG.sub(lambda m: m[2] if str(grade) in m[1].split() else "", page)


def body(page: str) -> str:
    """The header and the content (the footer differs: a static site has no search API,
    and always the open-data file)."""
    return page[page.index("<body") : page.index("</main>")]


@pytest.mark.parametrize(
    "path",
    [f"/lessons/{LESSON}/2", f"/items/{DIARY}", "/collections/top", f"/lessons/{LESSON}"],
)
def test_kids_furigana_match_the_server_in_every_grade(site: Site, path: str) -> None:
    static = (site.out / "kids" / path.strip("/") / "index.html").read_text("utf-8")
    client = create_app(load_config(site.project)).test_client()
    differ = set()
    for grade in range(1, 7):
        served = client.get(f"{path}?mode=kids&grade={grade}").get_data(as_text=True)
        shown = RUBY.findall(body(at_grade(static, grade)))
        assert shown == RUBY.findall(body(served)), grade
        assert shown
        differ.add(tuple(shown))
    assert len(differ) > 1  # the grade changes what has furigana


def test_answers_are_pages(site: Site) -> None:
    client = create_app(load_config(site.project)).test_client()
    feedback = re.compile(r'<div class="feedback"[^>]*>(.*?)</div>', re.S)
    answered = 0
    for step in sorted((site.out / "lessons" / LESSON).glob("*/choice-*/index.html")):
        n, choice = step.parent.parent.name, step.parent.name.removeprefix("choice-")
        static = step.read_text("utf-8")
        served = client.get(f"/lessons/{LESSON}/{n}?choice={choice}").get_data(as_text=True)
        assert feedback.search(static)[1] == feedback.search(served)[1]
        assert "fb-" in feedback.search(static)[1]
        # each choice submits to its own page (the query string is for the server)
        assert f'formaction="../choice-{choice}/index.html"' not in static
        assert 'formaction="index.html"' in static
        answered += 1
    assert answered >= 6
    first = (site.out / "lessons" / LESSON / "2" / "index.html").read_text("utf-8")
    assert 'formaction="choice-0/index.html"' in first


def test_rebuild_with_no_change_writes_nothing(site: Site) -> None:
    before = mtimes(site.out)
    report = build_site(load_config(site.project), site.out, site.url)
    assert (report.written, report.removed, report.rendered) == (0, 0, 0)
    assert report.pages == len([p for p in before if p.endswith(".html")]) - 1  # not 404.html
    assert mtimes(site.out) == before


def test_a_changed_item_rewrites_its_pages_only(tmp_path_factory) -> None:
    project = demo_copy(tmp_path_factory, "build-change")
    out = project.parent / "site"
    base = "http://127.0.0.1:9/archive"  # a site under a path: links stay relative
    kura_build(project, out, base)
    before = mtimes(out)
    withdrawn = CliRunner().invoke(
        cli, ["-C", str(project), "withdraw", DIARY, "--reason", "権利者の申し出"]
    )
    assert withdrawn.exit_code == 0, withdrawn.output
    kura_build(project, out, base)
    after = mtimes(out)
    assert not (out / "records" / f"{DIARY}.json").exists()
    assert not (out / "iiif" / DIARY).exists()  # its tiles and documents
    tombstone = (out / "items" / DIARY / "index.html").read_text("utf-8")
    assert "権利者の申し出" in tombstone
    assert DIARY not in (out / "iiif" / "collection" / "top.json").read_text("utf-8")
    assert DIARY not in (out / "sitemap.xml").read_text("utf-8")
    # other items' pages and tiles were not touched
    other = "items/mingu-tomi/index.html"
    assert after[other] == before[other]
    tiles = [p for p in before if p.startswith("iiif/mingu-tomi/") and p.endswith(".jpg")]
    assert tiles and all(after[p] == before[p] for p in tiles)
    checked, broken = broken_links(out, base)
    assert broken == [] and checked
    assert 'href="../../static/kura.css"' in (
        out / "items" / "mingu-tomi" / "index.html"
    ).read_text("utf-8")
    # the 404 page is served at any depth: its links start at the site's path
    assert 'href="/archive/static/kura.css"' in (out / "404.html").read_text("utf-8")


def test_refuses_to_build_into_the_project(tmp_path_factory) -> None:
    project = demo_copy(tmp_path_factory, "build-refuse")
    for target in (project, project / "public", project / "public" / "site"):
        result = CliRunner().invoke(cli, ["-C", str(project), "build", "-o", str(target)])
        assert result.exit_code == 1
        assert "cannot build into the project" in result.output or "書き出せません" in result.output


def test_cli_help_lists_build() -> None:
    result = CliRunner().invoke(cli, ["build", "--help"])
    assert result.exit_code == 0 and "--base-url" in result.output


def test_kura_demo_static_builds_the_site(tmp_path: Path) -> None:
    target = tmp_path / "demo-archive"
    result = CliRunner().invoke(
        cli, ["demo", str(target), "--static", "--no-serve", "--port", "8123", "-j", "2"]
    )
    assert result.exit_code == 0, result.output
    site = target / "site"
    assert "http://127.0.0.1:8123" in result.output  # the address it would be served at
    manifest = json.loads((site / "iiif" / DIARY / "manifest.json").read_text("utf-8"))
    assert manifest["id"] == f"http://127.0.0.1:8123/iiif/{DIARY}/manifest.json"
    checked, broken = broken_links(site, "http://127.0.0.1:8123")
    assert broken == [] and checked
