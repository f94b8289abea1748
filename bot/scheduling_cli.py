"""`engage events …`: engagement events and prompts from the command line.

Times are local wall times in `--tz` (default ENGAGE_TIMEZONE, Europe/London), written
`2026-03-10 14:00`. The running server fires the prompts; these commands only write the plan.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from bot.agenda import agenda_as_json, prompt_state
from bot.config import Settings
from bot.errors import EngageError
from bot.events import DEFAULT_FOLLOW_UP, DEFAULT_REMINDERS, EventChanges, parse_offset
from bot.localtime import local_iso, local_text
from bot.scheduling import Scheduling
from bot.scheduling_types import Agenda, EngagementEvent, Prompt, PromptState, SchedulingError

T = TypeVar("T")

cli = typer.Typer(help="Engagement events and scheduled prompts.", no_args_is_help=True)
out = Console()
err = Console(stderr=True)

To = Annotated[
    list[str] | None,
    typer.Option("--to", help="Where prompts go: sector:<tag>, #channel, platform/name or *."),
]
Sections = Annotated[
    list[str] | None, typer.Option("--section", help="Related section (number or id); repeat.")
]
Zone = Annotated[str | None, typer.Option("--tz", help="IANA time zone (ENGAGE_TIMEZONE).")]
Fold = Annotated[
    int | None,
    typer.Option(help="For a time that occurs twice when clocks go back: 0 first, 1 second."),
]
Remind = Annotated[
    list[str] | None,
    typer.Option("--remind", help="Reminder before the start, e.g. 1d, 1h, 30m; repeat."),
]


def _run(work: Callable[[Scheduling], Awaitable[T]]) -> T:
    """Run `work` against the configured database (migrated) with the paper loaded."""
    from bot.app import build_services, prepare

    settings = Settings()

    async def main() -> T:
        services = build_services(settings)
        try:
            await prepare(services, migrate=True)
            return await work(Scheduling.from_services(services))
        finally:
            await services.store.close()

    try:
        return asyncio.run(main())
    except SchedulingError as error:
        for name, message in error.errors.items():
            err.print(f"[bold red]error:[/] {name}: {message}", highlight=False)
        err.print("Nothing was scheduled or changed.")
        raise typer.Exit(code=2) from None
    except EngageError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(code=2) from None
    except (OSError, SQLAlchemyError) as error:
        err.print(
            f"[bold red]error:[/] the database at {settings.database_url_safe} is unreachable "
            f"({error}); check ENGAGE_DATABASE_URL",
            highlight=False,
        )
        raise typer.Exit(code=2) from None


def _offsets(values: list[str] | None, *, none: bool, field: str) -> tuple[timedelta, ...] | None:
    if none:
        return ()
    if not values:
        return None
    return tuple(parse_offset(v, field=field) for v in values)


def _follow_up(value: str | None, *, none: bool) -> timedelta | None:
    if none or value is None:
        return None
    return parse_offset(value, field="follow_up")


def _checked(make: Callable[[], T]) -> T:
    try:
        return make()
    except SchedulingError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(code=2) from None


@cli.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What the event is called.")],
    start: Annotated[str, typer.Option(help="Local start, e.g. '2026-03-10 14:00'.")],
    to: To = None,
    end: Annotated[str | None, typer.Option(help="Local end (default: the start).")] = None,
    tz: Zone = None,
    section: Sections = None,
    description: Annotated[str | None, typer.Option(help="A line about the event.")] = None,
    link: Annotated[str | None, typer.Option(help="Where to join (https://…).")] = None,
    fold: Fold = None,
    remind: Remind = None,
    no_reminders: Annotated[bool, typer.Option(help="Send no reminders.")] = False,
    follow_up: Annotated[
        str | None, typer.Option(help="Follow-up after the end (default 1h).")
    ] = None,
    no_follow_up: Annotated[bool, typer.Option(help="Send no follow-up.")] = False,
) -> None:
    """Schedule an event, with reminders before it (1d and 1h) and a follow-up after it."""
    reminders = _checked(lambda: _offsets(remind, none=no_reminders, field="reminders"))
    after = _checked(lambda: _follow_up(follow_up, none=no_follow_up))

    async def work(scheduling: Scheduling) -> EngagementEvent:
        return await scheduling.schedule_event(
            title=title,
            start=start,
            end=end,
            timezone=tz,
            targets=to or (),
            sections=section or (),
            description=description,
            link=link,
            fold=fold,
            reminders=DEFAULT_REMINDERS if reminders is None else reminders,
            follow_up=DEFAULT_FOLLOW_UP if follow_up is None and not no_follow_up else after,
            actor="cli",
        )

    event = _run(work)
    out.print(f"event {event.id}: {event.title}, {local_text(event.starts_at, event.timezone)}")


@cli.command("edit")
def edit(
    event_id: Annotated[int, typer.Argument(help="The event's id (see `engage events list`).")],
    title: Annotated[str | None, typer.Option(help="New title.")] = None,
    start: Annotated[str | None, typer.Option(help="New local start.")] = None,
    end: Annotated[str | None, typer.Option(help="New local end.")] = None,
    tz: Zone = None,
    to: To = None,
    section: Sections = None,
    description: Annotated[str | None, typer.Option(help="New description.")] = None,
    link: Annotated[str | None, typer.Option(help="New link.")] = None,
    fold: Fold = None,
    remind: Remind = None,
    follow_up: Annotated[str | None, typer.Option(help="New follow-up delay.")] = None,
) -> None:
    """Change an event; reminders still to come move with it."""
    changes = _checked(
        lambda: EventChanges(
            title=title,
            start=start,
            end=end,
            timezone=tz,
            targets=to,
            sections=section,
            description=description,
            link=link,
            fold=fold,
            reminders=_offsets(remind, none=False, field="reminders"),
            follow_up=_follow_up(follow_up, none=False),
        )
    )

    async def work(scheduling: Scheduling) -> EngagementEvent:
        return await scheduling.edit_event(event_id, changes=changes, actor="cli")

    event = _run(work)
    out.print(f"event {event.id}: {event.title}, {local_text(event.starts_at, event.timezone)}")


@cli.command("cancel")
def cancel(
    item_id: Annotated[int, typer.Argument(help="The event's id (or a prompt's, with --prompt).")],
    prompt: Annotated[
        bool, typer.Option("--prompt", help="Cancel a prompt, not an event.")
    ] = False,
) -> None:
    """Cancel an event and its prompts not yet sent (or, with --prompt, one prompt)."""

    async def work(scheduling: Scheduling) -> str:
        if prompt:
            cancelled = await scheduling.cancel_prompt(item_id, actor="cli")
            return f"prompt {cancelled.id} cancelled"
        event = await scheduling.cancel_event(item_id, actor="cli")
        return f"event {event.id} ('{event.title}') cancelled"

    out.print(_run(work))


@cli.command("import")
def import_ics(
    path: Annotated[Path, typer.Argument(help="An iCalendar (.ics) file.")],
    to: To = None,
    section: Sections = None,
    tz: Annotated[
        str | None, typer.Option("--tz", help="Zone for UTC and floating times (ENGAGE_TIMEZONE).")
    ] = None,
    skip_past: Annotated[bool, typer.Option(help="Leave out events already started.")] = False,
) -> None:
    """Schedule the events of an iCalendar file (all or none), with the default prompts."""
    try:
        data = path.read_bytes()
    except OSError as error:
        err.print(f"[bold red]error:[/] cannot read {path}: {error.strerror}", highlight=False)
        raise typer.Exit(code=2) from None

    async def work(scheduling: Scheduling) -> str:
        result = await scheduling.import_ics(
            data, targets=to or (), sections=section or (), timezone=tz, skip_past=skip_past
        )
        lines = [f"imported {len(result.scheduled)} event(s)"]
        lines += [f"  event {e.id}: {e.title}" for e in result.scheduled]
        lines += [f"  skipped {reason}" for reason in result.skipped]
        return "\n".join(lines)

    out.print(_run(work), highlight=False)


@cli.command("prompt")
def add_prompt(
    kind: Annotated[str, typer.Argument(help="message, section_of_week, coverage or digest.")],
    to: To = None,
    at: Annotated[str | None, typer.Option(help="Once, at this local time.")] = None,
    every: Annotated[
        str | None, typer.Option(help="Crontab line in --tz, e.g. '0 9 * * mon'.")
    ] = None,
    tz: Zone = None,
    section: Sections = None,
    text: Annotated[str, typer.Option(help="The words (a message), or a lead line.")] = "",
    event: Annotated[int | None, typer.Option(help="Attach to an event (its targets).")] = None,
    fold: Fold = None,
) -> None:
    """Schedule a prompt of no event (or an extra one for an event), once or recurring."""

    async def work(scheduling: Scheduling) -> Prompt:
        return await scheduling.schedule_prompt(
            kind=kind,
            targets=to or (),
            at=at,
            recurrence=every,
            timezone=tz,
            sections=section or (),
            text=text,
            fold=fold,
            event_id=event,
            actor="cli",
        )

    created = _run(work)
    out.print(
        f"prompt {created.id} ({created.kind.value}): first at "
        f"{local_text(created.due_at, created.timezone)}"
    )


@cli.command("list")
def list_events(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    cancelled: Annotated[bool, typer.Option(help="Include cancelled events.")] = True,
) -> None:
    """Events and prompts, with each prompt's state (missed ones included)."""

    async def work(scheduling: Scheduling) -> Agenda:
        return await scheduling.agenda(include_cancelled=cancelled)

    agenda = _run(work)
    if as_json:
        sys.stdout.write(json.dumps(agenda_as_json(agenda), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="Engagement events and prompts")
    for column in ("id", "what", "when (local)", "to", "state"):
        table.add_column(column, overflow="fold")  # wrap, never cut: the state says why
    for item in agenda.events:
        e = item.event
        table.add_row(
            f"event {e.id}",
            e.title,
            local_iso(e.starts_at, e.timezone) + f" ({e.timezone})",
            ", ".join(e.targets),
            "cancelled" if e.cancelled else "",
        )
        for p in item.prompts:
            table.add_row(f"  prompt {p.id}", p.kind.value, _when(p), "", prompt_state(p))
    for p in agenda.prompts:
        table.add_row(
            f"prompt {p.id}", p.kind.value, _when(p), ", ".join(p.targets), prompt_state(p)
        )
    out.print(table)


def _when(prompt: Prompt) -> str:
    due = local_iso(prompt.due_at, prompt.timezone)
    if prompt.recurrence and prompt.state is PromptState.SCHEDULED:
        return f"next {due} (every '{prompt.recurrence}' {prompt.timezone})"
    return due
