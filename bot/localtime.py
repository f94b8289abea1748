"""Local wall times in IANA zones: reading them, refusing the ones that do not exist or occur
twice on a daylight-saving change day, and writing them for people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.scheduling_types import SchedulingError


def zone(name: str, *, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`, or a SchedulingError naming the field."""
    cleaned = name.strip()
    try:
        if not cleaned or cleaned.startswith(("/", ".")) or ".." in cleaned:
            raise ValueError(cleaned)
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise SchedulingError(
            field,
            f"unknown time zone '{name}'. Use an IANA name such as Europe/London, "
            "Europe/Dublin or America/New_York.",
        ) from None


def parse_instant(
    value: str | datetime, *, tz: ZoneInfo, field: str, fold: int | None = None
) -> datetime:
    """The UTC instant of `value`: an aware datetime or ISO text with an offset is taken as
    is; a naive one is a wall time in `tz`, refused if it does not exist there or occurs twice
    and `fold` does not say which (0: the first, 1: the second)."""
    when = _parse(value, field=field) if isinstance(value, str) else value
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    return wall_time_to_utc(when, tz=tz, field=field, fold=fold)


def wall_time_to_utc(
    naive: datetime, *, tz: ZoneInfo, field: str, fold: int | None = None
) -> datetime:
    """The UTC instant of a wall time in `tz`, checked against the zone's clock changes."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(UTC)
    day = f"{naive:%A} {naive.day} {naive:%B %Y}"
    wall = f"{naive:%H:%M}"
    round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:
        raise SchedulingError(
            field,
            f"{wall} does not exist in {tz.key} on {day}: the clocks go forward that night. "
            "Choose a time outside the skipped hour.",
        )
    if fold not in (0, 1):
        raise SchedulingError(
            field,
            f"{wall} occurs twice in {tz.key} on {day}: the clocks go back that night. Say "
            f"which with fold=0 (the first, {wall} {first.tzname()}, "
            f"{first.astimezone(UTC):%H:%M} UTC) or fold=1 (the second, {wall} "
            f"{second.tzname()}, {second.astimezone(UTC):%H:%M} UTC).",
        )
    return (second if fold == 1 else first).astimezone(UTC)


def shift_local(instant: datetime, delta: timedelta, tz_name: str) -> datetime:
    """`instant` moved by `delta`: whole days on the local calendar (same wall time, whatever
    the clocks did in between), anything else as elapsed time. A wall time the clocks skip is
    read with the offset before the change, so it lands just after the gap."""
    if delta % timedelta(days=1):
        return instant + delta
    tz = ZoneInfo(tz_name)
    wall = instant.astimezone(tz).replace(tzinfo=None) + delta
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _parse(text: str, *, field: str) -> datetime:
    cleaned = text.strip()
    if len(cleaned) <= len("2026-03-10"):
        raise SchedulingError(
            field, f"'{text}' has no time of day. Write it as 2026-03-10 14:00 (local time)."
        )
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        raise SchedulingError(
            field, f"'{text}' is not a date and time. Write it as 2026-03-10 14:00 (local time)."
        ) from None


def local_text(instant: datetime, tz_name: str) -> str:
    """`Tuesday 10 March 2026, 14:00 GMT`: an instant as people in the zone read it."""
    local = instant.astimezone(ZoneInfo(tz_name))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def local_iso(instant: datetime, tz_name: str) -> str:
    """The instant as ISO 8601 text with the zone's offset, for machines and tables."""
    return instant.astimezone(ZoneInfo(tz_name)).isoformat(timespec="minutes")
