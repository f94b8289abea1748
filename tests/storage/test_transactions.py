"""Write transactions take turns (SQLite), read-only transactions never wait for them."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from bot.domain import Platform
from bot.ports import Store, StoreSession, read_transaction
from storage.engine import WriterQueueTimeout, create_engine, create_read_engine
from storage.store import SqlStore
from tests.storage.conftest import sqlite_url


def _impatient(url: str) -> SqlStore:
    """A store on `url` whose writers wait at most 0.2 s for another writer."""
    return SqlStore(create_engine(url, write_wait=0.2), read_engine=create_read_engine(url))


@pytest.fixture
async def impatient(database_url: str) -> AsyncIterator[SqlStore]:
    opened = _impatient(database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def impatient_sqlite(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[SqlStore]:
    path = tmp_path / "turns.db"
    shutil.copyfile(sqlite_template, path)
    opened = _impatient(sqlite_url(path))
    try:
        yield opened
    finally:
        await opened.close()


async def _claim(tx: StoreSession, event_id: str, now: datetime) -> bool:
    return await tx.claim_event(
        platform=Platform.SLACK, workspace_id="T1", event_id=event_id, now=now
    )


async def test_sqlite_writers_of_one_process_take_turns_in_arrival_order(
    impatient_sqlite: SqlStore, now: datetime
) -> None:
    inside: list[int] = []
    order: list[int] = []

    async def writer(n: int) -> None:
        async with impatient_sqlite.transaction() as tx:
            assert await _claim(tx, f"e{n}", now)
            inside.append(n)
            order.append(n)
            assert inside == [n]  # nobody else is writing meanwhile
            await asyncio.sleep(0)  # hold the turn across a task switch, as real work does
            inside.remove(n)

    # Warm: the pool holds open connections, as in a running app (opening one takes a
    # thread of its own, and threads finish in any order).
    await asyncio.gather(*(writer(n) for n in range(5)))
    order.clear()
    await asyncio.gather(*(writer(n) for n in range(5, 10)))
    assert order == list(range(5, 10))


async def test_a_sqlite_writer_nested_in_another_is_refused_with_a_clear_error(
    impatient_sqlite: SqlStore, now: datetime
) -> None:
    async def nested() -> None:
        async with impatient_sqlite.transaction() as outer:
            await _claim(outer, "outer", now)
            async with impatient_sqlite.transaction() as inner:
                await _claim(inner, "inner", now)

    with pytest.raises(WriterQueueTimeout, match="held open too long"):
        await nested()
    # Both were rolled back, and the turn was given back.
    async with impatient_sqlite.transaction() as tx:
        assert await _claim(tx, "outer", now)


async def test_reading_neither_waits_for_a_writer_nor_sees_its_uncommitted_rows(
    impatient: SqlStore, now: datetime
) -> None:
    async with impatient.transaction() as writer:
        await writer.append_audit(actor="cli", action="pending", detail={}, now=now)
        # On SQLite the writer holds the turn: a reader that took one would time out here.
        async with impatient.reading() as reader:
            assert await reader.list_audit() == []
    async with impatient.reading() as reader:
        assert [entry.action for entry in await reader.list_audit()] == ["pending"]


async def test_writing_in_a_read_only_transaction_fails(store: SqlStore, now: datetime) -> None:
    with pytest.raises(DBAPIError, match=r"(?i)read-?only"):
        async with store.reading() as tx:
            await _claim(tx, "e1", now)
    async with store.transaction() as tx:
        assert await _claim(tx, "e1", now)


class _WritesOnly:
    """A store without `reading()`, as a test double or another backend may be."""

    def __init__(self, inner: SqlStore) -> None:
        self.inner = inner
        self.transactions = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreSession]:
        self.transactions += 1
        async with self.inner.transaction() as tx:
            yield tx

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


async def test_read_transaction_uses_a_plain_transaction_when_a_store_cannot_read_only(
    store: SqlStore,
) -> None:
    plain = _WritesOnly(store)
    port: Store = plain
    async with read_transaction(port) as tx:
        assert await tx.list_audit() == []
    assert plain.transactions == 1
