"""The structured log of an ingest run (``logs/ingest-{time}-{pid}.jsonl``)."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive import __version__


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def relative(path: Path, root: Path) -> str:
    """``path`` as the archivist knows it: relative to the project, where it is inside."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class RunLog:
    """The structured log of one ingest run: ``logs/ingest-{time}-{pid}.jsonl`` in the
    project, one JSON object a line (start, every item as it finishes, problems, end), so a
    killed run still shows how far it got. A log that cannot be written never fails the run."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.logged: set[str] = set()

    @classmethod
    def open(cls, root: Path, at: str, summary: Any, options: Any) -> RunLog:
        if options.dry_run:
            return cls(None)
        stamp = at.replace("-", "").replace(":", "").split(".")[0]
        log = cls(root / "logs" / f"ingest-{stamp}Z-{os.getpid()}.jsonl")
        summary.log = relative(log.path, root)
        log.write(
            event="start",
            at=at,
            kura=__version__,
            host=platform.node(),
            pid=os.getpid(),
            sheet=summary.sheet,
            jobs=options.jobs,
            only=options.only,
        )
        return log

    def write(self, **event: object) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event, ensure_ascii=False) + "\n")
        except OSError:
            self.path = None  # e.g. a read-only project: keep ingesting without a log

    def item(self, outcome: Any) -> None:
        self.logged.add(outcome.id)
        self.write(event="item", at=now_iso(), **asdict(outcome))

    def end(self, summary: Any) -> None:
        for outcome in summary.outcomes:
            if outcome.id not in self.logged:  # failed before any work (sheet, file access)
                self.item(outcome)
        for problem in summary.problems:
            self.write(event="problem", **asdict(problem))
        report = summary.report()
        self.write(
            event="end",
            at=summary.finished_at,
            seconds=report["seconds"],
            counts=report["counts"],
            pages_tiled=report["pages_tiled"],
            failed=summary.failed,
        )
