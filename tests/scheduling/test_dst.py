"""Recurring prompts keep their local wall time across the clock changes, and fire once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.domain import Paper, PostKind
from bot.firing import FirePolicy
from bot.outbox import OutboxSender
from bot.recurrence import cron_trigger, next_occurrence
from bot.scheduler import PromptScheduler, SchedulerPolicy
from bot.scheduling import Scheduling
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform

pytestmark = pytest.mark.usefixtures("channels")

LONDON = ZoneInfo("Europe/London")


async def _run_occurrences(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    clock: ManualClock,
    count: int,
) -> None:
    """Jump to each next due time in turn and fire what is due there."""
    for _ in range(count):
        (prompt,) = (await scheduling.agenda()).prompts
        clock.set(prompt.due_at)
        await scheduler.fire_due()
        await sender.drain()


@pytest.mark.parametrize(
    ("created", "utc_hours"),
    [
        pytest.param(datetime(2026, 3, 16, tzinfo=UTC), [9, 9, 8, 8], id="march"),
        pytest.param(datetime(2026, 10, 12, tzinfo=UTC), [8, 8, 9, 9], id="october"),
    ],
)
async def test_a_weekly_nine_oclock_prompt_fires_at_nine_local_across_the_change(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    created: datetime,
    utc_hours: list[int],
) -> None:
    clock.set(created)
    await scheduling.schedule_prompt(
        kind="message",
        text="Monday hello",
        targets=["#general"],
        recurrence="0 9 * * mon",
        timezone="Europe/London",
    )
    await _run_occurrences(scheduling, scheduler, sender, clock, 4)

    sent = [m.at for m in fake.sent]
    assert [(t.astimezone(LONDON).strftime("%a %H:%M")) for t in sent] == ["Mon 09:00"] * 4
    assert [t.hour for t in sent] == utc_hours
    assert len({t.date() for t in sent}) == 4


async def test_a_daily_prompt_in_the_repeated_hour_fires_once_that_night(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    clock.set(datetime(2026, 10, 23, 12, 0, tzinfo=UTC))
    await scheduling.schedule_prompt(
        kind="message", text="Night owl", targets=["#general"], recurrence="30 1 * * *"
    )
    await _run_occurrences(scheduling, scheduler, sender, clock, 4)

    local_days = [m.at.astimezone(LONDON).strftime("%d %H:%M") for m in fake.sent]
    assert local_days == ["24 01:30", "25 01:30", "26 01:30", "27 01:30"]


def test_a_daily_prompt_in_the_skipped_hour_fires_once_an_hour_later_that_night() -> None:
    trigger = cron_trigger("30 1 * * *", LONDON)
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    first = next_occurrence(trigger, after)
    assert first is not None
    second = next_occurrence(trigger, first)
    assert second is not None
    assert first.astimezone(LONDON).strftime("%d %H:%M %Z") == "29 02:30 BST"
    assert second.astimezone(LONDON).strftime("%d %H:%M %Z") == "30 01:30 BST"


async def test_the_loop_sleeps_until_the_next_due_time_and_fires_then(
    scheduling: Scheduling, store: SqlStore, clock: ManualClock, example_paper: Paper
) -> None:
    prompt = await scheduling.schedule_prompt(
        kind="message", text="On the dot", targets=["#general"], at="2026-01-05 17:45"
    )
    # A long poll, so the only way to fire on time is to sleep exactly until the due time.
    scheduler = PromptScheduler(
        store=store,
        clock=clock,
        paper=lambda: example_paper,
        policy=SchedulerPolicy(poll_seconds=86_400, fire=FirePolicy()),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop))
    try:
        for _ in range(1000):
            async with store.transaction() as tx:
                posts = await tx.list_posts(kind=PostKind.PROMPT)
            if posts:
                break
            await asyncio.sleep(0.001)
    finally:
        stop.set()
        scheduler.wake()
        await task
    (post,) = posts
    assert post.prompt_id == prompt.id
    assert post.created_at == prompt.due_at
