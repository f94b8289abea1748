"""Fan-out: a 5-section paper to 200 Slack channels.

The fake Slack Web API allows one message per second per channel and answers 5% of
chat.postMessage calls with 429 (Retry-After: 1). Two runs, each against a fresh fake:

- baseline: SlackPlatform.post_section called directly, one task per channel, sleeping on each
  429 for its Retry-After (no database, no outbox) — what the adapter and the fake allow;
- engage: `engage publish` + the Slack OutboxSender (`run()`, as `engage serve` runs it), on a
  SQLite file and on a fresh PostgreSQL database.

Each is timed against two lower bounds: the rate limit alone ((sections - 1) seconds), and
that bound plus the Retry-After the worst channel was handed. Duplicates and losses are
counted from the fake's records and the outbox rows.

    .venv/bin/python -m bench.slack_fanout [--channels 200] [--sections 5] [--fault-rate 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from bot.domain import Channel, Platform, Post, PostKind, PostState
from bot.errors import RateLimited
from bot.services import Services


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


async def baseline(shape: Shape, folder: Path) -> None:
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
                while True:
                    try:
                        await platform.post_section(channel=channel, section=section, post=post)
                        break
                    except RateLimited as limited:
                        await asyncio.sleep(limited.retry_after)

        await asyncio.gather(*(lane(c) for c in channels))
        elapsed = time.monotonic() - started
        report(await fake.records(), fake, elapsed=elapsed, sections=shape.sections, posts=None)


async def outbox(shape: Shape, *, database_url: str, folder: Path) -> None:
    """engage's own path: publish, then the OutboxSender delivers."""
    async with engage(shape, database_url=database_url, folder=folder) as (services, fake):
        result = await services.engagement.publish(
            sections=["all"], target="*", platform=Platform.SLACK
        )
        rows = len(result.enqueued)
        stop = asyncio.Event()
        started = time.monotonic()
        sender = asyncio.create_task(services.senders[Platform.SLACK].run(stop))
        posts = await _settled(services, rows)
        elapsed = time.monotonic() - started
        stop.set()
        await sender
        report(await fake.records(), fake, elapsed=elapsed, sections=shape.sections, posts=posts)


async def _settled(services: Services, rows: int) -> list[Post]:
    """Every row, once each is sent or failed (checked every 50 ms)."""
    while True:
        async with services.store.transaction() as tx:
            posts = list(await tx.list_posts())
        if len(posts) >= rows and all(p.state in (PostState.SENT, PostState.FAILED) for p in posts):
            return posts
        await asyncio.sleep(0.05)


def report(
    records: dict[str, list[dict[str, Any]]],
    fake: RemoteFake,
    *,
    elapsed: float,
    sections: int,
    posts: list[Post] | None,
) -> None:
    messages = records["messages"]
    duplicates = sum(n - 1 for n in Counter((m["channel"], m["text"]) for m in messages).values())
    calls = [c for c in records["calls"] if c["method"] == "chat.postMessage"]
    penalty = Counter(str(c["channel"]) for c in calls if c["status"] == 429)
    worst = max(penalty.values(), default=0)
    line = f"messages {len(messages)}  calls {len(calls)}  429s {sum(penalty.values())}"
    line += f"  duplicates {duplicates}"
    if posts is not None:
        unsent = sum(1 for p in posts if p.state is not PostState.SENT)
        recorded = {i for p in posts for i in p.message_ids}
        lost = unsent + len({m["ts"] for m in messages} ^ recorded)
        line += f"  rows {len(posts)}  losses {lost}"
    print(line)
    naive = (sections - 1) * fake.post_interval
    with_429 = naive + worst * fake.retry_after
    print(f"completion {elapsed:.2f} s")
    print(f"  vs rate-limit bound {naive:.2f} s: ratio {elapsed / naive:.2f} (target <= 1.2)")
    print(
        f"  vs bound incl. Retry-After served (worst channel {worst} x 429) {with_429:.2f} s: "
        f"ratio {elapsed / with_429:.2f}"
    )


async def _all(args: argparse.Namespace) -> None:
    shape = Shape(channels=args.channels, sections=args.sections, fault_rate=args.fault_rate)
    print(
        f"{shape.sections} sections x {shape.channels} channels, 1 msg/s/channel, "
        f"{shape.fault_rate:.0%} of calls answered 429 (Retry-After: 1)"
    )
    with tempfile.TemporaryDirectory() as folder:
        print("\n== baseline: SlackPlatform alone, no outbox ==")
        await baseline(shape, Path(folder))
    if not args.skip_sqlite:
        print("\n== engage outbox, SQLite file ==")
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
            await outbox(shape, database_url=url, folder=Path(folder))
    if not args.skip_postgres:
        print("\n== engage outbox, PostgreSQL (fresh database) ==")
        async with fresh_postgres(args.postgres) as pg_url:
            if pg_url is not None:
                with tempfile.TemporaryDirectory() as folder:
                    await outbox(shape, database_url=pg_url, folder=Path(folder))


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
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_all(args))


if __name__ == "__main__":
    main()
