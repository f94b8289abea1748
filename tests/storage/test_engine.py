"""Database URLs and unreachable databases (no database server needed)."""

from __future__ import annotations

import time

import pytest

from storage.engine import normalise_url
from storage.migrate import upgrade
from storage.store import SqlStore


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///engage.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///engage.db", "sqlite+aiosqlite"),
        ("postgresql://u:p@db/engage", "postgresql+asyncpg"),
        ("postgres://u@db/engage", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@db/engage", "postgresql+asyncpg"),
    ],
)
def test_supported_urls_use_the_async_drivers(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@db/engage", "postgresql+psycopg2://u@db/x", "nope"])
def test_other_urls_are_refused_with_the_supported_schemes(url: str) -> None:
    with pytest.raises(ValueError, match=r"sqlite\+aiosqlite.*postgresql"):
        SqlStore.open(url)
    with pytest.raises(ValueError, match="postgresql"):
        upgrade(url)


async def test_ping_is_false_quickly_for_an_unreachable_server() -> None:
    store = SqlStore.open("postgresql://postgres@127.0.0.1:1/engage")
    started = time.monotonic()
    try:
        assert not await store.ping()
    finally:
        await store.close()
    assert time.monotonic() - started < 3
