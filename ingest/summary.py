"""What an ingest run reports: one outcome per sheet row, the run's summary line (日本語 /
English, counts that add up to the sheet's rows) and its ``--report`` JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from archive import __version__
from archive.model import Problem


@dataclass
class ItemOutcome:
    id: str
    status: str  # new | images | metadata | unchanged | failed | planned | withdrawn
    pages: int = 0
    seconds: float = 0.0
    tiled: int = 0  # pages tiled in this run (0 = every tree reused)
    error: str = ""
    row: int | None = None  # the sheet row, of a row that failed its checks


@dataclass
class IngestSummary:
    sheet: str
    outcomes: list[ItemOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    started_at: str = ""
    finished_at: str = ""
    log: str = ""  # the run's log file, relative to the project
    # (id, title) of published items the sheet no longer lists: reported, never withdrawn
    missing: list[tuple[str, str]] = field(default_factory=list)
    rows: int = 0  # the sheet's data rows (0 with --only: the outcomes are the selection)
    skipped: int = 0  # rows of examples and notes (ID starting with #), never ingested

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> bool:
        return self.count("failed") > 0 or any(p.level == "error" for p in self.problems)

    def line(self, lang: str | None = None) -> str:
        from archive.i18n import pick

        # every row is counted once (an item, a failed row, an example) so the counts add up
        # to the sheet's rows; errors and warnings count the messages printed above
        errors = sum(1 for p in self.problems if p.level == "error")
        errors += sum(1 for o in self.outcomes if o.status == "failed" and o.error != "sheet")
        warnings = sum(1 for p in self.problems if p.level == "warning")
        n = {s: self.count(s) for s in ("new", "images", "metadata", "unchanged", "failed")}
        more = {s: self.count(s) for s in ("planned", "withdrawn")}
        tiled = sum(o.tiled for o in self.outcomes)
        ja = [f"新規 {n['new']} 件", f"画像更新 {n['images']} 件", f"情報更新 {n['metadata']} 件"]
        ja += [f"変更なし {n['unchanged']} 件", f"失敗 {n['failed']} 件"]
        en = [f"{n['new']} new", f"{n['images']} images updated"]
        en += [f"{n['metadata']} metadata updated", f"{n['unchanged']} unchanged"]
        en += [f"{n['failed']} failed"]
        if more["planned"]:
            ja.append(f"画像そのまま {more['planned']} 件")
            en.append(f"{more['planned']} with images as they are")
        if more["withdrawn"]:
            ja.append(f"取り下げ中 {more['withdrawn']} 件")
            en.append(f"{more['withdrawn']} withdrawn")
        if self.skipped:
            ja.append(f"記入例 {self.skipped} 行")
            en.append(f"{self.skipped} example rows")
        total_ja = f"台帳 {self.rows} 行 → " if self.rows else ""
        total_en = f"{self.rows} sheet rows → " if self.rows else ""
        return pick(
            f"取り込み{'(試行)' if self.dry_run else ''}: {total_ja}{', '.join(ja)}"
            f" (タイル化 {tiled} 画像, メッセージ: エラー {errors}・警告 {warnings}, "
            f"{self.seconds:.1f} 秒)",
            f"ingest{' (dry run)' if self.dry_run else ''}: {total_en}{', '.join(en)}"
            f" ({tiled} pages tiled, messages: {errors} errors, {warnings} warnings, "
            f"{self.seconds:.1f} s)",
            lang,
        )

    def report(self) -> dict:
        return {
            "kura": __version__,
            "sheet": self.sheet,
            "dry_run": self.dry_run,
            "started": self.started_at,
            "finished": self.finished_at,
            "seconds": round(self.seconds, 3),
            "failed": self.failed,
            "log": self.log,
            "counts": {
                s: self.count(s)
                for s in (
                    "new",
                    "images",
                    "metadata",
                    "unchanged",
                    "failed",
                    "planned",
                    "withdrawn",
                )
            },
            "pages_tiled": sum(o.tiled for o in self.outcomes),
            "items": [asdict(o) for o in self.outcomes],
            "problems": [asdict(p) for p in self.problems],
            "not_in_sheet": [{"id": i, "title": t} for i, t in self.missing],
        }
