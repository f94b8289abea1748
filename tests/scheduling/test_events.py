"""Engagement events: their reminders and follow-up, editing, cancelling, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.events import EventChanges
from bot.outbox import OutboxSender
from bot.scheduler import PromptScheduler
from bot.scheduling import Scheduling
from bot.scheduling_types import Anchor, PromptKind, PromptState
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform

pytestmark = pytest.mark.usefixtures("channels")


async def test_an_event_gets_reminders_a_day_and_an_hour_before_and_a_follow_up_after(
    scheduling: Scheduling,
) -> None:
    event = await scheduling.schedule_event(
        title="Open house",
        start="2026-03-10 14:00",
        end="2026-03-10 15:30",
        targets=["sector:la"],
    )
    (item,) = (await scheduling.agenda()).events
    due = [(p.kind, p.due_at) for p in item.prompts]
    assert event.timezone == "Europe/London"
    assert due == [
        (PromptKind.REMINDER, datetime(2026, 3, 9, 14, 0, tzinfo=UTC)),
        (PromptKind.REMINDER, datetime(2026, 3, 10, 13, 0, tzinfo=UTC)),
        (PromptKind.FOLLOW_UP, datetime(2026, 3, 10, 16, 30, tzinfo=UTC)),
    ]
    assert {p.state for p in item.prompts} == {PromptState.SCHEDULED}


async def test_summer_times_are_read_in_british_summer_time(scheduling: Scheduling) -> None:
    event = await scheduling.schedule_event(
        title="Webinar", start="2026-06-10 14:00", targets=["sector:la"]
    )
    assert event.starts_at == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    assert event.ends_at == event.starts_at


async def test_reminders_already_past_are_left_out(
    scheduling: Scheduling, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=UTC))
    await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"]
    )
    (item,) = (await scheduling.agenda()).events
    assert [(p.kind, p.offset_seconds) for p in item.prompts] == [
        (PromptKind.REMINDER, -3600),
        (PromptKind.FOLLOW_UP, 3600),
    ]


async def test_moving_an_event_moves_its_reminders(scheduling: Scheduling) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"], follow_up=None
    )
    moved = await scheduling.edit_event(
        event.id, changes=EventChanges(start="2026-03-17 10:00", end="2026-03-17 11:00")
    )
    (item,) = (await scheduling.agenda()).events
    scheduled = [p.due_at for p in item.prompts if p.state is PromptState.SCHEDULED]
    cancelled = [p for p in item.prompts if p.state is PromptState.CANCELLED]
    assert moved.starts_at == datetime(2026, 3, 17, 10, 0, tzinfo=UTC)
    assert scheduled == [
        datetime(2026, 3, 16, 10, 0, tzinfo=UTC),
        datetime(2026, 3, 17, 9, 0, tzinfo=UTC),
    ]
    assert len(cancelled) == 2


async def test_a_new_zone_keeps_the_wall_time(scheduling: Scheduling) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"]
    )
    moved = await scheduling.edit_event(event.id, changes=EventChanges(timezone="Europe/Paris"))
    assert moved.timezone == "Europe/Paris"
    assert moved.starts_at == datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


async def test_changing_only_the_words_keeps_the_prompts(scheduling: Scheduling) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"]
    )
    before = (await scheduling.agenda()).events[0].prompts
    await scheduling.edit_event(event.id, changes=EventChanges(title="Open house (room 2)"))
    after = (await scheduling.agenda()).events[0]
    assert after.event.title == "Open house (room 2)"
    assert after.prompts == before


async def test_an_event_that_has_started_can_still_be_renamed(
    scheduling: Scheduling, clock: ManualClock
) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"]
    )
    clock.set(datetime(2026, 3, 10, 14, 30, tzinfo=UTC))
    renamed = await scheduling.edit_event(event.id, changes=EventChanges(title="Open house!"))
    assert renamed.title == "Open house!"


async def test_a_cancelled_event_sends_nothing(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"]
    )
    await scheduling.cancel_event(event.id)
    clock.set(datetime(2026, 3, 11, tzinfo=UTC))
    await scheduler.fire_due()
    await sender.drain()

    (item,) = (await scheduling.agenda()).events
    assert item.event.cancelled
    assert {p.state for p in item.prompts} == {PromptState.CANCELLED}
    assert fake.sent == []


async def test_a_cancelled_prompt_is_not_sent_and_cannot_be_cancelled_twice(
    scheduling: Scheduling, scheduler: PromptScheduler, clock: ManualClock
) -> None:
    from bot.scheduling_types import SchedulingError

    prompt = await scheduling.schedule_prompt(
        kind="message", text="Hello", targets=["#general"], at="2026-01-06 09:00"
    )
    await scheduling.cancel_prompt(prompt.id)
    clock.advance(timedelta(days=2).total_seconds())
    report = await scheduler.fire_due()
    assert report.claimed == 0
    with pytest.raises(SchedulingError, match="cancelled"):
        await scheduling.cancel_prompt(prompt.id)


async def test_an_extra_prompt_of_an_event_uses_the_events_targets(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    event = await scheduling.schedule_event(
        title="Open house",
        start="2026-03-10 14:00",
        targets=["sector:la"],
        reminders=(),
        follow_up=None,
    )
    await scheduling.schedule_prompt(
        kind="message", text="Slides are up", event_id=event.id, at="2026-03-10 16:00"
    )
    clock.set(datetime(2026, 3, 10, 16, 0, tzinfo=UTC))
    await scheduler.fire_due()
    await sender.drain()
    assert [(m.channel, m.text) for m in fake.sent] == [("general", "Slides are up")]


async def test_schedule_and_cancel_are_written_to_the_audit_log(
    scheduling: Scheduling, store: SqlStore
) -> None:
    event = await scheduling.schedule_event(
        title="Open house", start="2026-03-10 14:00", targets=["sector:la"], actor="organiser:u1"
    )
    await scheduling.cancel_event(event.id, actor="organiser:u1")
    async with store.transaction() as tx:
        entries = await tx.list_audit()
    assert [(e.actor, e.action) for e in entries][:2] == [
        ("organiser:u1", "event.cancel"),
        ("organiser:u1", "event.schedule"),
    ]


async def test_reminder_offsets_are_kept_with_each_prompt(scheduling: Scheduling) -> None:
    await scheduling.schedule_event(
        title="Deadline",
        start="2026-03-31 17:00",
        targets=["sector:la"],
        reminders=(timedelta(days=7), timedelta(days=1)),
        follow_up=None,
    )
    (item,) = (await scheduling.agenda()).events
    assert [(p.anchor, p.offset_seconds) for p in item.prompts] == [
        (Anchor.START, -7 * 86400),
        (Anchor.START, -86400),
    ]


async def test_a_day_before_is_the_same_local_time_across_a_clock_change(
    scheduling: Scheduling,
) -> None:
    # Sunday 29 March 2026, 14:00 BST; the clocks went forward that night.
    await scheduling.schedule_event(
        title="Open house", start="2026-03-29 14:00", targets=["sector:la"], follow_up=None
    )
    (item,) = (await scheduling.agenda()).events
    assert [p.due_at for p in item.prompts] == [
        datetime(2026, 3, 28, 14, 0, tzinfo=UTC),  # Saturday 14:00 GMT, 25 hours before
        datetime(2026, 3, 29, 12, 0, tzinfo=UTC),  # 13:00 BST, an hour before
    ]
