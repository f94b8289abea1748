"""Fan-out: a 5-section paper to 200 Slack channels.

The fake Slack Web API allows one message per second per channel and answers 5% of
chat.postMessage calls with 429 (Retry-After: 1). Two runs, each against a fresh fake:

- baseline: SlackPlatform.post_section called directly, one task per channel, sleeping on each
  429 for its Retry-After (no database, no outbox) — what the adapter and the fake allow;
- engage: `engage publish` + the Slack OutboxSender (`run()`, as `engage serve` runs it), on a
  SQLite file and on a fresh PostgreSQL database.

Each run is timed from the sender's start to the last row recorded and compared with the fastest
completion a sender that honours Retry-After could reach against the same fake, worked out
from the fake's records: per channel, (sections - 1) x 1 s between its accepted messages, plus
the Retry-After of every 429 the fake injected on it (a call that arrived while the channel was
free: no sender could have avoided it); a 429 for a call that came too early is the sender's
own doing and adds nothing. The bound is the slowest channel's (it leaves out network time,
so 1.0 cannot be reached). The bound of the rate limit alone, (sections - 1) s, is printed
too. Duplicates and losses are counted from the fake's records and the outbox rows.

    .venv/bin/python -m bench.slack_fanout [--channels 200] [--sections 5] [--fault-rate 0.05]
        [--rounds 1]   # with N > 1, also the median ratio of each over the N rounds
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from adapters.slack.mount import SLACK
from bench.slack_common import (
    DEFAULT_POSTGRES,
    TEAM,
    RemoteFake,
    fake_process,
    fresh_postgres,
    settings,
    write_paper,
)
from bot.app import SERVICES, build_app, prepare
from bot.delivery_progress import MemoryProgress
from bot.domain import Channel, Platform, Post, PostKind, PostState
from bot.errors import RateLimited
from bot.ports import read_transaction
from bot.services import Services
from storage.engine import SQLITE_BEGIN_OPTION, create_engine, dispose_engine


@dataclass(frozen=True, kw_only=True)
class Shape:
    channels: int
    sections: int
    fault_rate: float


@asynccontextmanager
async def engage(
    shape: Shape, *, database_url: str, folder: Path
) -> AsyncIterator[tuple[Services, RemoteFake]]:
    """engage with Slack on `database_url` and `shape.channels` registered channels, talking
    to a fresh fake Slack in another process."""
    async with fake_process(
        post_interval=1.0, fault_rate=shape.fault_rate, retry_after=1.0
    ) as fake:
        paper = write_paper(folder / "paper", sections=shape.sections)
        app = build_app(
            settings(database_url, api_url=fake.base_url, paper=paper), run_senders=False
        )
        services = app[SERVICES]
        try:
            await prepare(services, migrate=True)
            ids = [(f"C{n:07d}", f"channel-{n}") for n in range(shape.channels)]
            await fake.add_channels(ids)
            for channel_id, name in ids:
                await services.engagement.register_channel(
                    platform=Platform.SLACK, workspace_id=TEAM, external_id=channel_id, name=name
                )
            yield services, fake
        finally:
            await app[SLACK].close()
            await services.store.close()


async def baseline(shape: Shape, folder: Path) -> float:
    """The adapter alone: no outbox, no database writes while posting."""
    url = f"sqlite+aiosqlite:///{folder / 'baseline.db'}"
    async with engage(shape, database_url=url, folder=folder) as (services, fake):
        platform = services.platforms[Platform.SLACK]
        async with services.store.transaction() as tx:
            channels = list(await tx.list_channels(platform=Platform.SLACK))
        sections = services.engagement.paper.sections
        started = time.monotonic()

        async def lane(channel: Channel) -> None:
            for section in sections:
                post = Post(
                    id=channel.id * 100 + section.ordinal,
                    kind=PostKind.SECTION,
                    channel_id=channel.id,
                    idempotency_key=f"{channel.id}:{section.id}",
                    state=PostState.SENDING,
                    created_at=datetime.now(UTC),
                )
                progress = MemoryProgress()
                while True:
                    try:
                        await platform.post_section(
                            channel=channel, section=section, post=post, progress=progress
                        )
                        break
                    except RateLimited as limited:
                        await asyncio.sleep(limited.retry_after)

        await asyncio.gather(*(lane(c) for c in channels))
        elapsed = time.monotonic() - started
        return report(
            await fake.records(), fake, elapsed=elapsed, sections=shape.sections, posts=None
        )


async def outbox(shape: Shape, *, database_url: str, folder: Path) -> float:
    """engage's own path: publish, then the OutboxSender delivers."""
    async with engage(shape, database_url=database_url, folder=folder) as (services, fake):
        result = await services.engagement.publish(
            sections=["all"], target="*", platform=Platform.SLACK
        )
        rows = len(result.enqueued)
        stop = asyncio.Event()
        started = time.monotonic()
        sender = asyncio.create_task(services.senders[Platform.SLACK].run(stop))
        posts = await _settled(services, rows, database_url)
        elapsed = time.monotonic() - started
        stop.set()
        await sender
        return report(
            await fake.records(), fake, elapsed=elapsed, sections=shape.sections, posts=posts
        )


