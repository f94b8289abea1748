"""Reading a submitted *Schedule an event* dialog: Teams' input strings into the values the
scheduling service takes, or an error per field for what Teams' inputs cannot express.

This layer checks only what belongs to the card: dates and times as Teams' pickers send them,
channels and sectors that were offered, the three reminder toggles, and which of a twice-
occurring wall time is meant. Everything else (title, zone, link, end before start, sections,
times the clocks skip) is the scheduling service's to judge, so every platform agrees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from adapters.teams.schedule_card import MAX_MESSAGE, PREFIX, TOGGLES, Choice, ScheduleChoices
from bot.events import DEFAULT_FOLLOW_UP
from bot.localtime import zone
from bot.scheduling_types import SchedulingError

FIELDS = (
    "title", "description", "start_date", "start_time", "end_date", "end_time", "timezone",
    "fold", "link", "channels", "sector", "sections", *TOGGLES, "message",
)  # fmt: skip
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


@dataclass(frozen=True, kw_only=True)
class ScheduleRequest:
    """An event as the scheduling service takes it, read from the dialog."""

    title: str
    description: str | None
    start: str
    end: str | None
    timezone: str
    fold: int | None
    link: str | None
    targets: tuple[str, ...]
    sections: tuple[str, ...]
    reminders: tuple[timedelta, ...]
    follow_up: timedelta | None
    message: str | None


@dataclass(kw_only=True)
class Submission:
    """The dialog's values by field name (kept to fill the card in again), the errors found,
    and the request when there were none."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    request: ScheduleRequest | None = None
    ambiguous: datetime | None = None
    """A wall time that occurs twice in the chosen zone, when the organiser must say which."""


