"""`engage slack …`: Slack set-up helpers."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from adapters.slack.manifest import manifest as build_manifest
from bot.config import Settings

cli = typer.Typer(help="Slack app set-up.", no_args_is_help=True)


@cli.callback()
def slack() -> None:
    """Slack app set-up (a group even with one command, so `engage slack manifest` reads right)."""


@cli.command("manifest")
def manifest_command(
    public_url: Annotated[
        str | None,
        typer.Option(help="Where Slack reaches engage (default: ENGAGE_PUBLIC_URL)."),
    ] = None,
    socket_mode: Annotated[
        bool, typer.Option("--socket-mode", help="For an app that connects over Socket Mode.")
    ] = False,
    name: Annotated[str, typer.Option(help="The app's and bot user's name.")] = "engage",
) -> None:
    """Print a Slack app manifest (JSON): create the app from it at api.slack.com/apps."""
    url = public_url or Settings().public_url
    typer.echo(json.dumps(build_manifest(url, socket_mode=socket_mode, name=name), indent=2))
