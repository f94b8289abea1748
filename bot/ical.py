"""Reading engagement events from an iCalendar file (the `icalendar` package).

VEVENT SUMMARY, DESCRIPTION, DTSTART, DTEND (or DURATION), URL. A time with a TZID keeps its
zone (Windows names such as "GMT Standard Time" are mapped to IANA ones); a UTC or floating
time is shown in the default zone. An all-day event runs from midnight to midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event
from icalendar.timezone.tzid import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bot.localtime import wall_time_to_utc, zone
from bot.scheduling_types import SchedulingError

MAX_EVENTS = 500


@dataclass(frozen=True, kw_only=True)
class IcsEvent:
    """One VEVENT, read: instants in UTC and the zone to show them in."""

    uid: str | None
    title: str
    start: datetime
    end: datetime
    timezone: str
    description: str | None = None
    link: str | None = None


def read_ics(data: bytes, *, default_zone: str) -> list[IcsEvent]:
    """The events of a calendar file, or a SchedulingError on the field `ics` saying what is
    wrong with it (and nothing read)."""
    try:
        calendar = Calendar.from_ical(data)
    except ValueError as error:
        raise SchedulingError("ics", f"this is not an iCalendar file: {error}") from None
    if not isinstance(calendar, Calendar):
        raise SchedulingError("ics", "the file must hold one VCALENDAR.")
    found = [c for c in calendar.walk("VEVENT") if isinstance(c, Event)]
    if not found:
        raise SchedulingError("ics", "the calendar has no events (VEVENT) in it.")
    if len(found) > MAX_EVENTS:
        raise SchedulingError("ics", f"the calendar has more than {MAX_EVENTS} events.")
    return [_event(component, n, default_zone) for n, component in enumerate(found, 1)]


def _event(component: Event, number: int, default_zone: str) -> IcsEvent:
    title = str(component.get("SUMMARY", "")).strip()
    where = f"event {number}" + (f" ('{title}')" if title else "")
    if component.get("RRULE") is not None:
        raise SchedulingError(
            "ics",
            f"{where} repeats (RRULE); repeating calendar events are not imported. "
            "Schedule a recurring prompt instead.",
        )
    try:
        start_value = component.start
        end_value = component.end
    except Exception as error:  # icalendar raises several kinds for broken or missing dates
        raise SchedulingError("ics", f"{where} has no usable DTSTART/DTEND: {error}") from None
    tz_name = _zone_of(start_value, default_zone)
    description = str(component.get("DESCRIPTION", "")).strip() or None
    link = str(component.get("URL", "")).strip() or None
    uid = component.get("UID")
    return IcsEvent(
        uid=None if uid is None else str(uid),
        title=title,
        start=_instant(start_value, tz_name, where, "start"),
        end=_instant(end_value, tz_name, where, "end"),
        timezone=tz_name,
        description=description,
        link=link,
    )


def _zone_of(value: Any, default_zone: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        return default_zone
    tzid = tzid_from_dt(value)
    if tzid is None or tzid.upper() in ("UTC", "Z", "ETC/UTC", "GMT"):
        return default_zone
    candidate = WINDOWS_TO_OLSON.get(tzid, tzid)
    try:
        return ZoneInfo(candidate).key
    except (ZoneInfoNotFoundError, ValueError):
        return default_zone


def _instant(value: Any, tz_name: str, where: str, which: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return _wall(value, tz_name, where, which)
    if isinstance(value, date):
        return _wall(datetime.combine(value, time()), tz_name, where, which)
    raise SchedulingError("ics", f"{where}: the {which} is not a date or time.")


def _wall(naive: datetime, tz_name: str, where: str, which: str) -> datetime:
    try:
        return wall_time_to_utc(naive, tz=zone(tz_name), field="ics", fold=0)
    except SchedulingError as error:
        raise SchedulingError("ics", f"{where}: the {which} {error.message}") from None
