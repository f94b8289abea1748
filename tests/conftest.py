"""Fixtures shared by the whole suite: a migrated SQLite store, a manual clock, our paper."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import EXAMPLE_PAPER
from bot.domain import Paper
from bot.engagement import Engagement
from bot.paper import load_paper
from storage.migrate import upgrade
from storage.store import SqlStore

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'engage.db'}"


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    upgrade(sqlite_url)
    the_store = SqlStore.open(sqlite_url)
    try:
        yield the_store
    finally:
        await the_store.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="session")
def example_paper() -> Paper:
    return load_paper(EXAMPLE_PAPER)


@pytest.fixture
async def engagement(store: SqlStore, clock: ManualClock, example_paper: Paper) -> Engagement:
    service = Engagement(store=store, clock=clock)
    await service.load_paper(example_paper)
    return service
