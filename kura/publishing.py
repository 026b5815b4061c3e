"""``kura export`` and ``kura publish``: what leaves the project for deposit or the public
(registered on the ``kura`` group by :mod:`kura.cli`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.config import Config
from archive.errors import KuraError
from archive.i18n import pick
from kura.context import project_config, writing_config
from manifests.urls import Urls


@click.group()
def export() -> None:
    """保存・提供用に書き出す / export items for deposit elsewhere."""


@export.command("bag")
@click.argument("ids", nargs=-1, required=True, metavar="ID…")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="バッグを作るフォルダ (ID ごとに1つ) / folder to write the bags in (one per ID)",
)
@click.pass_context
def export_bag(ctx: click.Context, ids: tuple[str, ...], output: Path) -> None:
    """資料のマスターとレコードを BagIt バッグにする / write BagIt bags of items' masters and records."""
    from archive.bag import BagError, bag_line
    from archive.bag import export_bag as make_bag
    from archive.store import open_store

    config = project_config(ctx)
    store = open_store(config.store, config.root)
    failed = 0
    for item_id in dict.fromkeys(ids):
        try:
            click.echo(bag_line(item_id, make_bag(store, item_id, output, config)))
        except BagError as exc:
            failed += 1
            click.echo(f"{pick('エラー', 'error')}: {exc}", err=True)
    if failed:
        sys.exit(1)


@export.command("opendata")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="書き出すファイル (既定: ストアの opendata/…csv) / file to write (default: opendata/…csv in the store)",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="画像と資料ページの URL の基点 (既定: kura.toml の base_url) / base of image and page URLs",
)
@click.pass_context
def export_opendata(ctx: click.Context, output: Path | None, base_url: str | None) -> None:
    """自治体標準オープンデータセット「文化財一覧」の CSV を書き出す / write the 文化財一覧 open-data CSV."""
    from archive.opendata import identity_warning, opendata_csv, opendata_key
    from archive.store import open_store

    config = writing_config(ctx, "export opendata", dry_run=output is not None)
    store = open_store(config.store, config.root)
    data = opendata_csv(store, config, _public_urls(config, base_url))
    rows = data.count(b"\r\n") - 1
    if output is None:
        store.put(opendata_key(config), data, durable=True)
        where = f"{config.store}/{opendata_key(config)}"
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            raise KuraError(f"{output}: 書き込めません / cannot write: {exc.strerror}") from exc
        where = str(output)
    if warning := identity_warning(config):
        click.echo(warning, err=True)
    click.echo(
        pick(f"文化財一覧: {rows} 件 → {where}", f"cultural properties: {rows} rows → {where}")
    )