async def _settled(services: Services, rows: int, database_url: str) -> list[Post]:
    """Every row, once each is sent or failed. Polled every 20 ms with one `count(*)` on a
    connection of its own (loading the 1000 rows each time would take the sender's CPU)."""
    engine = create_engine(database_url)
    done = text("SELECT count(*) FROM posts WHERE state IN ('sent', 'failed')")
    try:
        async with engine.connect() as conn:
            await conn.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
            while (await conn.execute(done)).scalar_one() < rows:
                await conn.commit()  # a fresh snapshot for the next look
                await asyncio.sleep(0.02)
    finally:
        await dispose_engine(engine)
    async with read_transaction(services.store) as tx:
        return list(await tx.list_posts())


def report(
    records: dict[str, list[dict[str, Any]]],
    fake: RemoteFake,
    *,
    elapsed: float,
    sections: int,
    posts: list[Post] | None,
) -> float:
    """Print the figures of one run; returns its ratio to the bound."""
    messages = records["messages"]
    duplicates = sum(n - 1 for n in Counter((m["channel"], m["text"]) for m in messages).values())
    calls = [c for c in records["calls"] if c["method"] == "chat.postMessage"]
    injected, early = _classify_429s(calls, interval=fake.post_interval)
    line = f"messages {len(messages)}  calls {len(calls)}  "
    line += f"429s {sum(injected.values()) + early} (injected {sum(injected.values())}, "
    line += f"too early {early})  duplicates {duplicates}"
    if posts is not None:
        unsent = sum(1 for p in posts if p.state is not PostState.SENT)
        recorded = {i for p in posts for i in p.message_ids}
        lost = unsent + len({m["ts"] for m in messages} ^ recorded)
        line += f"  rows {len(posts)}  losses {lost}"
    print(line)
    naive = (sections - 1) * fake.post_interval
    worst = max(injected.values(), default=0)
    bound = naive + worst * fake.retry_after
    print(f"completion {elapsed:.2f} s")
    print(
        f"  vs bound {bound:.2f} s = {sections - 1} x {fake.post_interval:g} s between messages"
        f" + {worst} injected 429 x Retry-After {fake.retry_after:g} s on the worst channel: "
        f"ratio {elapsed / bound:.2f} (target <= 1.2)"
    )
    print(
        f"  (rate limit alone, as if no 429 were injected: {naive:.2f} s, "
        f"ratio {elapsed / naive:.2f})"
    )
    return elapsed / bound


def _classify_429s(calls: list[dict[str, Any]], *, interval: float) -> tuple[Counter[str], int]:
    """Per channel, the 429s the fake injected; and how many 429s answered calls that came
    less than `interval` after the channel's last accepted message (the sender's doing)."""
    injected: Counter[str] = Counter()
    early = 0
    last: dict[str, float] = {}
    for call in sorted(calls, key=lambda c: float(c["at"])):
        channel, at = str(call["channel"]), float(call["at"])
        if call["status"] == 429:
            if channel in last and at - last[channel] < interval:
                early += 1
            else:
                injected[channel] += 1
        elif call["status"] == 200 and call["error"] is None:
            last[channel] = at
    return injected, early


async def _all(args: argparse.Namespace) -> None:
    shape = Shape(channels=args.channels, sections=args.sections, fault_rate=args.fault_rate)
    print(
        f"{shape.sections} sections x {shape.channels} channels, 1 msg/s/channel, "
        f"{shape.fault_rate:.0%} of calls answered 429 (Retry-After: 1), {args.rounds} round(s)"
    )
    ratios: dict[str, list[float]] = {"baseline": [], "SQLite": [], "PostgreSQL": []}
    for round_ in range(1, args.rounds + 1):
        suffix = f" (round {round_})" if args.rounds > 1 else ""
        with tempfile.TemporaryDirectory() as folder:
            print(f"\n== baseline: SlackPlatform alone, no outbox{suffix} ==")
            ratios["baseline"].append(await baseline(shape, Path(folder)))
        if not args.skip_sqlite:
            print(f"\n== engage outbox, SQLite file{suffix} ==")
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
                ratios["SQLite"].append(await outbox(shape, database_url=url, folder=Path(folder)))
        if not args.skip_postgres:
            print(f"\n== engage outbox, PostgreSQL (fresh database){suffix} ==")
            async with fresh_postgres(args.postgres) as pg_url:
                if pg_url is not None:
                    with tempfile.TemporaryDirectory() as folder:
                        ratio = await outbox(shape, database_url=pg_url, folder=Path(folder))
                        ratios["PostgreSQL"].append(ratio)
    if args.rounds > 1:
        print(f"\n== median ratio to the bound over {args.rounds} rounds (target <= 1.2) ==")
        for name, values in ratios.items():
            if values:
                listed = " ".join(f"{v:.2f}" for v in values)
                print(f"{name:<11} {statistics.median(values):.2f}   ({listed})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--sections", type=int, default=5)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help="server for the PostgreSQL run"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--rounds", type=int, default=1, help="run everything this many times")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_all(args))


if __name__ == "__main__":
    main()
