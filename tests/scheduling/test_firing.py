"""Firing: the words of each kind of prompt (rendered fresh), where they go, and what
happens when a prompt is late or cannot be sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from bot.clock import ManualClock
from bot.domain import Actor, FeedbackSubmitted, Paper, Platform
from bot.engagement import Engagement
from bot.forms import NATURE_OPTIONS, ROLE_OPTIONS
from bot.outbox import OutboxSender
from bot.ports import Store, StoreSession
from bot.scheduler import PromptScheduler
from bot.scheduling import Scheduling
from bot.scheduling_types import PromptState
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform
from tests.scheduling.conftest import make_scheduler

pytestmark = pytest.mark.usefixtures("channels")

MONDAY_9 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)  # 09:00 GMT


def _prompts(fake: FakePlatform) -> list[str]:
    return [m.text for m in fake.sent if m.kind == "prompt"]


async def _deliver(scheduler: PromptScheduler, sender: OutboxSender) -> None:
    await scheduler.fire_due()
    await sender.drain()


class _Feedback:
    """Publishes the paper to #general and submits feedback on its sections."""

    def __init__(self, engagement: Engagement, sender: OutboxSender, fake: FakePlatform) -> None:
        self._engagement = engagement
        self._sender = sender
        self._fake = fake
        self._count = 0

    async def publish(self) -> None:
        await self._engagement.publish(sections=["all"], target="#general")
        await self._sender.drain()

    async def give(self, section: int, *, role: str, nature: str, now: datetime) -> None:
        title = self._engagement.paper.sections[section - 1].title
        message = next(m for m in self._fake.sent if m.kind == "section" and m.text == title)
        self._count += 1
        result = await self._engagement.submit_feedback(
            FeedbackSubmitted(
                platform=Platform.WEB,
                workspace_id="local",
                event_id=f"feedback-{self._count}",
                channel_id="general",
                message_id=message.message_id,
                actor=Actor(user_id=f"member-{self._count}"),
                occurred_at=now,
                values={"summary": "Some considered words", "role": role, "nature": nature},
            )
        )
        assert result is not None
        assert not hasattr(result, "errors"), result


@pytest.fixture
async def feedback(engagement: Engagement, sender: OutboxSender, fake: FakePlatform) -> _Feedback:
    helper = _Feedback(engagement, sender, fake)
    await helper.publish()
    return helper