@click.command()
@click.option(
    "--to",
    "target",
    required=True,
    metavar="s3://BUCKET/PREFIX | DIR",
    help="公開先: バケットと接頭辞、またはフォルダー (パスか file:///…; マスター・state/・設定は入れない) / "
    "where to publish: a bucket and key prefix, or a folder (a path or file:///…; never masters, state/ or settings)",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="公開 URL の基点 (CDN やバケットの URL; 既定: kura.toml の public_url); JSON の id をこれに書き換える / the public base URL (default: kura.toml's public_url); JSON ids are rewritten to it",
)
@click.option(
    "--endpoint-url",
    default=None,
    metavar="URL",
    help="S3 互換ストレージのエンドポイント (既定: AWS の設定) / S3-compatible endpoint (default: boto3's settings)",
)
@click.option(
    "--delete",
    is_flag=True,
    help="手元にないキーを公開先から消す / delete keys at the target that the archive no longer has",
)
@click.option(
    "--set-cors",
    is_flag=True,
    help="IIIF に必要な CORS 規則をバケットに設定 / set the bucket CORS rule IIIF viewers need",
)
@click.option(
    "--public-read",
    is_flag=True,
    help="公開ファイル (iiif/ records/ lessons/ activity/ opendata/) を誰でも読めるバケットポリシーを設定 (一覧とマスターは非公開のまま) / set a bucket policy letting anyone GET the published files (no listing, never masters)",
)
@click.option("--masters", is_flag=True, help="マスター画像も送る / also publish the kept masters")
@click.option(
    "--site",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    metavar="DIR",
    help="`kura build` で作った静的サイトをそのまま送る (変わったものだけ) / send a static site built by `kura build` as it is (only what changed)",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 64),
    default=16,
    show_default=True,
    help="同時アップロード数 / parallel uploads",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="送るものを数えるだけ (認証情報がなくても前回の公開記録と比べる) / count what would be sent, send nothing "
    "(without credentials: against the last publish manifest)",
)
@click.option(
    "--check-all",
    is_flag=True,
    help="前回そろって公開した画像のフォルダーも、バケットのキーを一つずつ確かめる (遅い) / "
    "compare every key of the bucket, also in image folders the last publish left complete (slow)",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="進行状況バー (既定: 端末のときだけ) / progress bar (default: on a terminal)",
)
@click.pass_context
def publish(
    ctx: click.Context,
    target: str,
    base_url: str | None,
    endpoint_url: str | None,
    delete: bool,
    set_cors: bool,
    public_read: bool,
    masters: bool,
    jobs: int,
    dry_run: bool,
    check_all: bool,
    progress: bool | None,
    site: Path | None,
) -> None:
    """アーカイブを S3 互換ストレージかフォルダーへ差分公開する / publish the archive to S3 or a folder (only what changed)."""
    from archive.opendata import identity_warning
    from archive.publish import Publisher
    from archive.store import open_store
    from manifests.documents import Documents

    config = writing_config(ctx, "publish", dry_run=dry_run)
    options = {  # what every publish takes from the command line
        "endpoint_url": endpoint_url,
        "delete": delete,
        "set_cors": set_cors,
        "public_read": public_read,
        "masters": masters,
        "workers": jobs,
        "dry_run": dry_run,
        "check_all": check_all,
        "progress": progress,
    }
    if site is not None:
        from archive.publish_site import SitePublisher

        outcome = SitePublisher(
            config, target, site, (base_url or config.base_url).rstrip("/"), **options
        ).run()
        click.echo(outcome.line())
        return
    base_url = base_url or config.public_url
    if not base_url:
        raise click.UsageError(
            pick(
                "--base-url を指定するか kura.toml に public_url を書いてください",
                "give --base-url, or set public_url in kura.toml",
            )
        )
    store = open_store(config.store, config.root)
    publisher = Publisher(
        config,
        target,
        Documents(store, config, _public_urls(config, base_url)),
        **options,
    )
    outcome = publisher.run()
    if warning := identity_warning(config):  # the open-data CSV was published as it is
        click.echo(warning, err=True)
    click.echo(outcome.line())


def _public_urls(config: Config, base_url: str | None) -> Urls:
    """The addresses of what is published: the files at ``base_url`` (or kura.toml's
    ``public_url``); pages at kura.toml's ``base_url`` when the site has both, else there too."""
    files = (base_url or config.public_url or config.base_url).rstrip("/")
    if config.public_url:
        return Urls(config.base_url, files)
    return Urls(files)


@click.command()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="書き出すフォルダー (次回からは変わったものだけ書き直す) / the folder to write the site to (later runs rewrite only what changed)",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="サイトを公開する URL (IIIF の id に使う; 既定: kura.toml の base_url) / the address the site is served at (IIIF ids; default: kura.toml's base_url)",
)
@click.pass_context
def build(ctx: click.Context, output: Path, base_url: str | None) -> None:
    """公開サイト全体を静的ファイルとして書き出す (サーバー不要) / write the whole public site as static files (no server needed)."""
    from viewer.freeze import build_site

    config = writing_config(ctx, "build")
    report = build_site(config, output, base_url)
    for note in report.notes:
        click.echo(note, err=True)
    click.echo(report.line())
