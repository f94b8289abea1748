"""Engagement events from plain values: validation (every bad field named at once) and the
reminders and follow-up each event gets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.domain import Paper
from bot.errors import TargetError
from bot.localtime import parse_instant, shift_local, zone
from bot.ports import StoreSession
from bot.scheduling_types import (
    Anchor,
    EngagementEvent,
    NewEvent,
    NewPrompt,
    PromptKind,
    SchedulingError,
)
from bot.targets import resolve_channels, resolve_sections

DEFAULT_REMINDERS = (timedelta(days=1), timedelta(hours=1))
DEFAULT_FOLLOW_UP = timedelta(hours=1)
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_OFFSET = timedelta(days=60)
_OFFSET = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


@dataclass(frozen=True, kw_only=True)
class EventInput:
    """An event as an organiser gives it: text or datetimes, names of zones and targets.

    `start`/`end` are wall times in `timezone` (text like `2026-03-10 14:00`, or naive
    datetimes) or aware datetimes (instants). No `end` makes a point in time (a deadline).
    `fold` picks the first (0) or second (1) of a wall time that occurs twice. Without an
    `end`, the event lasts `duration` (default: none, a point in time such as a deadline).
    """

    title: str
    start: str | datetime
    end: str | datetime | None = None
    timezone: str | None = None
    targets: Sequence[str] = ()
    sections: Sequence[str] = ()
    description: str | None = None
    link: str | None = None
    fold: int | None = None
    duration: timedelta | None = None
    reminders: Sequence[timedelta] = DEFAULT_REMINDERS
    follow_up: timedelta | None = DEFAULT_FOLLOW_UP


@dataclass(frozen=True, kw_only=True)
class EventChanges:
    """The fields of an event to change; None keeps the current value."""

    title: str | None = None
    start: str | datetime | None = None
    end: str | datetime | None = None
    timezone: str | None = None
    targets: Sequence[str] | None = None
    sections: Sequence[str] | None = None
    description: str | None = None
    link: str | None = None
    fold: int | None = None
    reminders: Sequence[timedelta] | None = None
    follow_up: timedelta | None = None

    @property
    def moves_time(self) -> bool:
        """Whether the change can move the event's start or end."""
        return self.start is not None or self.end is not None or self.timezone is not None


@dataclass(kw_only=True)
class _Errors:
    found: dict[str, str] = field(default_factory=dict)

    def check(self, name: str, problem: str | None) -> None:
        if problem and name not in self.found:
            self.found[name] = problem

    def catch(self, error: SchedulingError) -> None:
        for name, message in error.errors.items():
            self.check(name, message)

    def raise_any(self) -> None:
        if self.found:
            raise SchedulingError.of(self.found)


def validate_event(
    values: EventInput, *, now: datetime, default_zone: str, paper: Paper, require_future: bool
) -> NewEvent:
    """The event to store, or a SchedulingError naming every bad field."""
    errors = _Errors()
    title = values.title.strip()
    errors.check("title", "give the event a title." if not title else None)
    errors.check(
        "title", f"keep the title under {MAX_TITLE} characters." if len(title) > MAX_TITLE else None
    )
    description = (values.description or "").strip() or None
    if description and len(description) > MAX_DESCRIPTION:
        errors.check("description", f"keep the description under {MAX_DESCRIPTION} characters.")
    link = (values.link or "").strip() or None
    errors.check("link", _link_problem(link))
    zone_name = (values.timezone or default_zone).strip()
    starts_at = ends_at = None
    try:
        tz = zone(zone_name)
    except SchedulingError as error:
        errors.catch(error)
    else:
        zone_name = tz.key
        try:
            starts_at = parse_instant(values.start, tz=tz, field="start", fold=values.fold)
        except SchedulingError as error:
            errors.catch(error)
        try:
            no_end = values.end is None or (isinstance(values.end, str) and not values.end.strip())
            if not no_end:
                assert values.end is not None
                ends_at = parse_instant(values.end, tz=tz, field="end", fold=values.fold)
            elif starts_at is not None:
                ends_at = starts_at + (values.duration or timedelta(0))
        except SchedulingError as error:
            errors.catch(error)
    if starts_at is not None and require_future and starts_at <= now:
        errors.check("start", "the start is in the past; give a time still to come.")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        errors.check("end", "the end is before the start.")
    section_ids: tuple[str, ...] = ()
    if values.sections:
        try:
            section_ids = tuple(s.id for s in resolve_sections(paper, list(values.sections)))
        except TargetError as error:
            errors.check("sections", str(error))
    targets = tuple(t.strip() for t in values.targets if t.strip())
    errors.check("targets", None if targets else "say where to post: sector:<tag>, #channel or *.")
    for offset in values.reminders:
        errors.check("reminders", _offset_problem(offset))
    if values.follow_up is not None:
        errors.check("follow_up", _offset_problem(values.follow_up, allow_zero=True))
    errors.raise_any()
    assert starts_at is not None
    assert ends_at is not None
    return NewEvent(
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=zone_name,
        link=link,
        targets=targets,
        section_ids=section_ids,
    )


