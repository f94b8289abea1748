"""The outbox sender: drains one platform's outbox rows under its rate limits.

The outbox table is the truth. Rows are claimed with a lease; each channel gets one lane that
sends its rows in order, so a paper arrives in reading order, while lanes of different channels
run side by side. A row is never sent once its lease may have run out, so another replica that
reclaims it can never send it a second time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain import Channel, Delivery, Post, PostKind, Section
from bot.errors import PermanentDeliveryError, RateLimited, TransientDeliveryError
from bot.metrics import Metrics
from bot.ports import ChatPlatform, Clock, Store
from bot.ratelimit import RateLimiter

log = logging.getLogger(__name__)

_LEASE_MARGIN = 0.2  # of the lease kept free, so a send never runs past the lease


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
    lease_ends: datetime


@dataclass(kw_only=True)
class _Lane:
    queue: asyncio.Queue[_Claimed] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


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
        self._workspace_limits = RateLimiter(clock=clock, windows=caps.per_workspace_limits)
        self._lanes: dict[int, _Lane] = {}
        self._in_flight = 0
        self._sections: dict[tuple[str, str, str], Section] = {}
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
                await _wait_any(self._clock, self._policy.poll_seconds, stop, self._wake)
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
        for post in posts:
            self._in_flight += 1
            lane = self._lanes.get(post.channel_id)
            if lane is None:
                lane = self._lanes[post.channel_id] = _Lane()
            lane.queue.put_nowait(_Claimed(post=post, lease_ends=now + usable))
            if lane.task is None or lane.task.done():
                lane.task = asyncio.create_task(self._drain_lane(post.channel_id, lane))
        return len(posts)

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
        while not lane.queue.empty():
            claimed = lane.queue.get_nowait()
            try:
                await self._deliver(claimed)
            except Exception:
                log.exception(
                    "outbox row %s: unexpected error; it will be retried", claimed.post.id
                )
            finally:
                self._in_flight -= 1
        if self._lanes.get(channel_id) is lane and lane.queue.empty():
            del self._lanes[channel_id]

    async def _deliver(self, claimed: _Claimed) -> None:
        post = claimed.post
        async with self._store.transaction() as tx:
            channel = await tx.get_channel(channel_id=post.channel_id)
        if channel is None or not channel.active:
            await self._fail(post, "the channel is gone or the bot was removed from it")
            return
        if post.attempts > self._policy.max_attempts:
            await self._fail(post, f"gave up after {post.attempts - 1} attempts: {post.last_error}")
            return
        tries = 0
        while True:
            await self._channel_limits.acquire(channel.id)
            await self._workspace_limits.acquire(channel.workspace_id)
            if self._clock.now() >= claimed.lease_ends:
                # Another replica may take the row once the lease ends: leave it to the next claim.
                await self._retry(post, "lease ran out before sending", self._clock.now())
                return
            try:
                delivery = await self._send(post, channel)
            except RateLimited as limited:
                until = self._clock.now() + timedelta(seconds=max(limited.retry_after, 0.0))
                self._channel_limits.block(channel.id, until=until)
                log.info("%s asked to slow down for %.1fs", channel.name, limited.retry_after)
                continue
            except TransientDeliveryError as error:
                tries += 1
                if tries >= self._policy.max_attempts:
                    await self._fail(post, f"{error} (after {tries} tries)")
                    return
                delay = self._backoff(tries)
                if self._clock.now() + timedelta(seconds=delay) >= claimed.lease_ends:
                    retry_at = self._clock.now() + timedelta(seconds=delay)
                    await self._retry(post, str(error), retry_at)
                    return
                log.warning("outbox row %s: %s; retrying in %.1fs", post.id, error, delay)
                await self._clock.sleep(delay)
                continue
            except PermanentDeliveryError as error:
                await self._fail(post, str(error))
                return
            async with self._store.transaction() as tx:
                await tx.mark_post_sent(
                    post_id=post.id, message_ids=delivery.message_ids, now=self._clock.now()
                )
            self._count("sent")
            return

    async def _send(self, post: Post, channel: Channel) -> Delivery:
        if post.kind is PostKind.PROMPT:
            return await self._platform.post_prompt(
                channel=channel, text=post.body or "", post=post
            )
        section = await self._section(post)
        if section is None:
            raise PermanentDeliveryError(
                f"section {post.section_id} version {post.section_version} is not stored"
            )
        return await self._platform.post_section(channel=channel, section=section, post=post)

    async def _section(self, post: Post) -> Section | None:
        if post.paper_id is None or post.section_id is None or post.section_version is None:
            return None
        key = (post.paper_id, post.section_id, post.section_version)
        if key not in self._sections:
            async with self._store.transaction() as tx:
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


async def _wait_any(clock: Clock, seconds: float, *events: asyncio.Event) -> None:
    """Sleep on the clock, returning early when any event is set."""
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait([sleeper, *waiters], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, *waiters):
            task.cancel()
