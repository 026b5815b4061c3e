"""What every ``kura`` command takes from click's context: the project folder, its
settings, and the project's write lock."""

from __future__ import annotations

from pathlib import Path

import click

from archive.config import Config


def project_dir(ctx: click.Context) -> Path:
    return Path(ctx.obj["dir"])


def project_config(ctx: click.Context) -> Config:
    from archive.config import load_config

    return load_config(project_dir(ctx))


def writing_config(ctx: click.Context, command: str, *, dry_run: bool = False) -> Config:
    """The project's config, with its write lock held until the command ends (one writer at
    a time; a second one exits at once naming the running one). A dry run writes nothing."""
    from archive.lock import project_lock

    config = project_config(ctx)
    if not dry_run:
        ctx.with_resource(project_lock(config.root, command))
    return config
