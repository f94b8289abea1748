from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy.exc import OperationalError

from bot.clock import ManualClock
from bot.domain import Paper, Platform, PostState
from bot.engagement import Engagement
from bot.errors import PermanentDeliveryError, RateLimited, TransientDeliveryError
from bot.metrics import Metrics
from bot.outbox import OutboxPolicy, OutboxSender
from bot.ports import StoreSession
from storage.session import SqlStoreSession
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform


async def _channels(engagement: Engagement, *names: str) -> None:
    for name in names:
        await engagement.register_channel(
            platform=Platform.WEB, workspace_id="local", external_id=name, name=name
        )


def _sender(
    store: SqlStore, clock: ManualClock, fake: FakePlatform, policy: OutboxPolicy | None = None
) -> OutboxSender:
    return OutboxSender(platform=fake, store=store, clock=clock, policy=policy or OutboxPolicy())


async def test_sections_arrive_in_paper_order_once_per_channel(
    engagement: Engagement, store: SqlStore, clock: ManualClock, example_paper: Paper
) -> None:
    await _channels(engagement, "general", "analysts")
    await engagement.publish(sections=["all"], target="*")
    fake = FakePlatform(clock=clock)
    await _sender(store, clock, fake).drain()

    titles = [s.title for s in example_paper.sections]
    for channel in ("general", "analysts"):
        assert [m.text for m in fake.sent if m.channel == channel] == titles
    async with store.transaction() as tx:
        posts = await tx.list_posts()
    assert {p.state for p in posts} == {PostState.SENT}
    assert all(p.message_ids for p in posts)


async def test_one_message_per_second_per_channel_is_kept(
    engagement: Engagement, store: SqlStore, clock: ManualClock, example_paper: Paper
) -> None:
    await _channels(engagement, "general", "analysts")
    await engagement.publish(sections=["all"], target="*")
    fake = FakePlatform(clock=clock)
    await _sender(store, clock, fake).drain()

    for channel in ("general", "analysts"):
        times = [m.at for m in fake.sent if m.channel == channel]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert gaps
        assert min(gaps) >= 1.0


