"""The ``kura`` command: thin click commands over the packages.

Errors are handled here, in one place: a KuraError becomes one line on stderr and exit
code 1; nothing else is caught (a bug shows its traceback).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from archive import __version__
from archive.config import Config
from archive.errors import KuraError
from archive.i18n import current_lang, pick
from kura.context import project_config, project_dir, writing_config
from kura.publishing import build, export, publish


class KuraGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KuraError as exc:
            click.echo(f"{pick('エラー', 'error')}: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=KuraGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "directory",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="このフォルダのプロジェクトで実行 (git -C と同じ) / run as if started in DIR",
    metavar="DIR",
)
@click.option(
    "--lang",
    type=click.Choice(["ja", "en"]),
    default=None,
    help="メッセージの言語 (既定: 日本語) / language of messages (default ja)",
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="S3 互換ストレージのエンドポイント (store が s3:// のとき; 既定は AWS の設定) / S3-compatible endpoint for an s3:// store (default: boto3's settings)",
)
@click.version_option(__version__, prog_name="kura")
@click.pass_context
def cli(ctx: click.Context, directory: Path, lang: str | None, endpoint_url: str | None) -> None:
    """Kura (蔵): 市の歴史資料の IIIF デジタルアーカイブ / a IIIF digital archive."""
    if lang:
        os.environ["KURA_LANG"] = lang
    if endpoint_url:  # boto3's own variable, so ingest workers and every store see it
        os.environ["AWS_ENDPOINT_URL_S3"] = endpoint_url
    ctx.obj = {"dir": directory}


cli.add_command(build)
cli.add_command(export)
cli.add_command(publish)


@cli.command()
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="", help="アーカイブの名称 (日本語) / the archive's title (ja)")
@click.option("--title-en", default="", help="英語の名称 / the archive's title in English")
@click.option(
    "--base-url",
    default=Config.base_url,
    show_default=True,
    help="公開URLの基点 / the public base URL",
)
@click.option("--holder", default="", help="所蔵・提供者 (日本語) / the holder and provider (ja)")
@click.option("--holder-en", default="", help="英語の所蔵・提供者 / the holder in English")
@click.option("--homepage", default="", help="提供者のウェブサイト / the provider's homepage")
def init(
    target: Path,
    title: str,
    title_en: str,
    base_url: str,
    holder: str,
    holder_en: str,
    homepage: str,
) -> None:
    """新しいアーカイブを TARGET に作る / create a new archive project in TARGET."""
    from archive.project import init_project

    created = init_project(
        target,
        title,
        title_en,
        base_url=base_url,
        holder_ja=holder,
        holder_en=holder_en,
        homepage=homepage,
    )
    for path in created:
        click.echo(pick(f"作成: {path}", f"created: {path}"))
    click.echo(
        pick(
            f"次に: スキャンを {target / 'scans'} に置き、items.csv を書いて `kura -C {target} ingest`",
            f"next: put scans in {target / 'scans'}, fill items.csv, run `kura -C {target} ingest`",
        )
    )


@cli.command()
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 256),
    default=0,
    help="並列に処理する資料の数 (0 = CPU 数) / items processed in parallel (0 = one per CPU)",
)
@click.option(
    "--only",
    multiple=True,
    metavar="ID",
    help="この ID だけ取り込む (複数可) / ingest only this ID (repeatable)",
)
@click.option(
    "--dry-run", is_flag=True, help="何をするかだけ表示 / show what would be done, write nothing"
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="結果を JSON で書き出す / write a JSON report of the run",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="進行状況バー (既定: 端末のときだけ) / progress bar (default: on a terminal)",
)
@click.option(
    "--check",
    is_flag=True,
    help="変わっていない資料のタイルも sha256 で固定性記録と照合し、違うページを作り直す (大きさが同じ変化も見つかる) / also hash every tile of unchanged items against the fixity record and tile damaged pages again",
)
@click.pass_context
def ingest(
    ctx: click.Context,
    jobs: int,
    only: tuple[str, ...],
    dry_run: bool,
    report: Path | None,
    progress: bool | None,
    check: bool,
) -> None:
    """台帳とスキャンから IIIF タイル・マニフェスト・レコードを作る / ingest the sheet and scans."""
    from ingest.pipeline import Ingest, IngestOptions

    config = writing_config(ctx, "ingest", dry_run=dry_run)
    options = IngestOptions(
        jobs=jobs, only=list(only), dry_run=dry_run, progress=progress, check=check
    )
    summary = Ingest(config, options).run()
    for problem in summary.problems:
        click.echo(problem.line(), err=True)
    for outcome in summary.outcomes:
        if outcome.status == "failed" and outcome.error != "sheet":
            click.echo(f"{pick('失敗', 'failed')}: {outcome.id}: {outcome.error}", err=True)
        elif outcome.status == "withdrawn":
            click.echo(
                pick(
                    f"取り下げ中のため取り込みません: {outcome.id} (戻すには `kura withdraw --undo {outcome.id}`)",
                    f"withdrawn, not ingested: {outcome.id} (restore it with `kura withdraw --undo {outcome.id}`)",
                )
            )
        elif dry_run:
            click.echo(f"{outcome.status}: {outcome.id}")
    _report_missing(ctx, summary.missing)
    if report:
        report.write_text(
            json.dumps(summary.report(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    _update_index(config, summary, dry_run)
    curation_failed = _compile_curation(config, dry_run)
    click.echo(summary.line())
    if summary.failed or curation_failed:
        sys.exit(1)


def _report_missing(ctx: click.Context, missing: list[tuple[str, str]]) -> None:
    """The published items the sheet no longer lists, and the command that withdraws them:
    ingest never withdraws by itself (a row deleted by mistake must not take an item down)."""
    from archive.withdrawals import withdraw_command

    if not missing:
        return
    click.echo(
        pick(
            f"台帳にない資料が {len(missing)} 件あります (公開されたままです):",
            f"{len(missing)} published items are no longer in the sheet (still public):",
        )
    )
    for item_id, title in missing:
        click.echo(f"  {item_id}\t{title}")
    click.echo(
        pick("取り下げるには: ", "to withdraw them: ")
        + withdraw_command([i for i, _ in missing], str(project_dir(ctx)))
    )


def _update_index(config, summary, dry_run: bool) -> None:
    """Re-index the items this ingest wrote (a full build when there is no index yet)."""
    changed = [o.id for o in summary.outcomes if o.status in ("new", "images", "metadata")]
    if dry_run or not changed:
        return
    from archive.search import update
    from archive.store import open_store

    store = open_store(config.store, config.root)
    click.echo(update(config.root, changed, store=store).line())


def _compile_curation(config, dry_run: bool = False) -> bool:
    """Check and publish lessons/ and collections/; True when a file had a problem."""
    from ingest.curation import compile_curation

    report = compile_curation(config, dry_run=dry_run)
    for problem in report.problems:
        click.echo(f"{pick('エラー', 'error')}: {problem.text()}", err=True)
    if report.lessons or report.collections or report.problems:
        click.echo(report.line())
    return report.failed


@cli.command()
@click.pass_context
def index(ctx: click.Context) -> None:
    """検索インデックスを作り直し、学習教材とコレクションを公開する / rebuild the search index
    from records/ and publish lessons/ and collections/."""
    from archive.search import rebuild
    from archive.store import open_store

    config = writing_config(ctx, "index")
    click.echo(rebuild(config.root, store=open_store(config.store, config.root)).line())
    if _compile_curation(config):
        sys.exit(1)


def _filters(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        name, sep, wanted = value.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                pick(f"「{value}」は 項目=値 の形で", f"{value!r} is not FIELD=VALUE"),
                param_hint="--filter",
            )
        out.setdefault(name.strip(), []).append(wanted)
    return out


@cli.command()
@click.argument("query", required=False, default="")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力 / print one JSON object")
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1, 100),
    help="件数 / hits per page",
)
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="ページ / page")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FIELD=VALUE",
    help="絞り込み (複数可): type|資料種別, designation|文化財分類, period|時代, place|場所名称, images, year=1800-1900 / filter (repeatable)",
)
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "-date", "id"]),
    default="relevance",
    show_default=True,
    help="並べ順 / sort order",
)
@click.pass_context
def search(
    ctx: click.Context,
    query: str,
    as_json: bool,
    limit: int,
    page: int,
    filters: tuple[str, ...],
    sort: str,
) -> None:
    """資料を検索する / search the archive (kana, kanji, old kanji, era years, romaji)."""
    from archive.search import search as run_search

    result = run_search(
        project_config(ctx).root, query, _filters(filters), sort, page, limit, lang=current_lang()
    )
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False))
        return
    click.echo(pick(f"{result.total} 件", f"{result.total} hits"))
    if result.relaxed:
        click.echo(
            pick(
                "(すべてのことばを含む資料はありません。近いものを表示します)",
                "(no record has every word: showing the closest)",
            )
        )
    for hit in result.hits:
        date = f"  [{hit.date}]" if hit.date else ""
        click.echo(f"{hit.id}\t{hit.title}{date}")
        for line in hit.why:
            click.echo(f"\t  {line}")
    for heading, found in (
        (pick("学習教材", "Lessons"), result.lessons),
        (pick("コレクション", "Collections"), result.collections),
    ):
        if found:
            click.echo(f"{heading}: {len(found)}")
        for match in found:
            where = f"  [{pick('ステップ', 'step')} {match.step}]" if match.step else ""
            click.echo(f"{match.kind}/{match.id}\t{match.title}{where}")
    if result.suggestion:
        click.echo(pick(f"もしかして: {result.suggestion}", f"did you mean: {result.suggestion}"))


@cli.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID…")
@click.option(
    "--reason",
    default="",
    metavar="TEXT",
    help="理由 (取り下げのページに表示し、記録に残す) / the reason, shown on the item's 410 page and logged",
)
@click.option(
    "--undo", is_flag=True, help="取り下げを取り消して公開に戻す / restore withdrawn items"
)
@click.pass_context
def withdraw(ctx: click.Context, ids: tuple[str, ...], reason: str, undo: bool) -> None:
    """資料の公開を取りやめる (記録とマスターは保存) / withdraw items from public view (records
    and masters are kept); --undo restores them."""
    from archive import withdrawals
    from archive.addresses import note_viewer
    from archive.events import record_changes
    from archive.store import open_store

    config = writing_config(ctx, "withdraw")
    store = open_store(config.store, config.root)
    note_viewer(store, config)  # a new base_url: its moves come before the Deletes
    change = withdrawals.restore if undo else withdrawals.withdraw
    report = change(store, list(ids), reason)
    for outcome in report.outcomes:
        click.echo(outcome.line(), err=outcome.failed)
    if report.changed:
        record_changes(store)  # the change feed: a Delete, or a Create when restored
        from archive.search import update

        stats = update(config.root, report.changed, store=store)
        click.echo(
            stats.line()
            if undo
            else pick(f"検索から外しました → {stats.path}", f"removed from search → {stats.path}")
        )
        _compile_curation(config)  # lessons and collections that use them: file:line
        click.echo(
            pick(
                "公開先 (バケット・フォルダー) には次の `kura publish` で反映されます"
                + ("" if undo else " (取り下げた資料のファイルは --delete で削除)"),
                "a bucket or folder follows on the next `kura publish`"
                + ("" if undo else " (with --delete for the withdrawn items' files)"),
            )
        )
    if report.failed:
        sys.exit(1)


@cli.command()
@click.option(
    "--sample",
    type=click.IntRange(1),
    default=None,
    metavar="N",
    help="無作為に選んだ N 件だけ検証 / audit N items chosen at random",
)
@click.option("--seed", type=int, default=None, help="抽出の乱数の種 / random seed for --sample")
@click.option(
    "--json", "as_json", is_flag=True, help="結果を JSON で出力 / print the report as JSON"
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="進行状況バー (既定: 端末のときだけ) / progress bar (default: on a terminal)",
)
@click.pass_context
def verify(
    ctx: click.Context, sample: int | None, seed: int | None, as_json: bool, progress: bool | None
) -> None:
    """マスターと公開ファイルを sha256 で検証する / audit masters and published files (fixity)."""
    from tqdm import tqdm

    from archive.fixity import verify as audit
    from archive.store import open_store

    config = project_config(ctx)
    store = open_store(config.store, config.root)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(unit="件", disable=not show, file=sys.stderr, desc="verify") as bar:
        report = audit(store, sample=sample, seed=seed, on_item=bar.update)
    project = str(project_dir(ctx))  # named in the repair commands
    if as_json:
        click.echo(json.dumps(report.to_json(project), ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:  # each with how to repair it
            click.echo(finding.line(project=project), err=finding.failing)
        click.echo(report.line())
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス / host")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="ポート / port"
)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 64),
    help="同時に処理するリクエスト数 / worker threads of the server",
)
@click.option(
    "--dev",
    is_flag=True,
    help="開発用サーバー (変更で再起動、公開には使わない) / Flask's reloading development server, never for the public",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, dev: bool) -> None:
    """アーカイブを閲覧サーバーで公開する (waitress) / serve the archive with the viewer (waitress)."""
    from archive.lock import ProjectBusy, project_lock
    from archive.search.indexer import refresh_stale
    from viewer.serve import serve_dev, serve_project

    config = project_config(ctx)
    stats = None
    try:
        with project_lock(config.root, "serve (index)"):
            stats = refresh_stale(config.root)  # an index of an older Kura: rebuilt once
            _note_served_address(config)
    except ProjectBusy as busy:  # a writer is at work: it updates the index itself
        click.echo(str(busy), err=True)
    if stats is not None:
        click.echo(
            pick("検索インデックスを新しい形式で作り直しました: ", "search index rebuilt: ")
            + stats.line(),
            err=True,
        )
    if dev:
        serve_dev(config, host, port)
    else:
        serve_project(config, host, port, threads=threads)


def _note_served_address(config: Config) -> None:
    """A base_url changed in kura.toml since the last writer ran: from now on the viewer's
    change feed moves what was public at the old address (nothing to move before an ingest)."""
    from archive.addresses import note_viewer
    from archive.events import log_state
    from archive.store import open_store

    try:
        store = open_store(config.store, config.root)
        if log_state(store)["total"]:
            note_viewer(store, config)
    except (KuraError, OSError) as exc:  # the store unreachable: the next ingest notes it
        click.echo(f"{pick('警告', 'warning')}: {exc}", err=True)


@cli.command()
@click.argument("target", required=False, default="demo-archive", type=click.Path(path_type=Path))
@click.option("--port", default=8000, show_default=True, type=int, help="ポート / port")
@click.option("--host", default="127.0.0.1", show_default=True, help="待ち受けるアドレス / host")
@click.option("--no-serve", is_flag=True, help="作るだけで公開しない / build only, do not serve")
@click.option("-j", "--jobs", type=click.IntRange(0, 256), default=0, help="並列数 / parallel jobs")
@click.option(
    "--static",
    "static_site",
    is_flag=True,
    help="静的サイト (kura build) を DIR/site に作り、ただのファイルサーバーで見せる / build the static site (kura build) into DIR/site and serve it as plain files",
)
def demo(target: Path, port: int, host: str, no_serve: bool, jobs: int, static_site: bool) -> None:
    """デモ用アーカイブを作って公開する / build the demo archive and serve it."""
    from archive.config import load_config
    from ingest.pipeline import Ingest, IngestOptions
    from kura.demo import build_demo

    build_demo(target, base_url=f"http://{host}:{port}")
    summary = Ingest(load_config(target), IngestOptions(jobs=jobs)).run()
    for problem in summary.problems:
        click.echo(problem.line(), err=True)
    _update_index(load_config(target), summary, False)
    curation_failed = _compile_curation(load_config(target))
    click.echo(summary.line())
    if summary.failed or curation_failed:
        sys.exit(1)
    if static_site:
        from viewer.freeze import build_site

        report = build_site(load_config(target), target / "site", f"http://{host}:{port}")
        for note in report.notes:
            click.echo(note, err=True)
        click.echo(report.line())
    if not no_serve:
        from viewer.serve import serve_folder, serve_project

        if static_site:
            serve_folder(target / "site", host, port)
        else:
            serve_project(load_config(target), host, port)


def main() -> None:
    cli(prog_name="kura")
