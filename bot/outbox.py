"""The outbox sender: drains one platform's outbox rows under its rate limits.

The outbox table is the truth. Rows are claimed with a lease; each channel gets one lane that
sends its rows in order, so a paper arrives in reading order, while lanes of different channels
run side by side. A row is never sent once its lease may have run out, so another replica that
reclaims it can never send it a second time; and once the platform has accepted a message, the
row is marked sent however long the database takes to answer (until the lease ends), so a
passing database error can never make the row be claimed and sent again. A post of several
messages notes each as it goes (`bot.delivery_progress`), so a retry after a crash carries on
after the messages already out instead of posting them again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import wait_any
from bot.delivery_progress import StoredProgress
from bot.domain import Channel, Delivery, Post, PostKind, Section
from bot.errors import PermanentDeliveryError, RateLimited, TransientDeliveryError
from bot.group_commit import GroupCommit, in_transaction
from bot.metrics import Metrics
from bot.ports import (
    ChatPlatform,
    Clock,
    DeliveryProgress,
    Store,
    StoreSession,
    read_transaction,
)
from bot.ratelimit import RateLimiter

log = logging.getLogger(__name__)

_LEASE_MARGIN = 0.2  # of the lease kept free, so a send never runs past the lease
_MARK_RETRY_FIRST = 0.05  # seconds before retrying to record a delivery, doubled each time
_MARK_RETRY_CAP = 5.0


@dataclass(kw_only=True)
class OutboxPolicy:
    """How hard the sender pushes and how patient it is."""

    lease_seconds: float = 120.0
    poll_seconds: float = 0.5
    batch_size: int = 200
    max_in_flight: int = 1000
    max_attempts: int = 8
    backoff_base: float = 1.0
    backoff_cap: float = 60.0


@dataclass(kw_only=True)
class _Claimed:
    post: Post
    lease_ends: datetime  # the last moment to start sending (the lease less a margin)
    lease_until: datetime  # when another sender may claim the row again


@dataclass(frozen=True, kw_only=True)
class _Sent:
    post_id: int
    message_ids: tuple[str, ...]


@dataclass(kw_only=True)
class _Lane:
    queue: asyncio.Queue[_Claimed] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None
    # The channel, read once when the lane starts: a lane lives only while its channel has
    # rows claimed, so a channel deactivated meanwhile stops at the next lane.
    channel: Channel | None = None
    channel_read: bool = False
    marks: set[asyncio.Task[None]] = field(default_factory=set)


class OutboxSender:
    """Delivers the outbox rows of one platform; run one per platform per process."""

    def __init__(
        self,
        *,
        platform: ChatPlatform,
        store: Store,
        clock: Clock,
        policy: OutboxPolicy,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._platform = platform
        self._store = store
        self._clock = clock
        self._policy = policy
        caps = platform.capabilities
        self._channel_limits = RateLimiter(clock=clock, windows=caps.per_channel_limits)
        # A platform counts "one message per interval" from when it received the last one, which
        # is after we sent it: for such limits the next send waits from the acknowledgement.
        self._channel_spacing = max(
            (w.seconds for w in caps.per_channel_limits if w.count == 1), default=0.0
        )
        self._workspace_limits = RateLimiter(clock=clock, windows=caps.per_workspace_limits)
        self._lanes: dict[int, _Lane] = {}
        self._in_flight = 0
        self._sections: dict[tuple[str, str, str], Section] = {}
        # Deliveries of all lanes recorded together: one transaction per batch, not per row.
        self._marks = GroupCommit(apply=in_transaction(store, self._record_sent))
        self._wake = asyncio.Event()

    @property
    def in_flight(self) -> int:
        """Rows claimed and not yet settled."""
        return self._in_flight

    def wake(self) -> None:
        """Look for new rows now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and deliver until `stop` is set; then let running lanes finish their row."""
        while not stop.is_set():
            try:
                claimed = await self.claim_once()
            except Exception:
                log.exception("claiming %s outbox rows failed; retrying", self._platform.platform)
                claimed = 0
            if claimed == 0:
                self._wake.clear()
                await wait_any(self._clock, self._policy.poll_seconds, stop, self._wake)
        await self.join()

    async def claim_once(self) -> int:
        """Claim what is due and hand it to the channels' lanes; returns how many rows."""
        room = self._policy.max_in_flight - self._in_flight
        if room <= 0:
            return 0
        now = self._clock.now()
        async with self._store.transaction() as tx:
            posts = await tx.claim_posts(
                platform=self._platform.platform,
                now=now,
                lease_seconds=self._policy.lease_seconds,
                limit=min(room, self._policy.batch_size),
            )
        usable = timedelta(seconds=self._policy.lease_seconds * (1 - _LEASE_MARGIN))
        lease = timedelta(seconds=self._policy.lease_seconds)
        channels = await self._prefetch(posts)
        for post in posts:
            self._in_flight += 1
            lane = self._lanes.get(post.channel_id)
            if lane is None:
                lane = self._lanes[post.channel_id] = _Lane()
                if post.channel_id in channels:
                    lane.channel, lane.channel_read = channels[post.channel_id], True
            claimed = _Claimed(post=post, lease_ends=now + usable, lease_until=now + lease)
            lane.queue.put_nowait(claimed)
            if lane.task is None or lane.task.done():
                lane.task = asyncio.create_task(self._drain_lane(post.channel_id, lane))
        return len(posts)

    async def _prefetch(self, posts: Sequence[Post]) -> dict[int, Channel]:
        """In one read: the platform's channels, for new lanes, and the sections the rows carry
        (so lanes starting together do not each read them). A lane whose channel is not here
        (the read failed, or the lane is new since) reads its own."""
        keys = {k for p in posts if (k := _section_key(p)) and k not in self._sections}
        if not posts or (not keys and {p.channel_id for p in posts} <= self._lanes.keys()):
            return {}
        try:
            async with read_transaction(self._store) as tx:
                listed = await tx.list_channels(platform=self._platform.platform, active_only=False)
                for paper_id, section_id, version in keys:
                    section = await tx.get_section(
                        paper_id=paper_id, section_id=section_id, version=version
                    )
                    if section is not None:
                        self._sections[(paper_id, section_id, version)] = section
        except Exception as error:
            log.warning("reading for claimed rows failed (%s); each lane reads its own", error)
            return {}
        return {channel.id: channel for channel in listed}

    async def join(self) -> None:
        """Wait until every lane has emptied."""
        while tasks := [
            lane.task for lane in self._lanes.values() if lane.task and not lane.task.done()
        ]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def drain(self) -> None:
        """Deliver everything due now, then return (for the CLI and tests)."""
        while await self.claim_once():
            await self.join()
        await self.join()

    async def _drain_lane(self, channel_id: int, lane: _Lane) -> None:
        while not lane.queue.empty() or lane.marks:
            if lane.queue.empty():
                # Sent rows still being recorded; a row claimed meanwhile is sent after.
                await asyncio.gather(*lane.marks, return_exceptions=True)
                continue
            claimed = lane.queue.get_nowait()
            settled = True
            try:
                delivery = await self._deliver(claimed, lane)
                if delivery is not None:
                    # Recorded in the background: the lane's next row need not wait for it.
                    mark = asyncio.create_task(self._mark_sent(claimed, delivery))
                    lane.marks.add(mark)
                    mark.add_done_callback(lane.marks.discard)
                    settled = False
            except Exception:
                log.exception(
                    "outbox row %s: unexpected error; it will be retried", claimed.post.id
                )
            finally:
                if settled:
                    self._in_flight -= 1
        if self._lanes.get(channel_id) is lane and lane.queue.empty():
            del self._lanes[channel_id]

    async def _deliver(self, claimed: _Claimed, lane: _Lane) -> Delivery | None:
        """Send a row; returns the delivery to record, or None when the row is settled
        otherwise (failed, or left for a retry)."""
        post = claimed.post
        if not lane.channel_read:
            async with read_transaction(self._store) as tx:
                lane.channel = await tx.get_channel(channel_id=post.channel_id)
            lane.channel_read = True
        channel = lane.channel
        if channel is None or not channel.active:
            await self._fail(post, "the channel is gone or the bot was removed from it")
            return None
        if post.attempts > self._policy.max_attempts:
            await self._fail(post, f"gave up after {post.attempts - 1} attempts: {post.last_error}")
            return None
        tries = 0
        # One progress for every try: a retry here carries on after the messages already out.
        progress = StoredProgress(store=self._store, post=post)
        # The platform's last "slow down": if it outlasts the lease, the row says so and is not
        # claimed again before the platform is willing.
        slowed: tuple[str, datetime] | None = None
        while True:
            await self._channel_limits.acquire(channel.id)
            await self._workspace_limits.acquire(channel.workspace_id)
            now = self._clock.now()
            if now >= claimed.lease_ends:
                # Another replica may take the row once the lease ends: leave it to the next claim.
                reason, retry_at = "lease ran out before sending", now
                if slowed is not None:
                    reason = f"{reason}; last asked to slow down: {slowed[0]}"
                    retry_at = max(now, slowed[1])
                await self._retry(post, reason, retry_at)
                return None
            try:
                delivery = await self._send(post, channel, progress)
            except RateLimited as limited:
                until = self._clock.now() + timedelta(seconds=max(limited.retry_after, 0.0))
                self._channel_limits.block(channel.id, until=until)
                slowed = (f"{limited} (Retry-After {limited.retry_after:g}s)", until)
                log.info("%s asked to slow down for %.1fs", channel.name, limited.retry_after)
                continue
            except TransientDeliveryError as error:
                tries += 1
                if tries >= self._policy.max_attempts:
                    await self._fail(post, f"{error} (after {tries} tries)")
                    return None
                delay = self._backoff(tries)
                if self._clock.now() + timedelta(seconds=delay) >= claimed.lease_ends:
                    retry_at = self._clock.now() + timedelta(seconds=delay)
                    await self._retry(post, str(error), retry_at)
                    return None
                log.warning("outbox row %s: %s; retrying in %.1fs", post.id, error, delay)
                await self._clock.sleep(delay)
                continue
            except PermanentDeliveryError as error:
                await self._fail(post, str(error))
                return None
            if self._channel_spacing:
                spaced = self._clock.now() + timedelta(seconds=self._channel_spacing)
                self._channel_limits.block(channel.id, until=spaced)
            return delivery

    async def _mark_sent(self, claimed: _Claimed, delivery: Delivery) -> None:
        """Record a delivery the platform accepted. Until this succeeds the row still looks
        claimed-but-unsent, and once its lease ends it would be claimed and sent again: so a
        failure is retried (on the clock, with backoff) until the lease is about to end."""
        try:
            await self._record_delivery(claimed, delivery)
        finally:
            self._in_flight -= 1

    async def _record_delivery(self, claimed: _Claimed, delivery: Delivery) -> None:
        post = claimed.post
        delay = _MARK_RETRY_FIRST
        while True:
            try:
                await self._marks.submit(
                    _Sent(post_id=post.id, message_ids=tuple(delivery.message_ids))
                )
            except Exception as error:
                if self._clock.now() + timedelta(seconds=delay) >= claimed.lease_until:
                    log.critical(
                        "outbox row %s was delivered as %s but recording that failed until its "
                        "lease ran out (%s): it may be sent again. Check the database and "
                        "remove the duplicate message by hand if it is.",
                        post.id,
                        ", ".join(delivery.message_ids),
                        error,
                    )
                    self._count("unrecorded")
                    return
                log.error(
                    "outbox row %s was delivered but recording that failed (%s); retrying in "
                    "%.2fs so it is not sent again",
                    post.id,
                    error,
                    delay,
                )
                await self._clock.sleep(delay)
                delay = min(delay * 2, _MARK_RETRY_CAP)
            else:
                self._count("sent")
                return

    async def _record_sent(self, tx: StoreSession, sent: list[_Sent]) -> list[None]:
        deliveries = {s.post_id: s.message_ids for s in sent}
        await tx.mark_posts_sent(deliveries=deliveries, now=self._clock.now())
        return [None] * len(sent)

    async def _send(self, post: Post, channel: Channel, progress: DeliveryProgress) -> Delivery:
        if post.kind is PostKind.PROMPT:
            return await self._platform.post_prompt(
                channel=channel, text=post.body or "", post=post, progress=progress
            )
        section = await self._section(post)
        if section is None:
            raise PermanentDeliveryError(
                f"section {post.section_id} version {post.section_version} is not stored"
            )
        return await self._platform.post_section(
            channel=channel, section=section, post=post, progress=progress
        )

    async def _section(self, post: Post) -> Section | None:
        key = _section_key(post)
        if key is None:
            return None
        if key not in self._sections:
            async with read_transaction(self._store) as tx:
                section = await tx.get_section(paper_id=key[0], section_id=key[1], version=key[2])
            if section is None:
                return None
            self._sections[key] = section
        return self._sections[key]

    def _backoff(self, tries: int) -> float:
        ceiling = min(self._policy.backoff_cap, self._policy.backoff_base * 2.0 ** (tries - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _count(self, result: str) -> None:
        self._metrics.deliveries.labels(self._platform.platform, result).inc()

    async def _retry(self, post: Post, error: str, retry_at: datetime) -> None:
        self._count("retry")
        async with self._store.transaction() as tx:
            await tx.mark_post_retry(
                post_id=post.id, error=error, retry_at=retry_at, now=self._clock.now()
            )

    async def _fail(self, post: Post, error: str) -> None:
        log.error("outbox row %s failed for good: %s", post.id, error)
        self._count("failed")
        async with self._store.transaction() as tx:
            await tx.mark_post_failed(post_id=post.id, error=error, now=self._clock.now())


def _section_key(post: Post) -> tuple[str, str, str] | None:
    if post.paper_id is None or post.section_id is None or post.section_version is None:
        return None
    return (post.paper_id, post.section_id, post.section_version)