def read_submission(data: Mapping[str, Any], *, choices: ScheduleChoices) -> Submission:
    """The submission of the dialog, checked against what the card offered."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        raw = data.get(PREFIX + name)
        if raw is None:
            continue
        if isinstance(raw, str):
            values[name] = raw.strip()
        else:
            errors.setdefault(_error_key(name), "That value could not be read; enter it again.")
    found = Submission(values=values, errors=errors)
    start = _when(values, "start", errors=errors, required=True)
    end = _when(values, "end", errors=errors, required=False, start_date=values.get("start_date"))
    targets = _targets(values, choices=choices, errors=errors)
    reminders, follow_up = _reminders(values, errors=errors)
    sections = tuple(s for s in values.get("sections", "").split(",") if s)
    message = values.get("message") or None
    if message is not None and len(message) > MAX_MESSAGE:
        errors["message"] = f"Keep the message under {MAX_MESSAGE} characters."
    zone_name = values.get("timezone") or choices.default_zone
    fold = _fold(values, errors=errors)
    # Asked for whenever it matters, so a choice made stays on the card if it comes back.
    found.ambiguous = _first_ambiguous(zone_name, start, end)
    if found.ambiguous is None:
        fold = None
        errors.pop("fold", None)
    elif fold is None:
        errors.setdefault(
            "fold",
            f"{found.ambiguous:%H:%M} happens twice on {_day(found.ambiguous)} in "
            f"{zone_name}: the clocks go back that night. Choose which one below.",
        )
    if errors or start is None:
        return found
    found.request = ScheduleRequest(
        title=values.get("title", ""),
        description=values.get("description") or None,
        start=start,
        end=end,
        timezone=zone_name,
        fold=fold,
        link=values.get("link") or None,
        targets=targets,
        sections=sections,
        reminders=reminders,
        follow_up=follow_up,
        message=message,
    )
    return found


def fold_choices(wall: datetime, zone_name: str) -> list[Choice]:
    """The two readings of a wall time that occurs twice, named by their offsets."""
    tz = ZoneInfo(zone_name)
    options: list[Choice] = []
    for fold, which in ((0, "The first"), (1, "The second")):
        local = wall.replace(tzinfo=tz, fold=fold)
        utc = local.astimezone(UTC)
        options.append((str(fold), f"{which}: {wall:%H:%M} {local.tzname()} ({utc:%H:%M} UTC)"))
    return options


def _error_key(name: str) -> str:
    if name.startswith(("start_", "end_")):
        return name.split("_", 1)[0]
    return "reminders" if name in TOGGLES else name


def _when(
    values: Mapping[str, str],
    prefix: str,
    *,
    errors: dict[str, str],
    required: bool,
    start_date: str | None = None,
) -> str | None:
    """`YYYY-MM-DD HH:MM` from a date and a time input. An end time alone is on the start's
    day; no end at all is a point in time (a deadline)."""
    if prefix in errors:
        return None
    date, time = values.get(f"{prefix}_date", ""), values.get(f"{prefix}_time", "")
    if not date and not time and not required:
        return None
    if not date and time and start_date and _DATE.match(start_date) and not required:
        date = start_date
    problem = None
    if not date:
        problem = f"Choose the {prefix} date."
    elif not _DATE.match(date):
        problem = f"'{date}' is not a date; choose one with the date picker."
    elif not time:
        problem = f"Choose the {prefix} time."
    elif not _TIME.match(time):
        problem = f"'{time}' is not a time of day; choose one with the time picker."
    if problem is not None:
        errors[prefix] = problem
        return None
    return f"{date} {time[:5]}"


def _targets(
    values: Mapping[str, str], *, choices: ScheduleChoices, errors: dict[str, str]
) -> tuple[str, ...]:
    offered = {value for value, _ in choices.channels}
    chosen = [c for c in values.get("channels", "").split(",") if c]
    unknown = [c for c in chosen if c not in offered]
    if unknown and "channels" not in errors:
        errors["channels"] = (
            f"engage is not in the channel '{unknown[0]}' (or no longer): choose from the list. "
            "To add a channel, add the app to its team first."
        )
    sector = values.get("sector", "")
    if sector and sector.removeprefix("sector:") not in choices.sectors and "sector" not in errors:
        errors["sector"] = (
            f"No channel carries the sector tag '{sector.removeprefix('sector:')}': choose one "
            "from the list."
        )
    if not chosen and not sector and "channels" not in errors:
        errors["channels"] = "Choose at least one channel, or a sector."
    return (*chosen, *([sector] if sector else []))


def _reminders(
    values: Mapping[str, str], *, errors: dict[str, str]
) -> tuple[tuple[timedelta, ...], timedelta | None]:
    on = {}
    for name in TOGGLES:
        value = values.get(name, "true")
        if value not in ("true", "false"):
            errors.setdefault("reminders", "Switch each reminder on or off.")
        on[name] = value == "true"
    reminders = tuple(
        offset
        for name, offset in (("remind_1d", timedelta(days=1)), ("remind_1h", timedelta(hours=1)))
        if on[name]
    )
    return reminders, DEFAULT_FOLLOW_UP if on["follow_up"] else None


def _fold(values: Mapping[str, str], *, errors: dict[str, str]) -> int | None:
    value = values.get("fold", "")
    if not value:
        return None
    if value not in ("0", "1"):
        errors.setdefault("fold", "Choose the first or the second of the two times.")
        return None
    return int(value)


def _first_ambiguous(zone_name: str, *texts: str | None) -> datetime | None:
    """The first of these wall times that occurs twice in the zone (the zone, when unknown,
    is the scheduling service's to report)."""
    try:
        tz = zone(zone_name)
    except SchedulingError:
        return None
    for text in texts:
        if text is None:
            continue
        try:
            wall = datetime.fromisoformat(text)
        except ValueError:
            continue
        first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
        exists = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall
        if first.utcoffset() != second.utcoffset() and exists:
            return wall
    return None


def _day(wall: datetime) -> str:
    return f"{wall:%A} {wall.day} {wall:%B %Y}"