async def test_publishing_twice_posts_once(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    first = await engagement.publish(sections=["1"], target="#general")
    second = await engagement.publish(sections=["1"], target="#general")
    fake = FakePlatform(clock=clock)
    await _sender(store, clock, fake).drain()

    assert len(first.enqueued) == 1
    assert (len(second.enqueued), len(second.already)) == (0, 1)
    assert len(fake.sent) == 1


async def test_retry_after_is_honoured_and_the_row_is_sent_once(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.append(RateLimited("slow down", retry_after=30))
    started = clock.now()
    await _sender(store, clock, fake).drain()

    assert fake.calls == 2
    assert len(fake.sent) == 1
    assert fake.sent[0].at - started >= timedelta(seconds=30)


async def test_a_retry_after_beyond_the_lease_is_kept_on_the_row(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.append(RateLimited("ratelimited", retry_after=600))
    sender = _sender(store, clock, fake, OutboxPolicy(lease_seconds=120))
    started = clock.now()
    await sender.claim_once()
    await sender.join()

    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert (post.state, fake.calls, fake.sent) == (PostState.PENDING, 1, [])
    assert post.last_error is not None
    assert "ratelimited (Retry-After 600s)" in post.last_error
    # Not claimed again (here or by another replica) before the platform is willing.
    assert post.next_attempt_at is not None
    assert post.next_attempt_at >= started + timedelta(seconds=600)


async def test_transient_errors_are_retried_with_backoff(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.extend([TransientDeliveryError("502"), TransientDeliveryError("503")])
    await _sender(store, clock, fake).drain()

    assert fake.calls == 3
    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.SENT


async def test_a_permanent_error_is_kept_on_the_row_and_not_retried(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1", "2"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.append(PermanentDeliveryError("channel_not_found"))
    await _sender(store, clock, fake).drain()

    async with store.transaction() as tx:
        first, second = await tx.list_posts()
    assert first.state is PostState.FAILED
    assert first.last_error is not None
    assert "channel_not_found" in first.last_error
    assert second.state is PostState.SENT
    assert fake.calls == 2


async def test_giving_up_after_max_attempts_marks_the_row_failed(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.extend(TransientDeliveryError("500") for _ in range(10))
    await _sender(store, clock, fake, OutboxPolicy(max_attempts=3)).drain()

    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.FAILED
    assert fake.calls == 3


async def test_a_crashed_claim_is_delivered_once_after_its_lease(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    # A replica claims the row and dies before sending anything.
    async with store.transaction() as tx:
        claimed = await tx.claim_posts(
            platform=Platform.WEB, now=clock.now(), lease_seconds=60, limit=10
        )
    assert len(claimed) == 1

    fake = FakePlatform(clock=clock)
    survivor = _sender(store, clock, fake, OutboxPolicy(lease_seconds=60))
    await survivor.drain()
    assert fake.sent == []  # still leased to the dead replica

    clock.advance(61)
    await survivor.drain()
    await survivor.drain()
    assert len(fake.sent) == 1


async def test_two_senders_on_one_store_never_send_a_row_twice(
    engagement: Engagement, store: SqlStore, clock: ManualClock, example_paper: Paper
) -> None:
    names = [f"c{i}" for i in range(6)]
    await _channels(engagement, *names)
    await engagement.publish(sections=["all"], target="*")
    fake = FakePlatform(clock=clock)
    policy = OutboxPolicy(batch_size=3)
    one, two = _sender(store, clock, fake, policy), _sender(store, clock, fake, policy)
    while await one.claim_once() + await two.claim_once():
        await one.join()
        await two.join()

    keys = [(m.channel, m.post_id) for m in fake.sent]
    assert len(keys) == len(set(keys)) == len(names) * len(example_paper.sections)


async def test_an_inactive_channel_fails_its_rows(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    await engagement.deactivate_channel(
        platform=Platform.WEB, workspace_id="local", external_id="general"
    )
    fake = FakePlatform(clock=clock)
    await _sender(store, clock, fake).drain()

    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.FAILED
    assert fake.sent == []


async def test_deliveries_are_counted_in_the_metrics(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1", "2"], target="#general")
    fake = FakePlatform(clock=clock)
    fake.failures.append(PermanentDeliveryError("is_archived"))
    metrics = Metrics()
    sender = OutboxSender(
        platform=fake, store=store, clock=clock, policy=OutboxPolicy(), metrics=metrics
    )
    await sender.drain()

    text = metrics.render().decode()
    assert 'engage_outbox_deliveries_total{platform="web",result="sent"} 1.0' in text
    assert 'engage_outbox_deliveries_total{platform="web",result="failed"} 1.0' in text


class _MarkingFails:
    """The real store, except that recording a delivery fails `failures` times (a lock
    timeout or a dropped connection after the platform accepted the message)."""

    def __init__(self, inner: SqlStore, *, failures: int) -> None:
        self.inner = inner
        self.failures = failures
        self.attempts = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreSession]:
        async with self.inner.transaction() as tx:
            yield cast(StoreSession, _Session(tx, self))

    def reading(self) -> AbstractAsyncContextManager[StoreSession]:
        return self.inner.reading()

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


class _Session:
    def __init__(self, tx: StoreSession, owner: _MarkingFails) -> None:
        self._tx = tx
        self._owner = owner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    async def mark_posts_sent(self, **kwargs: Any) -> None:
        self._owner.attempts += 1
        if self._owner.failures:
            self._owner.failures -= 1
            raise OperationalError("UPDATE posts", {}, Exception("database is locked"))
        await self._tx.mark_posts_sent(**kwargs)


async def test_a_delivery_is_recorded_even_if_recording_it_fails_at_first(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    flaky = _MarkingFails(store, failures=2)
    fake = FakePlatform(clock=clock)
    sender = OutboxSender(platform=fake, store=flaky, clock=clock, policy=OutboxPolicy())
    await sender.drain()
    clock.advance(OutboxPolicy().lease_seconds + 1)  # a claim now would take an unsent row
    await sender.drain()

    assert flaky.attempts == 3
    assert len(fake.sent) == 1
    async with store.reading() as tx:
        (post,) = await tx.list_posts()
    assert post.state is PostState.SENT
    assert post.root_message_id == fake.sent[0].message_id


async def test_recording_that_fails_until_the_lease_ends_is_reported_loudly(
    engagement: Engagement,
    store: SqlStore,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    broken = _MarkingFails(store, failures=1_000)
    fake = FakePlatform(clock=clock)
    policy = OutboxPolicy(lease_seconds=60)
    metrics = Metrics()
    sender = OutboxSender(platform=fake, store=broken, clock=clock, policy=policy, metrics=metrics)
    started = clock.now()
    with caplog.at_level(logging.CRITICAL, logger="bot.outbox"):
        await sender.drain()

    assert len(fake.sent) == 1
    assert 1 < broken.attempts < 1_000  # retried with backoff, and gave up
    assert clock.now() - started <= timedelta(seconds=60)
    assert any("may be sent again" in r.getMessage() for r in caplog.records)
    assert 'result="unrecorded"} 1.0' in metrics.render().decode()


class _SlowReads:
    """The real store; while `before_read` is set, each read-only transaction first awaits it
    (a slow read during which other tasks run)."""

    def __init__(self, inner: SqlStore) -> None:
        self.inner = inner
        self.before_read: Callable[[], Awaitable[None]] | None = None

    def transaction(self) -> AbstractAsyncContextManager[StoreSession]:
        return self.inner.transaction()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[StoreSession]:
        if self.before_read is not None:
            await self.before_read()
        async with self.inner.reading() as tx:
            yield tx

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


async def test_a_row_claimed_while_its_channels_lane_is_ending_is_still_sent(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1", "2"], target="#general")
    slow = _SlowReads(store)
    fake = FakePlatform(clock=clock)
    policy = OutboxPolicy(batch_size=1)
    sender = OutboxSender(platform=fake, store=slow, clock=clock, policy=policy)
    assert await sender.claim_once() == 1  # the lane of #general starts with section 1
    # The next claim takes section 2 and reads; meanwhile the lane sends section 1, has
    # nothing left and goes away, so section 2 needs a new lane.
    slow.before_read = sender.join
    assert await sender.claim_once() == 1
    slow.before_read = None
    await sender.drain()

    async with store.reading() as tx:
        posts = await tx.list_posts()
    assert [p.state for p in posts] == [PostState.SENT, PostState.SENT]
    assert len(fake.sent) == 2


async def test_a_retry_by_another_sender_carries_on_after_the_messages_already_out(
    engagement: Engagement, store: SqlStore, clock: ManualClock
) -> None:
    # The root went out, then the connection broke; the row is retried later, here by a new
    # sender with a new platform client, as after a restart or by another replica.
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")
    first = FakePlatform(clock=clock)
    first.failures_after_root.append(TransientDeliveryError("connection reset"))
    slow_retry = OutboxPolicy(backoff_base=600.0, backoff_cap=600.0)
    await _sender(store, clock, first, slow_retry).drain()
    async with store.transaction() as tx:
        (half,) = await tx.list_posts()
    assert (half.state, half.message_ids) == (PostState.PENDING, ("m1",))
    assert first.continued == []
    # Already ours: a reaction on the root counts while the rest waits.
    async with store.transaction() as tx:
        found = await tx.find_post_by_message(
            platform=Platform.WEB, workspace_id="local", channel_external_id="general",
            message_id="m1",
        )  # fmt: skip
    assert found is not None
    assert found.id == half.id

    clock.advance(3600)
    second = FakePlatform(clock=clock)
    await _sender(store, clock, second).drain()
    assert second.sent == []  # the root is not posted again
    assert second.continued == ["m1-cont"]
    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert (post.state, post.message_ids) == (PostState.SENT, ("m1", "m1-cont"))


async def test_a_delivery_note_that_fails_is_logged_and_the_delivery_still_recorded(
    engagement: Engagement,
    store: SqlStore,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _channels(engagement, "general")
    await engagement.publish(sections=["1"], target="#general")

    async def broken(self: StoreSession, **_: Any) -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(SqlStoreSession, "add_post_message", broken)
    fake = FakePlatform(clock=clock)
    with caplog.at_level(logging.WARNING, logger="bot.delivery_progress"):
        await _sender(store, clock, fake).drain()
    assert "was delivered but could not be noted yet" in caplog.text
    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    assert (post.state, post.message_ids) == (PostState.SENT, ("m1", "m1-cont"))
    assert len(fake.sent) == 1
