"""kura verify ends every failing line with how to repair it, and doing what it says repairs
it: for each kind of damage, the line printed, then the repair carried out as printed (the
command run as written), then verify passes."""

from __future__ import annotations

import json
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from archive import keys
from archive.config import load_config
from archive.store import LocalStore
from ingest.curation import compile_curation
from kura.cli import cli

LESSON = """---
title: 鐘をしらべよう
audience: kids
grade: 3
---

## 鐘

item: bonsho

お寺の鐘です。
"""

BACKUP = "restore it from a backup or a BagIt export (kura export bag)"
FROM_SCANS = "(copies it again from scans/ if the scan there is unchanged)"


def kura(root: Path, *args: str, lang: str = "en") -> Result:
    return CliRunner().invoke(cli, ["--lang", lang, "-C", str(root), *args])


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    root = sample_project
    (root / "lessons").mkdir(exist_ok=True)
    (root / "lessons" / "bell.md").write_text(LESSON, "utf-8")
    (root / "collections").mkdir(exist_ok=True)
    (root / "collections" / "bells.toml").write_text(
        'title = "梵鐘の記録"\n\n[[items]]\nid = "bonsho"\n', "utf-8"
    )
    result = kura(root, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    assert not compile_curation(load_config(root)).problems
    verified = kura(root, "verify")
    assert verified.exit_code == 0, verified.output
    return root


def public(root: Path) -> LocalStore:
    return LocalStore(root / "public")


def a_tile(root: Path) -> Path:
    store = public(root)
    record = json.loads(store.get(keys.record("bonsho")))
    tree = keys.image("bonsho", record["pages"][0]["image"])
    return store.path(next(k for k in store.list(tree) if "/full/" not in k and k.endswith("jpg")))


def a_master(root: Path) -> Path:
    return next(p for p in (root / "public" / "masters" / "bonsho").rglob("*") if p.is_file())


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def replace(old: str, new: str) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), "utf-8")

    return edit


def under(root: Path, key: str) -> Path:
    return root / "public" / key


