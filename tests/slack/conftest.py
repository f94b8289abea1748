"""Fixtures of the Slack adapter's tests: the fake Slack Web API and a served engage."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.clock import ManualClock
from storage.migrate import upgrade
from tests.fakes.slack_api import FakeSlackApi
from tests.slack.world import BOT, TOKEN, SlackWorld, slack_settings

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
MakeWorld = Callable[..., AbstractAsyncContextManager[SlackWorld]]


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at the head migration, made once and copied for each test."""
    db = tmp_path_factory.mktemp("slack-template") / "engage.db"
    upgrade(f"sqlite+aiosqlite:///{db}")
    return db


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def fake(clock: ManualClock) -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(bots={TOKEN: BOT}, now=lambda: clock.now().timestamp())
    await api.start()
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
def make_world(
    tmp_path: Path,
    migrated_db: Path,
    fake: FakeSlackApi,
    clock: ManualClock,
    aiohttp_client: AiohttpClient,
) -> MakeWorld:
    """Start engage with Slack on a fresh copy of the database; settings can be overridden."""

    @asynccontextmanager
    async def start(**settings: Any) -> AsyncIterator[SlackWorld]:
        for suffix in ("", "-wal", "-shm"):
            source = migrated_db.with_name(migrated_db.name + suffix)
            if source.exists():
                shutil.copyfile(source, tmp_path / ("engage.db" + suffix))
        db = tmp_path / "engage.db"
        config = slack_settings(db, api_url=fake.base_url, **settings)
        app = build_app(config, clock=clock, run_senders=False, migrate=False)
        yield SlackWorld(client=await aiohttp_client(app), fake=fake, clock=clock, db=db)

    return start


@pytest.fixture
async def world(make_world: MakeWorld) -> AsyncIterator[SlackWorld]:
    async with make_world() as started:
        yield started
