"""`engage export`, `engage report`, `engage erase` and `engage audit`.

The command line is the organisers' tool, so these need no organiser check; each writes to the
audit log as `cli:<os user>`. Every failure prints what to do and exits with status 2.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain import Platform
from bot.errors import EngageError
from bot.export import ExportFormat, ExportRequest, ExportResult
from bot.ports_export import ExportFilters, ExportTable

if TYPE_CHECKING:
    from bot.ports import Store

T = TypeVar("T")

out = Console()
err = Console(stderr=True)


def cli_actor() -> str:
    """Who the audit log says ran a command: `cli:<os user>`."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli:unknown"


def parse_when(text: str, *, end: bool = False) -> datetime:
    """A date ("2026-01-31") or an ISO 8601 time; no zone means UTC. A date given as an end
    means the end of that day, so `--until 2026-01-31` includes the 31st."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date or time: use 2026-01-31 or 2026-01-31T17:00"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code=2)


def _run(work: Callable[[Store], Awaitable[T]]) -> T:
    """Migrate the database, open the store, run `work`, close the store; errors exit 2."""
    settings = Settings()

    async def main() -> T:
        from storage.migrate import upgrade_async
        from storage.store import SqlStore

        await upgrade_async(settings.database_url)
        store = SqlStore.open(settings.database_url)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(main())
    except EngageError as error:
        raise _fail(str(error)) from None
    except SQLAlchemyError as error:
        raise _fail(
            f"the database at {settings.database_url_safe} failed: {error}; "
            "check ENGAGE_DATABASE_URL"
        ) from None
    except OSError as error:
        raise _fail(f"{error}; check the path and the database settings") from None


def _filters(
    *,
    paper: str | None,
    section: list[str] | None,
    since: str | None,
    until: str | None,
    platform: Platform | None,
) -> ExportFilters:
    return ExportFilters(
        paper_id=paper,
        sections=tuple(section or ()),
        since=parse_when(since) if since else None,
        until=parse_when(until, end=True) if until else None,
        platform=platform,
    )


class _Bar:
    """A rich progress bar per table, shown only on a terminal."""

    def __init__(self, progress: object) -> None:
        from rich.progress import Progress, TaskID

        assert isinstance(progress, Progress)
        self._progress = progress
        self._tasks: dict[ExportTable, TaskID] = {}

    def start(self, table: ExportTable, total: int) -> None:
        self._tasks[table] = self._progress.add_task(table.value, total=total)

    def advance(self, table: ExportTable, rows: int) -> None:
        self._progress.advance(self._tasks[table], rows)


@contextmanager
def _progress() -> Iterator[_Bar | None]:
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=out, transient=False) as progress:
        yield _Bar(progress)


PaperOption = Annotated[str | None, typer.Option(help="Only this paper (its id).")]
SectionOption = Annotated[
    list[str] | None, typer.Option(help="Only this section (number or id); repeat for more.")
]
SinceOption = Annotated[
    str | None, typer.Option(help="From this date or time (UTC unless it says otherwise).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="Up to this date (inclusive) or time (exclusive).")
]
PlatformOption = Annotated[Platform | None, typer.Option(help="Only slack, teams or web.")]
OverwriteOption = Annotated[bool, typer.Option(help="Replace the output if it exists.")]


def export_command(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="csv, xlsx or jsonl.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="A folder (csv, jsonl: one file per table) or an .xlsx file."
        ),
    ],
    paper: PaperOption = None,
    section: SectionOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    platform: PlatformOption = None,
    include_personal_data: Annotated[
        bool,
        typer.Option(
            "--include-personal-data",
            help="Add names, organisations and emails (of members who agreed to be named).",
        ),
    ] = False,
    overwrite: OverwriteOption = False,
) -> None:
    """Export feedback, replies and reactions for analysis (organisers only)."""
    from bot.export import run_export

    request = ExportRequest(
        format=format,
        target=output,
        filters=_filters(paper=paper, section=section, since=since, until=until, platform=platform),
        include_personal_data=include_personal_data,
        overwrite=overwrite,
    )

    async def work(store: Store) -> ExportResult:
        with _progress() as bar:
            return await run_export(
                store, request=request, actor=cli_actor(), now=datetime.now(UTC), progress=bar
            )

    result = _run(work)
    counts = ", ".join(f"{n} {table.value}" for table, n in result.rows.items())
    out.print(f"exported {counts} to {result.target}", highlight=False)


def report_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    paper: PaperOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    platform: PlatformOption = None,
    overwrite: OverwriteOption = False,
) -> None:
    """Write a one-page HTML coverage report for a steering meeting (organisers only)."""
    from bot.report import write_report

    filters = _filters(paper=paper, section=None, since=since, until=until, platform=platform)
    zone = ZoneInfo(Settings().timezone)

    async def work(store: Store) -> Path:
        return await write_report(
            store,
            target=output,
            filters=filters,
            actor=cli_actor(),
            now=datetime.now(UTC),
            zone=zone,
            overwrite=overwrite,
        )

    out.print(f"wrote {_run(work)}", highlight=False)


def erase_command(
    participant: Annotated[
        str | None, typer.Option(help="The participant's key from an export (p_…).")
    ] = None,
    platform: Annotated[Platform | None, typer.Option(help="With --workspace and --user.")] = None,
    workspace: Annotated[str | None, typer.Option(help="Slack team or Teams tenant id.")] = None,
    user: Annotated[str | None, typer.Option(help="The platform's user id.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a person's data: identifiers, reply texts, free-text answers (counts stay)."""
    from bot.privacy import erase_participant

    identity = (platform, workspace, user)
    by_key = participant is not None and all(part is None for part in identity)
    by_identity = participant is None and all(part is not None for part in identity)
    if not (by_key or by_identity):
        raise _fail(
            "name the person with --participant KEY, or with --platform, --workspace and --user"
        )
    who = participant or f"{platform}/{workspace}/{user}"
    if not yes and not typer.confirm(f"Erase {who}? This cannot be undone.", err=True):
        raise _fail("nothing erased")

    async def work(store: Store) -> str:
        counts = await erase_participant(
            store,
            participant=participant,
            platform=platform,
            workspace_id=workspace,
            user_id=user,
            actor=cli_actor(),
            now=datetime.now(UTC),
        )
        return (
            f"erased {counts.participant_key}: {counts.replies} replies emptied, "
            f"{counts.revisions} revisions removed, {counts.feedback} feedback answers reduced, "
            f"{counts.reactions} reactions kept anonymously"
        )

    out.print(_run(work), highlight=False)


def audit_command(
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="How many lines.")] = 50,
    action: Annotated[
        str | None, typer.Option(help="Only this action (export, erase, …) and its sub-actions.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines for machines.")] = False,
) -> None:
    """Show the audit log, newest first."""

    async def work(store: Store) -> list[dict[str, object]]:
        async with store.transaction() as tx:
            entries = await tx.find_audit(action=action, limit=limit)
        return [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "detail": dict(e.detail),
            }
            for e in entries
        ]

    entries = _run(work)
    if as_json:
        sys.stdout.write("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))
        return
    from rich.table import Table

    table = Table(title="Audit log (newest first)")
    for column in ("id", "at (UTC)", "actor", "action", "detail"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e["id"]),
            str(e["at"])[:19].replace("T", " "),
            str(e["actor"]),
            str(e["action"]),
            json.dumps(e["detail"], ensure_ascii=False),
        )
    out.print(table)