async def check_targets(tx: StoreSession, targets: Sequence[str]) -> None:
    """Every target must name at least one channel the bot knows, or nothing is scheduled."""
    for target in targets:
        try:
            found = await resolve_channels(tx, target)
        except TargetError as error:
            raise SchedulingError("targets", str(error)) from None
        if not found:
            raise SchedulingError(
                "targets", f"No active channel matches '{target}'. Add the bot to one first."
            )


def merge(event: EngagementEvent, changes: EventChanges) -> EventInput:
    """The input an edited event would have had: changed fields over the current ones.

    A new zone without a new start keeps the event's wall times and reads them in that zone;
    a new start without a new end keeps the event's length.
    """
    rezone = changes.timezone is not None and changes.timezone != event.timezone

    def kept(instant: datetime) -> datetime:
        local = instant.astimezone(ZoneInfo(event.timezone))
        return local.replace(tzinfo=None) if rezone else instant

    return EventInput(
        title=changes.title if changes.title is not None else event.title,
        start=changes.start if changes.start is not None else kept(event.starts_at),
        end=(
            changes.end
            if changes.end is not None
            else None
            if changes.start is not None
            else kept(event.ends_at)
        ),
        duration=event.ends_at - event.starts_at,
        timezone=changes.timezone or event.timezone,
        targets=changes.targets if changes.targets is not None else event.targets,
        sections=changes.sections if changes.sections is not None else event.section_ids,
        description=changes.description if changes.description is not None else event.description,
        link=changes.link if changes.link is not None else event.link,
        fold=changes.fold,
    )


def event_prompts(
    event: EngagementEvent,
    *,
    reminders: Sequence[timedelta],
    follow_up: timedelta | None,
    now: datetime,
) -> list[NewPrompt]:
    """Reminders before the start and a follow-up after the end; ones already past are left
    out (an event tomorrow morning gets no one-day reminder). Whole days are counted on the
    local calendar, so "a day before" a 14:00 event is at 14:00 even across a clock change."""
    planned = [
        NewPrompt(
            kind=PromptKind.REMINDER,
            event_id=event.id,
            due_at=shift_local(event.starts_at, -offset, event.timezone),
            timezone=event.timezone,
            anchor=Anchor.START,
            offset_seconds=-int(offset.total_seconds()),
        )
        for offset in sorted(set(reminders), reverse=True)
    ]
    if follow_up is not None:
        planned.append(
            NewPrompt(
                kind=PromptKind.FOLLOW_UP,
                event_id=event.id,
                due_at=shift_local(event.ends_at, follow_up, event.timezone),
                timezone=event.timezone,
                anchor=Anchor.END,
                offset_seconds=int(follow_up.total_seconds()),
            )
        )
    return [p for p in planned if p.due_at > now]


def parse_offset(text: str, *, field: str = "reminders") -> timedelta:
    """`1d`, `1h`, `30m`, `1w`, `1h30m` as a duration."""
    match = _OFFSET.match(text.strip().lower())
    if not text.strip() or match is None:
        raise SchedulingError(
            field, f"'{text}' is not a duration; write it like 1d, 1h, 30m or 1h30m."
        )
    weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)


def _offset_problem(offset: timedelta, *, allow_zero: bool = False) -> str | None:
    if offset < timedelta(0) or (offset == timedelta(0) and not allow_zero):
        return "durations must be more than zero."
    if offset > MAX_OFFSET:
        return "keep prompts within 60 days of the event."
    return None


def _link_problem(link: str | None) -> str | None:
    if link is None:
        return None
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in link):
        return f"'{link}' is not a web address; give one starting with https://."
    return None
