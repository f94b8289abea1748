"""Scheduler: 10,000 prompts due within one minute, on real time, with SQLite.

- engage: the prompts are stored, then `PromptScheduler.run()` and an `OutboxSender.run()` (as
  `engage serve` runs them) fire and deliver them to a recording platform with no rate limit.
  Lateness is the platform call's time minus the prompt's due time.
- baseline 1: APScheduler 3's AsyncIOScheduler firing the same 10,000 due times as no-op
  in-memory jobs (no database, no outbox): how late a plain in-process scheduler is.
- baseline 2: the same number of outbox rows, enqueued at once and drained by the sender
  without the scheduler: the delivery throughput the scheduler has to feed.

    .venv/bin/python -m bench.scheduler [--prompts 10000] [--window 60] [--channels 10]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import SystemClock
from bot.config import EXAMPLE_PAPER
from bot.domain import Channel, Delivery, Platform, Post, PostKind, Section
from bot.engagement import Engagement
from bot.firing import FirePolicy
from bot.outbox import OutboxPolicy, OutboxSender
from bot.paper import load_paper
from bot.ports import Capabilities, DeliveryProgress, NewPost
from bot.scheduler import PromptScheduler, SchedulerPolicy
from bot.scheduling_types import NewPrompt, PromptKind
from storage.migrate import upgrade
from storage.store import SqlStore

STALL = 20.0  # seconds without a delivery, once all prompts fired, before giving up
LEAD = 45.0  # seconds from the start of storing the prompts to the first one falling due


@dataclass(kw_only=True)
class Recorder:
    """A platform that accepts everything at once and notes when each prompt arrived."""

    expected: int
    arrived: dict[int, float] = field(default_factory=dict)
    calls: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def platform(self) -> Platform:
        return Platform.WEB

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_message_bytes=40_000)

    def _accept(self, post: Post) -> Delivery:
        self.calls += 1
        self.arrived[post.id] = time.time()
        if len(self.arrived) >= self.expected:
            self.done.set()
        return Delivery(message_ids=(f"m{post.id}",))

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return self._accept(post)

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return self._accept(post)

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        return None


def _figures(name: str, lateness: list[float], span: float, count: int) -> None:
    cuts = statistics.quantiles(lateness, n=100) if len(lateness) > 1 else lateness * 99
    print(
        f"{name:<38} n={count:>6}  lateness p50={cuts[49] * 1000:8.1f} ms  "
        f"p99={cuts[98] * 1000:8.1f} ms  max={max(lateness) * 1000:8.1f} ms  "
        f"{count / span:8.0f}/s"
    )


async def _database(folder: Path, channels: int) -> tuple[SqlStore, list[Channel]]:
    url = f"sqlite+aiosqlite:///{folder / 'engage.db'}"
    upgrade(url)
    store = SqlStore.open(url)
    engagement = Engagement(store=store, clock=SystemClock())
    await engagement.load_paper(load_paper(EXAMPLE_PAPER))
    made = [
        await engagement.register_channel(
            platform=Platform.WEB, workspace_id="local", external_id=f"c{n}", name=f"c{n}"
        )
        for n in range(channels)
    ]
    return store, made


async def engage_run(
    folder: Path, *, prompts: int, window: float, channels: int, deliver: bool
) -> None:
    store, _ = await _database(folder, channels)
    paper = load_paper(EXAMPLE_PAPER)
    clock = SystemClock()
    start = clock.now() + timedelta(seconds=LEAD)
    due: dict[int, datetime] = {}
    async with store.transaction() as tx:
        for n in range(prompts):
            prompt = await tx.add_prompt(
                new=NewPrompt(
                    kind=PromptKind.MESSAGE,
                    due_at=start + timedelta(seconds=window * n / prompts),
                    timezone="Europe/London",
                    targets=(f"web/c{n % channels}",),
                    text=f"prompt {n}",
                ),
                now=clock.now(),
            )
            due[prompt.id] = prompt.due_at
    if clock.now() >= start:
        print(f"warning: storing the prompts took longer than the {LEAD}s lead")
    recorder = Recorder(expected=prompts)
    sender = OutboxSender(platform=recorder, store=store, clock=clock, policy=OutboxPolicy())

    def enqueued(_platforms: frozenset[Platform]) -> None:
        sender.wake()

    scheduler = PromptScheduler(
        store=store,
        clock=clock,
        paper=lambda: paper,
        policy=SchedulerPolicy(fire=FirePolicy(grace_seconds=3600)),
        on_enqueued=enqueued,
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(scheduler.run(stop))]
    if deliver:
        tasks.append(asyncio.create_task(sender.run(stop)))
    try:
        while True:
            await asyncio.sleep(0.5)
            async with store.transaction() as tx:  # a cheap look: is anything still scheduled?
                pending = await tx.next_prompt_due()
            if pending is None and (not deliver or recorder.done.is_set()):
                break
            quiet = time.time() - max(recorder.arrived.values(), default=time.time())
            if pending is None and quiet > STALL:
                print(f"  delivery stalled for {STALL:.0f}s: the rest counts as not delivered")
                break
            if time.time() > start.timestamp() + window + 600:
                print("gave up waiting")
                break
    finally:
        stop.set()
        scheduler.wake()
        sender.wake()
        await asyncio.gather(*tasks)
    async with store.transaction() as tx:
        posts = await tx.list_posts(kind=PostKind.PROMPT)
    await store.close()
    firing = [
        p.created_at.timestamp() - due[p.prompt_id].timestamp()
        for p in posts
        if p.prompt_id is not None and p.created_at is not None
    ]
    last_fired = max(p.created_at.timestamp() for p in posts if p.created_at is not None)
    label = "with sender" if deliver else "alone"
    _figures(
        f"engage firing into outbox ({label})", firing, last_fired - start.timestamp(), len(firing)
    )
    if deliver:
        arrived = [
            recorder.arrived[p.id] - due[p.prompt_id].timestamp()
            for p in posts
            if p.prompt_id is not None and p.id in recorder.arrived
        ]
        span = max(recorder.arrived.values()) - start.timestamp()
        _figures("engage delivered (scheduler+outbox)", arrived, span, len(arrived))
        print(
            f"  (platform calls {recorder.calls}, distinct posts {len(recorder.arrived)}, "
            f"not delivered {prompts - len(recorder.arrived)})"
        )


async def apscheduler_run(*, prompts: int, window: float) -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    lateness: list[float] = []
    done = asyncio.Event()

    async def job(due: float) -> None:
        lateness.append(time.time() - due)
        if len(lateness) >= prompts:
            done.set()

    start = datetime.now(UTC) + timedelta(seconds=5)  # adding in-memory jobs is quick
    for n in range(prompts):
        when = start + timedelta(seconds=window * n / prompts)
        scheduler.add_job(
            job, DateTrigger(run_date=when), args=[when.timestamp()], misfire_grace_time=3600
        )
    scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), timeout=window + 120)
    finally:
        scheduler.shutdown(wait=False)
    span = time.time() - start.timestamp()
    _figures("baseline: APScheduler no-op jobs", lateness, span, len(lateness))


async def outbox_run(folder: Path, *, prompts: int, channels: int) -> None:
    store, made = await _database(folder, channels)
    clock = SystemClock()
    async with store.transaction() as tx:
        for n in range(prompts):
            await tx.enqueue_post(
                new=NewPost(
                    kind=PostKind.PROMPT,
                    channel_id=made[n % channels].id,
                    body=f"row {n}",
                    idempotency_key=f"bench:{n}",
                ),
                now=clock.now(),
            )
    recorder = Recorder(expected=prompts)
    sender = OutboxSender(platform=recorder, store=store, clock=clock, policy=OutboxPolicy())
    began = time.time()
    await sender.drain()
    took = time.time() - began
    await store.close()
    print(
        f"{'baseline: outbox drain, no scheduler':<38} n={len(recorder.arrived):>6}  "
        f"drained in {took:6.1f} s  {len(recorder.arrived) / took:8.0f}/s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--channels", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(
        f"{args.prompts} prompts due within {args.window:.0f}s over {args.channels} channels; "
        "real time, SQLite (WAL) in a temporary folder"
    )
    with (
        tempfile.TemporaryDirectory() as one,
        tempfile.TemporaryDirectory() as two,
        tempfile.TemporaryDirectory() as three,
    ):
        await engage_run(
            Path(one),
            prompts=args.prompts,
            window=args.window,
            channels=args.channels,
            deliver=False,
        )
        await engage_run(
            Path(three),
            prompts=args.prompts,
            window=args.window,
            channels=args.channels,
            deliver=True,
        )
        await apscheduler_run(prompts=args.prompts, window=args.window)
        await outbox_run(Path(two), prompts=args.prompts, channels=args.channels)


if __name__ == "__main__":
    asyncio.run(main())
