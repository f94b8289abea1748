"""`engage teams …`: Teams set-up commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from adapters.teams.manifest import write_package
from bot.config import Settings

cli = typer.Typer(no_args_is_help=True)


@cli.callback()
def teams() -> None:
    """Microsoft Teams: the app package to upload."""


@cli.command("package")
def package(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the app package (a zip).")
    ] = Path("engage-teams.zip"),
) -> None:
    """Build the Teams app package (manifest.json and icons) to upload to Teams."""
    written = write_package(Settings(), output)
    for warning in written.warnings:
        typer.echo(f"warning: {warning}", err=True)
    typer.echo(
        f"Wrote {output}. Upload it in Teams: Apps → Manage your apps → Upload an app "
        "(or ask your Teams admin to add it to the organisation's app catalogue)."
    )
