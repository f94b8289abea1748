"""Recurring prompts: a crontab line read in the prompt's own zone, next occurrences by
APScheduler's CronTrigger, and one firing per local occurrence across clock changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.scheduling_types import SchedulingError

MIN_INTERVAL = timedelta(hours=1)
_CHECKED_GAPS = 24
_MAX_STEPS = 100_000
_TICK = timedelta(microseconds=1)
_DIGIT = re.compile(r"\d")


def cron_trigger(expr: str, tz: ZoneInfo, *, field: str = "recurrence") -> CronTrigger:
    """The trigger for a five-field crontab line (minute hour day month weekday) in `tz`."""
    parts = expr.split()
    if len(parts) != 5:
        raise SchedulingError(
            field,
            f"'{expr}' is not a crontab line: give five fields, minute hour day month weekday, "
            "for example '0 9 * * mon' (every Monday at 09:00 local time).",
        )
    if _DIGIT.search(parts[4]):
        # APScheduler 3 counts Monday as 0 where cron counts Sunday as 0: names cannot be misread.
        raise SchedulingError(
            field, f"write weekdays as names (mon, tue, … sun), not '{parts[4]}'."
        )
    try:
        trigger = CronTrigger.from_crontab(expr, timezone=tz)
    except ValueError as error:
        raise SchedulingError(field, f"'{expr}' is not a valid crontab line: {error}.") from None
    return trigger


def check_recurrence(
    expr: str, tz: ZoneInfo, *, after: datetime, field: str = "recurrence"
) -> datetime:
    """Validate a recurrence and return its first occurrence after `after` (UTC).

    Refuses lines that never fire and lines that fire more than once an hour (a channel is
    not a pager).
    """
    trigger = cron_trigger(expr, tz, field=field)
    first = next_occurrence(trigger, after)
    if first is None:
        raise SchedulingError(field, f"'{expr}' never fires after {after:%Y-%m-%d}.")
    previous = first
    for _ in range(_CHECKED_GAPS):
        following = next_occurrence(trigger, previous)
        if following is None:
            break
        if following - previous < MIN_INTERVAL:
            raise SchedulingError(
                field, f"'{expr}' fires more often than once an hour; choose a calmer rhythm."
            )
        previous = following
    return first


def next_occurrence(trigger: CronTrigger, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, in UTC.

    A wall time that occurs twice on the night the clocks go back fires on its first
    occurrence only (APScheduler 3 would offer both). A wall time in the skipped hour of the
    spring change fires once, an hour later by the clock (zoneinfo reads it with the old offset).
    """
    cursor = after
    for _ in range(3):
        found: datetime | None = trigger.get_next_fire_time(None, cursor + _TICK)
        if found is None:
            return None
        if found.fold == 1 and found.replace(fold=0).utcoffset() != found.utcoffset():
            cursor = found.astimezone(UTC)
            continue
        return found.astimezone(UTC)
    return None


def latest_occurrence(trigger: CronTrigger, *, due: datetime, now: datetime) -> datetime:
    """The last occurrence at or before `now`, counting from `due` (itself an occurrence)."""
    latest = due
    for _ in range(_MAX_STEPS):
        following = next_occurrence(trigger, latest)
        if following is None or following > now:
            return latest
        latest = following
    return latest