async def test_a_reminder_says_what_when_and_where_to_join(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_event(
        title="Open house",
        start="2026-03-10 14:00",
        end="2026-03-10 15:30",
        targets=["sector:la"],
        link="https://example.org/join",
        description="Bring a question.",
        sections=["2"],
    )
    clock.set(datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    await _deliver(scheduler, sender)

    (text,) = _prompts(fake)
    assert text.startswith(
        "Reminder: Open house starts in 1 day: Tuesday 10 March 2026, 14:00 GMT to 15:30 GMT."
    )
    assert "Bring a question." in text
    assert "Join: https://example.org/join" in text
    assert "• 2. How practice travels today" in text
    assert [m.channel for m in fake.sent if m.kind == "prompt"] == ["general"]


async def test_a_follow_up_points_to_the_sections_give_feedback(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_event(
        title="Webinar",
        start="2026-03-10 14:00",
        end="2026-03-10 15:00",
        targets=["*"],
        sections=["2", "3"],
        reminders=(),
    )
    clock.set(datetime(2026, 3, 10, 16, 0, tzinfo=UTC))
    await _deliver(scheduler, sender)

    texts = _prompts(fake)
    assert len(texts) == 2  # one per channel
    assert texts[0] == texts[1]
    assert "Thank you for joining Webinar" in texts[0]
    assert "press Give feedback under its post in this channel" in texts[0]
    assert "• 2. How practice travels today\n• 3. What the network could offer" in texts[0]


async def test_a_coverage_nudge_names_the_least_heard_sections_and_roles_not_heard(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    feedback: _Feedback,
) -> None:
    now = clock.now()
    for _ in range(2):
        await feedback.give(1, role=ROLE_OPTIONS[0], nature=NATURE_OPTIONS[0], now=now)
    await feedback.give(2, role=ROLE_OPTIONS[1], nature=NATURE_OPTIONS[1], now=now)
    await scheduling.schedule_prompt(kind="coverage", targets=["#general"], at="2026-01-05 10:00")
    clock.set(datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    await _deliver(scheduler, sender)

    (text,) = _prompts(fake)
    lines = text.splitlines()
    assert lines[1].startswith("• 3. What the network could offer: 0 responses. Not yet heard")
    assert lines[2] == "• 4. Questions for you: 0 responses."  # its form asks no role
    assert lines[3].startswith("• 2. How practice travels today: 1 response.")
    assert ROLE_OPTIONS[1] not in lines[3]
    assert f"Not yet heard from: {ROLE_OPTIONS[0]}, {ROLE_OPTIONS[2]}" in lines[3]
    assert "and 9 more roles" in lines[3]
    assert "Why a shared practice network" not in text


async def test_a_digest_counts_by_nature_and_role_as_of_when_it_fires(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    feedback: _Feedback,
) -> None:
    await feedback.give(1, role=ROLE_OPTIONS[0], nature=NATURE_OPTIONS[0], now=clock.now())
    await scheduling.schedule_prompt(
        kind="digest", targets=["#general"], sections=["1"], at="2026-01-06 09:00"
    )
    # Feedback that arrives after scheduling is counted: the text is rendered when it fires.
    await feedback.give(1, role=ROLE_OPTIONS[0], nature=NATURE_OPTIONS[2], now=clock.now())
    await feedback.give(1, role=ROLE_OPTIONS[3], nature=NATURE_OPTIONS[0], now=clock.now())
    clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    await _deliver(scheduler, sender)

    (text,) = _prompts(fake)
    assert text.splitlines() == [
        "What we have heard so far on 1. Why a shared practice network: "
        "3 feedback responses, 0 replies, 0 reactions.",
        f"By reflection: {NATURE_OPTIONS[0]} 2; {NATURE_OPTIONS[2]} 1",
        f"By role: {ROLE_OPTIONS[0]} 2; {ROLE_OPTIONS[3]} 1",
    ]


async def test_section_of_the_week_rotates_through_the_sections(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    example_paper: Paper,
) -> None:
    await scheduling.schedule_prompt(
        kind="section_of_week", targets=["#general"], recurrence="0 9 * * mon"
    )
    for week in range(5):
        clock.set(MONDAY_9 + timedelta(weeks=week))
        await _deliver(scheduler, sender)

    firsts = [text.splitlines()[0] for text in _prompts(fake)]
    titles = [s.title for s in example_paper.sections]
    assert firsts == [
        f"Section of the week: {n}. {title}"
        for n, title in [(1, titles[0]), (2, titles[1]), (3, titles[2]), (4, titles[3])]
    ] + [f"Section of the week: 1. {titles[0]}"]


async def test_targets_are_resolved_when_the_prompt_fires(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    store: SqlStore,
) -> None:
    await scheduling.schedule_prompt(
        kind="message", text="Hello, sector", targets=["sector:la"], at="2026-01-06 09:00"
    )
    async with store.transaction() as tx:
        analysts = await tx.find_channel(
            platform=Platform.WEB, workspace_id="local", external_id="analysts"
        )
        assert analysts is not None
        await tx.set_channel_tags(channel_id=analysts.id, tags=frozenset({"la", "cg"}))
    clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    await _deliver(scheduler, sender)
    assert sorted(m.channel for m in fake.sent) == ["analysts", "general"]


async def test_a_prompt_missed_within_the_grace_period_is_sent_late(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    prompt = await scheduling.schedule_prompt(
        kind="message", text="Late but welcome", targets=["#general"], at="2026-01-06 09:00"
    )
    clock.set(datetime(2026, 1, 6, 9, 59, tzinfo=UTC))
    await _deliver(scheduler, sender)

    assert _prompts(fake) == ["Late but welcome"]
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.id == prompt.id
    assert listed.state is PromptState.SENT


async def test_a_prompt_missed_beyond_the_grace_period_is_marked_missed_and_not_sent(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_prompt(
        kind="message", text="Too late", targets=["#general"], at="2026-01-06 09:00"
    )
    clock.set(datetime(2026, 1, 6, 10, 1, tzinfo=UTC))
    report = await scheduler.fire_due()
    await sender.drain()

    assert report.missed == 1
    assert fake.sent == []
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.state is PromptState.MISSED
    assert listed.missed_at == clock.now()


async def test_a_recurring_prompt_down_for_weeks_sends_the_latest_occurrence_once(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_prompt(
        kind="message", text="Weekly hello", targets=["#general"], recurrence="0 9 * * mon"
    )
    clock.set(MONDAY_9 + timedelta(weeks=3, minutes=20))
    await _deliver(scheduler, sender)

    assert _prompts(fake) == ["Weekly hello"]
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.state is PromptState.SCHEDULED
    assert listed.due_at == MONDAY_9 + timedelta(weeks=4)
    assert listed.missed_at is not None  # the weeks skipped over are reported


async def test_a_recurring_prompt_whose_last_occurrence_is_too_old_skips_to_the_next(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_prompt(
        kind="message", text="Weekly hello", targets=["#general"], recurrence="0 9 * * mon"
    )
    clock.set(MONDAY_9 + timedelta(days=2))
    report = await scheduler.fire_due()
    await sender.drain()

    assert (report.missed, fake.sent) == (1, [])
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.state is PromptState.SCHEDULED
    assert listed.due_at == MONDAY_9 + timedelta(weeks=1)


async def test_a_prompt_whose_channels_are_gone_fails_with_a_reason(
    scheduling: Scheduling,
    scheduler: PromptScheduler,
    engagement: Engagement,
    clock: ManualClock,
) -> None:
    await scheduling.schedule_prompt(
        kind="message", text="Anyone?", targets=["#analysts"], at="2026-01-06 09:00"
    )
    await engagement.deactivate_channel(
        platform=Platform.WEB, workspace_id="local", external_id="analysts"
    )
    clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    report = await scheduler.fire_due()

    assert report.failed == 1
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.state is PromptState.FAILED
    assert listed.last_error is not None
    assert "analysts" in listed.last_error


class _FailingOnce:
    """A store whose first outbox write fails, as a crash halfway through firing would."""

    def __init__(self, inner: SqlStore) -> None:
        self._inner = inner
        self.failures = 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreSession]:
        async with self._inner.transaction() as tx:
            yield cast(StoreSession, _Session(tx, self))

    async def ping(self) -> bool:
        return await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()


class _Session:
    def __init__(self, tx: StoreSession, owner: _FailingOnce) -> None:
        self._tx = tx
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    async def enqueue_prompt_posts(self, **kwargs: Any) -> Any:
        if self._owner.failures:
            self._owner.failures -= 1
            raise RuntimeError("the disk is full")
        return await self._tx.enqueue_prompt_posts(**kwargs)


async def test_a_firing_that_fails_halfway_leaves_the_prompt_to_fire_again_once(
    scheduling: Scheduling,
    sender: OutboxSender,
    fake: FakePlatform,
    clock: ManualClock,
    store: SqlStore,
    example_paper: Paper,
) -> None:
    await scheduling.schedule_prompt(
        kind="message",
        text="Exactly once",
        targets=["sector:la", "#analysts"],
        at="2026-01-06 09:00",
    )
    flaky: Store = _FailingOnce(store)
    scheduler = make_scheduler(flaky, clock, example_paper)
    clock.set(datetime(2026, 1, 6, 9, 0, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="disk is full"):
        await scheduler.fire_due()
    (listed,) = (await scheduling.agenda()).prompts
    assert listed.state is PromptState.SCHEDULED

    await _deliver(scheduler, sender)
    await _deliver(scheduler, sender)
    assert sorted(m.channel for m in fake.sent) == ["analysts", "general"]
