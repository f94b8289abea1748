"""Two instances on one database never send a prompt twice (PostgreSQL, and SQLite)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.clock import ManualClock
from bot.domain import Paper, Platform
from bot.engagement import Engagement
from bot.firing import FirePolicy
from bot.scheduler import PromptScheduler, SchedulerPolicy
from bot.scheduling import Scheduling
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform
from tests.scheduling.conftest import ZONE, make_sender

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ONE_SHOTS = 40
CHANNELS = ("general", "analysts")


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(
        make_url(url).set(drivername="postgresql+asyncpg"),
        isolation_level="AUTOCOMMIT",
        connect_args={"timeout": 2},
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    server = os.environ.get("ENGAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"engage_sched_{secrets.token_hex(5)}"
    try:
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError, TimeoutError) as error:
        pytest.skip(f"PostgreSQL is not reachable at {make_url(server).host}: {error}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _plan(url: str, clock: ManualClock, paper: Paper) -> None:
    store = SqlStore.open(url)
    try:
        engagement = Engagement(store=store, clock=clock)
        await engagement.load_paper(paper)
        for name in CHANNELS:
            await engagement.register_channel(
                platform=Platform.WEB, workspace_id="local", external_id=name, name=name
            )
        scheduling = Scheduling(store=store, clock=clock, paper=lambda: paper, default_zone=ZONE)
        for n in range(ONE_SHOTS):
            await scheduling.schedule_prompt(
                kind="message",
                text=f"one-shot {n}",
                targets=["*"],
                at=START + timedelta(minutes=1, seconds=n % 30),
            )
        await scheduling.schedule_prompt(
            kind="coverage", targets=["*"], recurrence="0 9 * * *", timezone="UTC"
        )
    finally:
        await store.close()


async def _two_instances(
    url: str, clock: ManualClock, paper: Paper
) -> tuple[FakePlatform, Counter[str | None]]:
    """Run two schedulers and two senders side by side over two days of due prompts; both
    senders talk to the one platform, as replicas do."""
    await _plan(url, clock, paper)
    stores = [SqlStore.open(url) for _ in range(2)]
    fake = FakePlatform(clock=clock, per_channel=())
    try:
        schedulers = [
            PromptScheduler(
                store=store,
                clock=clock,
                paper=lambda: paper,
                policy=SchedulerPolicy(fire=FirePolicy(batch_size=4)),
                name=f"replica-{n}",
            )
            for n, store in enumerate(stores)
        ]
        senders = [make_sender(store, clock, fake) for store in stores]
        for hour in range(2 * 24 + 1):  # every hour for two days
            clock.set(START + timedelta(hours=hour, minutes=1, seconds=30))
            await asyncio.gather(*(s.fire_due() for s in schedulers))
            await asyncio.gather(*(s.drain() for s in senders))
        async with stores[0].transaction() as tx:
            claimers = Counter(p.claimed_by for p in await tx.list_prompts())
    finally:
        for store in stores:
            await store.close()
    return fake, claimers


def _check_exactly_once(fake: FakePlatform) -> None:
    sent = fake.sent
    per_post = Counter(m.post_id for m in sent)
    per_text = Counter((m.channel, m.text.splitlines()[0]) for m in sent)
    one_shots = [m for m in sent if m.text.startswith("one-shot")]
    coverage = [m for m in sent if not m.text.startswith("one-shot")]
    assert max(per_post.values()) == 1
    assert len(one_shots) == ONE_SHOTS * len(CHANNELS)
    assert all(count == 1 for (_, first), count in per_text.items() if first.startswith("one"))
    assert len(coverage) == 2 * len(CHANNELS)  # daily at 09:00 for two days, each channel


@pytest.mark.postgres
async def test_two_instances_on_postgresql_never_send_a_prompt_twice(
    postgres_url: str, clock: ManualClock, example_paper: Paper
) -> None:
    fake, claimers = await _two_instances(postgres_url, clock, example_paper)
    _check_exactly_once(fake)
    # SKIP LOCKED lets both replicas fire side by side: each took a share of the prompts.
    assert set(claimers) == {"replica-0", "replica-1"}


async def test_two_instances_on_one_sqlite_file_never_send_a_prompt_twice(
    sqlite_url: str, clock: ManualClock, example_paper: Paper
) -> None:
    fake, claimers = await _two_instances(sqlite_url, clock, example_paper)
    _check_exactly_once(fake)
    assert sum(claimers.values()) == ONE_SHOTS + 1


@pytest.mark.postgres
async def test_a_prompt_claimed_by_one_replica_is_skipped_by_the_other(
    postgres_url: str, clock: ManualClock, example_paper: Paper
) -> None:
    await _plan(postgres_url, clock, example_paper)
    first, second = SqlStore.open(postgres_url), SqlStore.open(postgres_url)
    now = START + timedelta(minutes=2)
    try:
        async with first.transaction() as one:
            held = await one.claim_prompts(now=now, claimer="one", limit=15)
            async with second.transaction() as two:
                rest = await two.claim_prompts(now=now, claimer="two", limit=500)
    finally:
        await first.close()
        await second.close()
    assert len(held) == 15
    assert len(rest) == ONE_SHOTS - 15
    assert not {p.id for p in held} & {p.id for p in rest}
