"""The `engage` command: paper, channels, posting, database, and the server."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from adapters.slack.cli import cli as slack_cli
from adapters.teams.cli import cli as teams_cli
from bot.config import Settings
from bot.domain import Channel, Paper, Platform
from bot.errors import EngageError
from bot.export_cli import audit_command, erase_command, export_command, report_command
from bot.paper import load_paper
from bot.plaintext import inline_text, section_text
from bot.scheduling_cli import cli as events_cli

if TYPE_CHECKING:
    from aiohttp.web import Application

    from bot.services import Services

T = TypeVar("T")

app = typer.Typer(
    help="engage: take a discussion paper into chat channels and bring back what people say.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
paper_cli = typer.Typer(help="Read a paper.", no_args_is_help=True)
channels_cli = typer.Typer(help="Channels the bot posts to.", no_args_is_help=True)
db_cli = typer.Typer(help="The database.", no_args_is_help=True)
app.add_typer(paper_cli, name="paper")
app.add_typer(channels_cli, name="channels")
app.add_typer(db_cli, name="db")
app.add_typer(events_cli, name="events")
app.add_typer(slack_cli, name="slack")
app.add_typer(teams_cli, name="teams")
app.command("export")(export_command)
app.command("report")(report_command)
app.command("erase")(erase_command)
app.command("audit")(audit_command)

out = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=2)


def _run(work: Callable[[Services], Awaitable[T]], *, settings: Settings) -> T:
    """Run `work` with the app's parts ready (database migrated, paper loaded) but no HTTP
    server and no background senders; the store is closed afterwards."""

    # Imported here: the chat SDKs behind the app take seconds to import, and `paper show`
    # should not wait for them.
    from bot.app import SERVICES, build_app, prepare

    async def main() -> T:
        services = build_app(settings, run_senders=False)[SERVICES]
        try:
            await prepare(services, migrate=True)
            return await work(services)
        finally:
            await services.store.close()

    try:
        return asyncio.run(main())
    except EngageError as error:
        raise _fail(str(error)) from None
    except (OSError, SQLAlchemyError) as error:
        raise _fail(
            f"the database at {settings.database_url_safe} is unreachable ({error}); "
            "check ENGAGE_DATABASE_URL"
        ) from None


# engage paper ---------------------------------------------------------------------------------


def paper_as_json(paper: Paper) -> dict[str, object]:
    """The machine-readable form of `engage paper show --json`."""
    return {
        "id": paper.id,
        "title": paper.title,
        "version": paper.version,
        "sections": [
            {
                "id": s.id,
                "ordinal": s.ordinal,
                "title": s.title,
                "anchor": s.anchor,
                "version": s.version,
                "text": section_text(s),
                "footnotes": [
                    {"label": f.label, "text": inline_text(f.children)} for f in s.footnotes
                ],
                "form": {
                    "fields": [
                        {
                            "name": f.name,
                            "kind": f.kind.value,
                            "label": f.label,
                            "required": f.required,
                            "min_length": f.min_length,
                            "max_length": f.max_length,
                            "options": list(f.options),
                        }
                        for f in s.form.fields
                    ]
                },
            }
            for s in paper.sections
        ],
    }


@paper_cli.command("show")
def paper_show(
    path: Annotated[Path, typer.Argument(help="A folder of markdown pages or one markdown file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Parse a paper and show its sections, footnotes and forms."""
    try:
        paper = load_paper(path)
    except EngageError as error:
        raise _fail(str(error)) from None
    if as_json:
        sys.stdout.write(json.dumps(paper_as_json(paper), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{paper.title} (version {paper.version})")
    for column in ("#", "id", "title", "words", "footnotes", "form fields"):
        table.add_column(column)
    for s in paper.sections:
        table.add_row(
            str(s.ordinal),
            s.id,
            s.title,
            str(len(section_text(s).split())),
            str(len(s.footnotes)),
            ", ".join(f.name + ("*" if f.required else "") for f in s.form.fields),
        )
    out.print(table)


# engage channels ------------------------------------------------------------------------------


def _channel_row(channel: Channel) -> dict[str, object]:
    return {
        "id": channel.id,
        "platform": channel.platform.value,
        "workspace": channel.workspace_id,
        "external_id": channel.external_id,
        "name": channel.name,
        "tags": sorted(channel.tags),
        "active": channel.active,
    }


@channels_cli.command("add")
def channels_add(
    platform: Annotated[Platform, typer.Argument(help="slack, teams or web.")],
    external_id: Annotated[str, typer.Argument(help="The platform's channel id (web: a slug).")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the id).")] = None,
    workspace: Annotated[
        str, typer.Option(help="Slack team id or Teams tenant id; 'local' for the web.")
    ] = "local",
    tag: Annotated[list[str] | None, typer.Option(help="Sector tag; repeat for several.")] = None,
) -> None:
    """Add (or re-activate) a channel."""

    async def work(services: Services) -> Channel:
        channel = await services.engagement.register_channel(
            platform=platform,
            workspace_id=workspace,
            external_id=external_id,
            name=name or external_id,
        )
        if tag:
            async with services.store.transaction() as tx:
                channel = await tx.set_channel_tags(
                    channel_id=channel.id, tags=frozenset(t.lower() for t in tag)
                )
        return channel

    channel = _run(work, settings=_settings())
    out.print(
        f"channel {channel.id}: {channel.platform}/{channel.name} tags={sorted(channel.tags)}"
    )


@channels_cli.command("list")
def channels_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    inactive: Annotated[bool, typer.Option(help="Include inactive channels.")] = False,
) -> None:
    """List the channels the bot knows."""

    async def work(services: Services) -> list[Channel]:
        async with services.store.transaction() as tx:
            return list(await tx.list_channels(active_only=not inactive))

    channels = _run(work, settings=_settings())
    if as_json:
        sys.stdout.write(json.dumps([_channel_row(c) for c in channels], indent=2) + "\n")
        return
    table = Table(title="Channels")
    for column in ("id", "platform", "workspace", "channel", "name", "tags", "active"):
        table.add_column(column)
    for c in channels:
        table.add_row(
            str(c.id),
            c.platform,
            c.workspace_id,
            c.external_id,
            c.name,
            ", ".join(sorted(c.tags)),
            "yes" if c.active else "no",
        )
    out.print(table)


@channels_cli.command("tag")
def channels_tag(
    channel: Annotated[str, typer.Argument(help="Channel id, name or platform/name.")],
    tags: Annotated[list[str], typer.Argument(help="Sector tags (replace the current ones).")],
) -> None:
    """Set a channel's sector tags, so `sector:<tag>` reaches it."""
    from bot.targets import resolve_channels

    async def work(services: Services) -> Channel:
        async with services.store.transaction() as tx:
            (found,) = await resolve_channels(tx, channel)
            return await tx.set_channel_tags(
                channel_id=found.id, tags=frozenset(t.lower() for t in tags)
            )

    updated = _run(work, settings=_settings())
    out.print(f"channel {updated.id}: tags={sorted(updated.tags)}")


# engage post ----------------------------------------------------------------------------------


@app.command("post")
def post(
    sections: Annotated[list[str], typer.Argument(help="Section numbers or ids, or 'all'.")],
    to: Annotated[str, typer.Option("--to", help="#channel, platform/name, sector:<tag> or *.")],
    repost: Annotated[bool, typer.Option(help="Post again where already posted.")] = False,
    deliver: Annotated[
        bool, typer.Option(help="Deliver now instead of leaving it to `engage serve`.")
    ] = False,
) -> None:
    """Queue sections for channels (delivered by the running server, or now with --deliver)."""

    async def work(services: Services) -> str:
        result = await services.engagement.publish(
            sections=sections, target=to, actor="cli", repost=repost
        )
        if deliver:
            for platform in {c.platform for c in result.channels}:
                sender = services.senders.get(platform)
                if sender is None:
                    raise EngageError(
                        f"{platform} is not configured here, so its posts stay queued for "
                        "a server that has it"
                    )
                await sender.drain()
        return (
            f"queued {len(result.enqueued)} post(s) to {len(result.channels)} channel(s); "
            f"{len(result.already)} already posted"
        )

    out.print(_run(work, settings=_settings()))


# engage db ------------------------------------------------------------------------------------


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (also done on every start)."""
    from storage.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    out.print("database is up to date")


# engage serve ---------------------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (ENGAGE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (ENGAGE_PORT).")] = None,
    demo: Annotated[
        bool, typer.Option(help="Post the paper to a web channel 'general' and print its URL.")
    ] = False,
    slack_socket_mode: Annotated[
        bool,
        typer.Option(
            help="Receive Slack events over Socket Mode (SLACK_APP_TOKEN), no public URL."
        ),
    ] = False,
) -> None:
    """Serve the bot: web channel, Slack and Teams endpoints, health and metrics."""
    settings = _settings()
    if slack_socket_mode and (settings.slack_app_token is None or not settings.slack_enabled):
        raise _fail(
            "Socket Mode needs SLACK_APP_TOKEN (xapp-…) as well as SLACK_BOT_TOKEN and "
            "SLACK_SIGNING_SECRET; see the README's Slack app set-up"
        )
    overrides: dict[str, object] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if overrides and "public_url" not in settings.model_fields_set:
        overrides["public_url"] = f"http://{overrides.get('host', settings.host)}:" + str(
            overrides.get("port", settings.port)
        )
    if overrides:
        settings = settings.model_copy(update=overrides)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.log_level.upper() != "DEBUG":
        # Alembic narrates every plugin it loads at INFO; only its warnings matter day to day.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    from aiohttp import web

    from bot.app import build_app

    if demo and settings.admin_token is None:
        # A one-off organiser token, so the demo's /web/admin works without configuration.
        settings = settings.model_copy(update={"admin_token": SecretStr(secrets.token_urlsafe(16))})
    application = build_app(settings)
    if demo:
        application.on_startup.append(_start_demo(settings))
    if slack_socket_mode and settings.slack_app_token is not None:
        from adapters.slack.socket_mode import run_socket_mode
        from bot.app import SERVICES

        services = application[SERVICES]
        app_token = settings.slack_app_token.get_secret_value()

        async def socket_mode(stop: asyncio.Event) -> None:
            await run_socket_mode(services, app_token)

        services.background.append(socket_mode)
    try:
        web.run_app(application, host=settings.host, port=settings.port, print=None)
    except EngageError as error:
        raise _fail(str(error)) from None


def _start_demo(settings: Settings) -> Callable[[Application], Awaitable[None]]:
    """Runs after the app's own start-up (migrations, paper): post the paper to the web
    channel `general` and say where to look."""

    async def start(application: Application) -> None:
        from adapters.web.demo import prepare_demo
        from bot.app import SERVICES

        path = await prepare_demo(application[SERVICES])
        base = settings.public_url.rstrip("/")
        token = settings.admin_token.get_secret_value() if settings.admin_token else ""
        out.print(f"\n  engage is serving the paper at [bold]{base}{path}[/]")
        out.print(f"  organisers: {base}/web/admin  (token: {token})\n")

    return start


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
