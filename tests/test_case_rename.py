"""An ID renamed only by case across runs (``bonsho`` last run, ``BONSHO`` now) is refused in
one line naming file, row and column, never published as a second item (on Windows and macOS
both would be one file); the stored item stays whole and is not reported as gone."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kura.cli import cli
from tests.conftest import write_sheet

REFUSED = (
    "items.csv row 3, column ID: error: ID 'BONSHO' differs only by case from the item "
    "'bonsho' already in the archive (IDs ignore case: on Windows and macOS both would be one "
    "file); to keep that item write its ID as 'bonsho'; to rename it, choose an ID that "
    'differs by more than case and withdraw the old one (`kura withdraw bonsho --reason "…"`)'
)


def kura(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--lang", "en", "-C", str(root), *args])


def rename(root: Path, old: str, new: str, extra: list[dict] | None = None) -> None:
    text = (root / "items.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    write_sheet(
        root, [{**r, "ID": new if r["ID"] == old else r["ID"]} for r in rows] + (extra or [])
    )


def tree(root: Path) -> dict[str, str]:
    """Every stored file, with its sha256."""
    public = root / "public"
    return {
        p.relative_to(public).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(public.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def ingested(sample_project: Path) -> Path:
    result = kura(sample_project, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    return sample_project


def test_a_case_only_rename_is_refused_and_the_rest_goes_on(ingested: Path) -> None:
    before = tree(ingested)
    rename(ingested, "bonsho", "BONSHO", [{"ID": "kane", "名称": "新しい資料"}])
    result = kura(ingested, "ingest", "-j", "1")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert [line for line in lines if "BONSHO" in line] == [REFUSED]
    assert "no longer in the sheet" not in result.output  # its row is there
    assert "1 new" in lines[-1] and "1 failed" in lines[-1] and "1 errors" in lines[-1]
    after = tree(ingested)
    assert "records/kane.json" in after  # the rest of the batch went on
    assert not [key for key in after if "BONSHO" in key]
    assert {k: v for k, v in after.items() if k in before and "bonsho" in k} == {
        k: v for k, v in before.items() if "bonsho" in k
    }
    verified = kura(ingested, "verify")
    assert verified.exit_code == 0, verified.output


def test_refused_with_only_with_dry_run_and_when_withdrawn(ingested: Path) -> None:
    rename(ingested, "bonsho", "BONSHO")
    before = tree(ingested)
    for args, listed in ((["--only", "BONSHO"], []), (["--dry-run"], ["failed: BONSHO"])):
        result = kura(ingested, "ingest", "-j", "1", *args)
        assert result.exit_code == 1
        mentions = [line for line in result.output.splitlines() if "BONSHO" in line]
        assert mentions == [REFUSED, *listed]  # a dry run lists every row's outcome
    assert tree(ingested) == before
    withdrawn = kura(ingested, "withdraw", "bonsho", "--reason", "test")
    assert withdrawn.exit_code == 0, withdrawn.output
    result = kura(ingested, "ingest", "-j", "1")  # its files are still there: one file still
    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if "BONSHO" in line] == [REFUSED]
    assert not (ingested / "public" / "records" / "BONSHO.json").exists()


def test_renaming_as_the_error_says(ingested: Path) -> None:
    """A new ID that differs by more than case is a new item; the old one is reported with
    the command that withdraws it, and after that the sheet ingests cleanly."""
    rename(ingested, "bonsho", "bonsho-2")
    result = kura(ingested, "ingest", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "  bonsho\t真福寺梵鐘" in result.output.splitlines()
    assert kura(ingested, "withdraw", "bonsho", "--reason", "renamed").exit_code == 0
    again = kura(ingested, "ingest", "-j", "1")
    assert again.exit_code == 0, again.output
    assert "no longer in the sheet" not in again.output
    assert (ingested / "public" / "records" / "bonsho-2.json").exists()
