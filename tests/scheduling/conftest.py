"""Scheduling fixtures: a migrated SQLite store on a manual clock, web channels, a recording
platform with its outbox sender, the scheduling API and a scheduler."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain import Paper, Platform
from bot.engagement import Engagement
from bot.firing import FirePolicy
from bot.outbox import OutboxPolicy, OutboxSender
from bot.ports import Store
from bot.scheduler import PromptScheduler, SchedulerPolicy
from bot.scheduling import Scheduling
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform

ZONE = "Europe/London"
GRACE_SECONDS = 3600.0


def make_scheduler(
    store: Store, clock: ManualClock, paper: Paper, *, name: str = "one"
) -> PromptScheduler:
    return PromptScheduler(
        store=store,
        clock=clock,
        paper=lambda: paper,
        policy=SchedulerPolicy(fire=FirePolicy(grace_seconds=GRACE_SECONDS)),
        name=name,
    )


def make_sender(store: Store, clock: ManualClock, fake: FakePlatform) -> OutboxSender:
    return OutboxSender(platform=fake, store=store, clock=clock, policy=OutboxPolicy())


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file each test copies (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("scheduling-template") / "engage.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "engage.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    the_store = SqlStore.open(sqlite_url)
    try:
        yield the_store
    finally:
        await the_store.close()


@pytest.fixture
async def channels(engagement: Engagement, store: SqlStore) -> None:
    """Web channels 'general' (sector la) and 'analysts' (sector cg)."""
    for name, tag in (("general", "la"), ("analysts", "cg")):
        channel = await engagement.register_channel(
            platform=Platform.WEB, workspace_id="local", external_id=name, name=name
        )
        async with store.transaction() as tx:
            await tx.set_channel_tags(channel_id=channel.id, tags=frozenset({tag}))


@pytest.fixture
def scheduling(store: SqlStore, clock: ManualClock, example_paper: Paper) -> Scheduling:
    return Scheduling(store=store, clock=clock, paper=lambda: example_paper, default_zone=ZONE)


@pytest.fixture
def scheduler(store: SqlStore, clock: ManualClock, example_paper: Paper) -> PromptScheduler:
    return make_scheduler(store, clock, example_paper)


@pytest.fixture
def fake(clock: ManualClock) -> FakePlatform:
    return FakePlatform(clock=clock, per_channel=())


@pytest.fixture
def sender(store: SqlStore, clock: ManualClock, fake: FakePlatform) -> OutboxSender:
    return make_sender(store, clock, fake)
