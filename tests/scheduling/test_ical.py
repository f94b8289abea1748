"""Importing engagement events from an iCalendar file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.scheduling import Scheduling
from bot.scheduling_types import PromptKind, SchedulingError

pytestmark = pytest.mark.usefixtures("channels")

ICS = Path(__file__).parent / "data" / "open-house.ics"


def _calendar(*events: str) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//engage tests//EN", *events]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def _vevent(*fields: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", "UID:x@engage.test", *fields, "END:VEVENT"])


async def test_events_with_a_tzid_a_utc_time_a_windows_zone_and_a_whole_day_are_imported(
    scheduling: Scheduling,
) -> None:
    result = await scheduling.import_ics(ICS.read_bytes(), targets=["sector:la"], sections=["2"])

    by_title = {e.title: e for e in result.scheduled}
    assert list(by_title) == [
        "Open house: how practice travels",
        "Webinar for suppliers",
        "Drop-in clinic",
        "Responses close",
    ]
    house = by_title["Open house: how practice travels"]
    assert (house.starts_at, house.ends_at, house.timezone) == (
        datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
        datetime(2026, 3, 10, 15, 30, tzinfo=UTC),
        "Europe/London",
    )
    assert house.description == "An hour with the team, bring a question."
    assert house.link == "https://example.org/open-house"
    assert house.targets == ("sector:la",)
    assert house.section_ids == ("how-practice-travels-today",)
    webinar = by_title["Webinar for suppliers"]
    assert (webinar.starts_at, webinar.ends_at) == (
        datetime(2026, 6, 10, 13, 0, tzinfo=UTC),
        datetime(2026, 6, 10, 14, 0, tzinfo=UTC),
    )
    assert webinar.timezone == "Europe/London"  # a UTC time is shown in the default zone
    clinic = by_title["Drop-in clinic"]
    assert clinic.starts_at == datetime(2026, 6, 11, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert clinic.timezone == "Europe/London"
    deadline = by_title["Responses close"]
    assert (deadline.starts_at, deadline.ends_at) == (
        datetime(2026, 4, 29, 23, 0, tzinfo=UTC),  # midnight BST
        datetime(2026, 4, 30, 23, 0, tzinfo=UTC),
    )
    agenda = await scheduling.agenda()
    assert [p.kind for p in agenda.events[0].prompts] == [
        PromptKind.REMINDER,
        PromptKind.REMINDER,
        PromptKind.FOLLOW_UP,
    ]


async def test_importing_the_same_file_again_schedules_nothing_twice(
    scheduling: Scheduling,
) -> None:
    await scheduling.import_ics(ICS.read_bytes(), targets=["sector:la"])
    again = await scheduling.import_ics(ICS.read_bytes(), targets=["sector:la"])

    assert again.scheduled == ()
    assert len(again.skipped) == 4
    assert len((await scheduling.agenda()).events) == 4


async def test_a_repeating_calendar_event_is_refused(scheduling: Scheduling) -> None:
    data = _calendar(
        _vevent("SUMMARY:Weekly", "DTSTART:20260310T140000Z", "RRULE:FREQ=WEEKLY;COUNT=4")
    )
    with pytest.raises(SchedulingError, match="repeats"):
        await scheduling.import_ics(data, targets=["sector:la"])
    assert (await scheduling.agenda()).events == ()


async def test_a_calendar_with_a_past_event_is_refused_whole(scheduling: Scheduling) -> None:
    data = _calendar(
        _vevent("SUMMARY:Coming", "DTSTART:20260310T140000Z"),
        _vevent("SUMMARY:Gone", "DTSTART:20251210T140000Z"),
    )
    with pytest.raises(SchedulingError) as raised:
        await scheduling.import_ics(data, targets=["sector:la"])
    assert raised.value.field == "ics"
    assert "event 2 ('Gone')" in raised.value.message
    assert "past" in raised.value.message
    assert (await scheduling.agenda()).events == ()


async def test_past_events_can_be_skipped(scheduling: Scheduling, clock: ManualClock) -> None:
    data = _calendar(
        _vevent("SUMMARY:Coming", "DTSTART:20260310T140000Z"),
        _vevent("SUMMARY:Gone", "DTSTART:20251210T140000Z"),
    )
    result = await scheduling.import_ics(data, targets=["sector:la"], skip_past=True)
    assert [e.title for e in result.scheduled] == ["Coming"]
    assert result.skipped == ("Gone: already started",)


async def test_a_calendar_without_events_is_refused(scheduling: Scheduling) -> None:
    with pytest.raises(SchedulingError, match="no events"):
        await scheduling.import_ics(_calendar(), targets=["sector:la"])


async def test_a_floating_time_is_read_in_the_zone_given(scheduling: Scheduling) -> None:
    data = _calendar(_vevent("SUMMARY:Paris", "DTSTART:20260310T140000"))
    result = await scheduling.import_ics(data, targets=["sector:la"], timezone="Europe/Paris")
    (event,) = result.scheduled
    assert (event.starts_at, event.timezone) == (
        datetime(2026, 3, 10, 13, 0, tzinfo=UTC),
        "Europe/Paris",
    )