# (damage, the key verify names, the repair printed ({kura} is "kura -C ROOT"), how to repair)
# how: "run" runs the command printed; "delete and run" deletes the file, then runs it;
# "remove" moves what verify names out of the store; "restore" puts the saved copy back.
CASES = {
    "tile, a byte changed": (
        lambda r: flip(a_tile(r)),
        lambda r: a_tile(r),
        "{kura} ingest --check --only bonsho",
        "run",
    ),
    "tile missing": (
        lambda r: a_tile(r).unlink(),
        None,
        "{kura} ingest --check --only bonsho",
        "run",
    ),
    "a stray file in a tree": (
        lambda r: (a_tile(r).parent / "stray.jpg").write_bytes(b"\xff\xd8"),
        lambda r: a_tile(r).parent / "stray.jpg",
        "{kura} ingest --check --only bonsho",
        "run",
    ),
    "record changed": (
        lambda r: replace("真福寺梵鐘", "偽の梵鐘")(under(r, "records/bonsho.json")),
        lambda r: under(r, "records/bonsho.json"),
        "{kura} ingest --only bonsho",
        "run",
    ),
    "record unreadable": (
        lambda r: under(r, "records/bonsho.json").write_text("{", "utf-8"),
        lambda r: under(r, "records/bonsho.json"),
        "{kura} ingest --only bonsho",
        "run",
    ),
    "fixity record changed": (
        lambda r: replace('"kura_fixity": 1', '"kura_fixity": 2')(under(r, "fixity/bonsho.json")),
        lambda r: under(r, "fixity/bonsho.json"),
        "{kura} ingest --only bonsho",
        "run",
    ),
    "a tree no page uses": (
        lambda r: shutil.copytree(a_tile(r).parents[3], under(r, "iiif/bonsho/0123456789abcdef")),
        lambda r: under(r, "iiif/bonsho/0123456789abcdef"),
        "{kura} ingest --only bonsho",
        "run",
    ),
    "a manifest an older version stored": (
        lambda r: under(r, "iiif/bonsho/manifest.json").write_text("{}", "utf-8"),
        lambda r: under(r, "iiif/bonsho/manifest.json"),
        "{kura} ingest --only bonsho",
        "run",
    ),
    "a file Kura did not write": (
        lambda r: under(r, "iiif/bonsho/notes.txt").write_text("memo", "utf-8"),
        lambda r: under(r, "iiif/bonsho/notes.txt"),
        "move it out of the store (Kura did not write it)",
        "remove",
    ),
    "master missing": (
        lambda r: a_master(r).unlink(),
        None,
        "{kura} ingest --only bonsho " + FROM_SCANS + ", or " + BACKUP,
        "run",
    ),
    "master, a byte changed": (
        lambda r: flip(a_master(r)),
        lambda r: a_master(r),
        "delete it and run {kura} ingest --only bonsho " + FROM_SCANS + ", or " + BACKUP,
        "delete and run",
    ),
    "compiled lesson changed": (
        lambda r: replace("お寺の鐘です", "神社の鐘です")(under(r, "lessons/bell.json")),
        lambda r: under(r, "lessons/bell.json"),
        "{kura} index",
        "run",
    ),
    "compiled collection changed": (
        lambda r: replace("梵鐘の記録", "梵鐘の記緑")(under(r, "state/collections/bells.json")),
        lambda r: under(r, "state/collections/bells.json"),
        "{kura} index",
        "run",
    ),
    "change log changed": (
        lambda r: replace('"Create"', '"Delete"')(under(r, "state/activity/page-0.json")),
        lambda r: under(r, "state/activity/page-0.json"),
        "restore it from a backup of the project (the history of changes cannot be rebuilt)",
        "restore",
    ),
    "an item folder with no record": (
        lambda r: shutil.copytree(under(r, "iiif/bonsho"), under(r, "iiif/ghost")),
        lambda r: under(r, "iiif/ghost"),
        "{kura} ingest if the sheet lists it (its record is written again); otherwise move it "
        "out of the store",
        "remove",
    ),
}


def failing_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("case", list(CASES))
def test_verify_says_how_to_repair_and_that_repairs_it(ingested: Path, case: str) -> None:
    damage, named, repair, how = CASES[case]
    root = ingested
    saved = {p: p.read_bytes() for p in (root / "public" / "state").rglob("*") if p.is_file()}
    target = named(root) if named else None
    damage(root)

    result = kura(root, "verify")
    assert result.exit_code == 1, result.output
    printed = repair.format(kura=f"kura -C {root}")
    lines = failing_lines(result)
    assert lines, result.output
    for line in lines:  # every failing line ends with its repair
        assert line.endswith(f" — repair: {printed}"), line
    if target is not None:
        relative = target.relative_to(root / "public").as_posix()
        assert any(relative in line for line in lines), (relative, lines)

    if how == "run" or how == "delete and run":
        if how == "delete and run":
            assert target is not None
            target.unlink()
            printed = printed.removeprefix("delete it and run ")
        command = shlex.split(printed.split(" (")[0])
        assert command[:3] == ["kura", "-C", str(root)]
        done = kura(root, *command[3:])
        assert done.exit_code == 0, done.output
    elif how == "remove":
        assert target is not None
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink()
    else:
        for path, data in saved.items():
            path.write_bytes(data)

    verified = kura(root, "verify")
    assert verified.exit_code == 0, verified.output


def test_the_repair_is_in_japanese_and_in_json(ingested: Path) -> None:
    flip(a_tile(ingested))
    result = kura(ingested, "verify", lang="ja")
    assert result.exit_code == 1
    assert failing_lines(result)[0].endswith(
        f" — 直し方: kura -C {ingested} ingest --check --only bonsho"
    )
    report = json.loads(kura(ingested, "verify", "--json").stdout)
    assert [f["repair"] for f in report["findings"]] == [
        f"kura -C {ingested} ingest --check --only bonsho"
    ]
