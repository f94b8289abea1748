"""Bad input is refused with a message naming the field, and nothing is scheduled."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.scheduling import Scheduling
from bot.scheduling_types import EngagementEvent, Prompt, SchedulingError

pytestmark = pytest.mark.usefixtures("channels")

START = "2026-03-10 14:00"


async def _refused(scheduling: Scheduling, attempt: Awaitable[object]) -> SchedulingError:
    with pytest.raises(SchedulingError) as raised:
        await attempt
    agenda = await scheduling.agenda()
    assert agenda.events == ()
    assert agenda.prompts == ()
    return raised.value


def _event(scheduling: Scheduling, **overrides: object) -> Awaitable[EngagementEvent]:
    values: dict[str, object] = {
        "title": "Open house",
        "start": START,
        "end": "2026-03-10 15:00",
        "targets": ["sector:la"],
    }
    values.update(overrides)
    return scheduling.schedule_event(**values)  # type: ignore[arg-type]


def _prompt(scheduling: Scheduling, **overrides: object) -> Awaitable[Prompt]:
    values: dict[str, object] = {"kind": "coverage", "targets": ["#general"], "at": START}
    values.update(overrides)
    return scheduling.schedule_prompt(**values)  # type: ignore[arg-type]


async def test_a_start_in_the_past_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, start="2026-01-04 14:00", end=None))
    assert error.field == "start"
    assert "past" in error.message


async def test_an_end_before_the_start_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, end="2026-03-10 13:00"))
    assert error.field == "end"
    assert "before the start" in error.message


async def test_an_unknown_time_zone_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, timezone="Europe/Atlantis"))
    assert error.field == "timezone"
    assert "Europe/Atlantis" in error.message


async def test_a_local_time_skipped_by_the_spring_change_is_refused(
    scheduling: Scheduling,
) -> None:
    error = await _refused(
        scheduling, _event(scheduling, start="2026-03-29 01:30", end="2026-03-29 03:00")
    )
    assert error.field == "start"
    assert "does not exist in Europe/London on Sunday 29 March 2026" in error.message


async def test_a_local_time_repeated_by_the_autumn_change_is_refused_without_fold(
    scheduling: Scheduling,
) -> None:
    error = await _refused(
        scheduling, _event(scheduling, start="2026-10-25 01:30", end="2026-10-25 03:00")
    )
    assert error.field == "start"
    assert "occurs twice" in error.message
    assert "fold=0" in error.message
    assert "fold=1" in error.message


@pytest.mark.parametrize(("fold", "utc_hour"), [(0, 0), (1, 1)])
async def test_fold_says_which_of_a_repeated_local_time_is_meant(
    scheduling: Scheduling, fold: int, utc_hour: int
) -> None:
    event = await _event(scheduling, start="2026-10-25 01:30", end="2026-10-25 03:00", fold=fold)
    assert event.starts_at == datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC)


async def test_a_malformed_calendar_file_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(
        scheduling, scheduling.import_ics(b"this is not a calendar\n", targets=["sector:la"])
    )
    assert error.field == "ics"
    assert "not an iCalendar file" in error.message


async def test_a_calendar_event_with_a_broken_start_is_refused(scheduling: Scheduling) -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"SUMMARY:Webinar\r\nDTSTART:2026-03-10 at two\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    error = await _refused(scheduling, scheduling.import_ics(data, targets=["sector:la"]))
    assert error.field == "ics"
    assert "event 1 ('Webinar')" in error.message


async def test_a_channel_the_bot_does_not_know_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, targets=["#nowhere"]))
    assert error.field == "targets"
    assert "nowhere" in error.message


async def test_a_sector_no_channel_carries_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _prompt(scheduling, targets=["sector:suppliers"]))
    assert error.field == "targets"
    assert "suppliers" in error.message


async def test_no_target_at_all_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, targets=[]))
    assert error.field == "targets"


async def test_an_unknown_section_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, sections=["99"]))
    assert error.field == "sections"


async def test_a_link_that_is_not_a_web_address_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, link="javascript:alert(1)"))
    assert error.field == "link"


async def test_every_bad_field_is_named_at_once(scheduling: Scheduling) -> None:
    error = await _refused(
        scheduling, _event(scheduling, title="  ", start="tomorrow", link="ftp://x")
    )
    assert set(error.errors) == {"title", "start", "link"}


async def test_a_time_without_a_time_of_day_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _event(scheduling, start="2026-03-10", end=None))
    assert error.field == "start"
    assert "no time of day" in error.message


async def test_a_prompt_time_in_the_past_is_refused(
    scheduling: Scheduling, clock: ManualClock
) -> None:
    error = await _refused(scheduling, _prompt(scheduling, at="2026-01-05 08:59"))
    assert error.field == "at"


async def test_a_prompt_needs_either_a_time_or_a_recurrence(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _prompt(scheduling, at=None))
    assert error.field == "at"


@pytest.mark.parametrize(
    ("recurrence", "words"),
    [
        ("0 9 * * 1", "names"),
        ("0 9 * *", "five fields"),
        ("0 25 * * mon", "not a valid crontab line"),
        ("*/5 * * * *", "more often than once an hour"),
        ("0 9 31 2 *", "never fires"),
    ],
)
async def test_a_bad_recurrence_is_refused(
    scheduling: Scheduling, recurrence: str, words: str
) -> None:
    error = await _refused(scheduling, _prompt(scheduling, at=None, recurrence=recurrence))
    assert error.field == "recurrence"
    assert words in error.message


async def test_a_message_prompt_without_text_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _prompt(scheduling, kind="message"))
    assert error.field == "text"


async def test_a_reminder_without_an_event_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _prompt(scheduling, kind="reminder"))
    assert error.field == "kind"


async def test_an_unknown_kind_of_prompt_is_refused(scheduling: Scheduling) -> None:
    error = await _refused(scheduling, _prompt(scheduling, kind="fireworks"))
    assert error.field == "kind"


async def test_editing_an_unknown_event_is_refused(scheduling: Scheduling) -> None:
    from bot.events import EventChanges

    error = await _refused(scheduling, scheduling.edit_event(42, changes=EventChanges(title="x")))
    assert error.field == "event"
