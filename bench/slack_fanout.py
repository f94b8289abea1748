"""Fan-out: a 5-section paper to 200 Slack channels through the outbox sender.

The fake Slack Web API allows one message per second per channel and answers 5% of
chat.postMessage calls with 429 (Retry-After: 1). The run is timed against two lower bounds:
the rate limit alone ((sections - 1) seconds), and that bound plus the Retry-After each channel
was actually handed. Duplicates and losses are counted from the fake's records and the outbox.

    .venv/bin/python -m bench.slack_fanout [--channels 200] [--sections 5] [--fault-rate 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from adapters.slack.mount import SLACK
from bench.slack_common import DEFAULT_POSTGRES, TEAM, TOKEN, fresh_postgres, settings, write_paper
from bot.app import SERVICES, build_app, prepare
from bot.domain import Platform, Post, PostState
from bot.services import Services
from tests.fakes.slack_api import Bot, FakeSlackApi, Faults


async def run(
    *, database_url: str, channels: int, sections: int, fault_rate: float, folder: Path
) -> None:
    fake = FakeSlackApi(
        bots={TOKEN: Bot(team_id=TEAM)},
        now=time.monotonic,
        post_interval=1.0,
        faults=Faults(rate=fault_rate, kinds=("429",), retry_after=1.0),
    )
    await fake.start()
    paper = write_paper(folder / "paper", sections=sections)
    app = build_app(
        settings(database_url, api_url=fake.base_url, paper=paper),
        run_senders=False,
    )
    services = app[SERVICES]
    try:
        await prepare(services, migrate=True)
        for n in range(channels):
            channel_id = f"C{n:07d}"
            fake.add_channel(channel_id, f"channel-{n}")
            await services.engagement.register_channel(
                platform=Platform.SLACK,
                workspace_id=TEAM,
                external_id=channel_id,
                name=f"channel-{n}",
            )
        result = await services.engagement.publish(
            sections=["all"], target="*", platform=Platform.SLACK
        )
        rows = len(result.enqueued)
        stop = asyncio.Event()
        started = time.monotonic()
        sender = asyncio.create_task(services.senders[Platform.SLACK].run(stop))
        # Watch the fake (not the database, which the senders need) until every row has a
        # message or has failed, then let the last rows settle.
        posts = await _settled(services, fake, rows)
        elapsed = time.monotonic() - started
        if os.environ.get("SLACK_BENCH_TRACE"):
            per_second = Counter(int(m.at - started) for m in fake.messages)
            print("messages accepted per second:", sorted(per_second.items()))
        stop.set()
        await sender
        report(fake=fake, posts=posts, rows=rows, elapsed=elapsed, sections=sections)
    finally:
        await app[SLACK].close()
        await services.store.close()
        await fake.close()


async def _settled(services: Services, fake: FakeSlackApi, rows: int) -> list[Post]:
    """Every row, once each is sent or failed. The fake's count is checked often; the
    database (which the senders need) only when the count says done, or once a second."""
    checked = time.monotonic()
    while True:
        if len(fake.messages) >= rows or time.monotonic() - checked > 1.0:
            checked = time.monotonic()
            async with services.store.transaction() as tx:
                posts = list(await tx.list_posts())
            if all(p.state in (PostState.SENT, PostState.FAILED) for p in posts):
                return posts
        await asyncio.sleep(0.01)


def report(
    *, fake: FakeSlackApi, posts: list[Post], rows: int, elapsed: float, sections: int
) -> None:
    by_channel: dict[str, list[str]] = defaultdict(list)
    for message in fake.messages:
        by_channel[message.channel].append(message.text)
    duplicates = sum(
        n - 1 for n in Counter((m.channel, m.text) for m in fake.messages).values() if n > 1
    )
    sent_ids = [i for p in posts if p.state is PostState.SENT for i in p.message_ids]
    lost = sum(1 for p in posts if p.state is not PostState.SENT) + len(
        {m.ts for m in fake.messages} ^ set(sent_ids)
    )
    out_of_order = sum(1 for texts in by_channel.values() if texts != sorted(texts, key=_ordinal))
    calls = fake.calls_to("chat.postMessage")
    limited = [c for c in calls if c.status == 429]
    penalty: Counter[str] = Counter()
    for call in limited:
        penalty[str(call.args.get("channel"))] += 1
    naive = (sections - 1) * fake.post_interval
    with_429 = naive + max(penalty.values(), default=0) * fake.faults.retry_after
    print(f"rows {rows}  messages {len(fake.messages)}  calls {len(calls)}  429s {len(limited)}")
    print(f"duplicates {duplicates}  losses {lost}  channels out of order {out_of_order}")
    print(f"completion {elapsed:.2f} s")
    print(
        f"lower bound, rate limit only: {naive:.2f} s  -> ratio {elapsed / naive:.2f} (target <= 1.2)"
    )
    print(
        f"lower bound incl. the Retry-After served (worst channel had {max(penalty.values(), default=0)}"
        f" x 429): {with_429:.2f} s  -> ratio {elapsed / with_429:.2f}"
    )


def _ordinal(text: str) -> int:
    digits = "".join(ch for ch in text.split(" of ")[0] if ch.isdigit())
    return int(digits or 0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--channels", type=int, default=200)
    parser.add_argument("--sections", type=int, default=5)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="server for the PG run")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(_both(args))


async def _both(args: argparse.Namespace) -> None:
    shape = {"channels": args.channels, "sections": args.sections, "fault_rate": args.fault_rate}
    print(
        f"{args.sections} sections x {args.channels} channels, 1 msg/s/channel, "
        f"{args.fault_rate:.0%} of calls answered 429"
    )
    if not args.skip_sqlite:
        print("\n== SQLite file ==")
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
            await run(database_url=url, folder=Path(folder), **shape)
    if not args.skip_postgres:
        print("\n== PostgreSQL (fresh database) ==")
        async with fresh_postgres(args.postgres) as pg_url:
            if pg_url is not None:
                with tempfile.TemporaryDirectory() as folder:
                    await run(database_url=pg_url, folder=Path(folder), **shape)


if __name__ == "__main__":
    main()
