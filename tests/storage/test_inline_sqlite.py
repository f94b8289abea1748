"""SQLite write connections run in place on the event loop's thread, and wait in asyncio."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bot.domain import Platform
from storage.engine import create_engine, create_read_engine, dispose_engine
from storage.inline_sqlite import Checkpointer
from storage.repos.sqlite_direct import run_on_driver
from storage.store import SqlStore
from tests.storage.conftest import sqlite_url
from tests.storage.helpers import ticking


@pytest.fixture
def path(sqlite_template: Path, tmp_path: Path) -> Path:
    copied = tmp_path / "inline.db"
    shutil.copyfile(sqlite_template, copied)
    return copied


@pytest.fixture
async def store(path: Path) -> AsyncIterator[SqlStore]:
    url = sqlite_url(path)
    opened = SqlStore(create_engine(url, write_wait=2.0), read_engine=create_read_engine(url))
    try:
        yield opened
    finally:
        await opened.close()


async def _claim(store: SqlStore, event_id: str, now: datetime) -> bool:
    async with store.transaction() as tx:
        return await tx.claim_event(
            platform=Platform.WEB, workspace_id="local", event_id=event_id, now=now
        )


def _thread_of(_connection: sqlite3.Connection) -> int:
    return threading.get_ident()


async def test_writes_run_on_the_loops_thread_and_reads_on_their_own(path: Path) -> None:
    url = sqlite_url(path)
    engine, read_engine = create_engine(url), create_read_engine(url)
    assert read_engine is not None
    try:
        async with engine.begin() as connection:
            writer = await run_on_driver(connection, _thread_of, what="thread")
            settings = (await connection.execute(text("PRAGMA busy_timeout"))).scalar_one()
            autocheckpoint = (
                await connection.execute(text("PRAGMA wal_autocheckpoint"))
            ).scalar_one()
        async with read_engine.connect() as connection:
            reader = await run_on_driver(connection, _thread_of, what="thread")
    finally:
        await dispose_engine(engine)
        await dispose_engine(read_engine)
    assert writer == threading.get_ident()
    assert reader != threading.get_ident()
    # Nothing may wait inside SQLite on the loop's thread: no busy handler, no checkpoint.
    assert (settings, autocheckpoint) == (0, 0)


async def test_a_writer_waits_for_another_process_without_stopping_the_loop(
    store: SqlStore, path: Path, now: datetime
) -> None:
    other = sqlite3.connect(path, isolation_level=None)  # holds the write lock, like a process
    other.execute("BEGIN IMMEDIATE")
    async with ticking(every=0.001) as ticks:
        writing = asyncio.create_task(_claim(store, "e1", now))
        await asyncio.sleep(0.1)
        assert not writing.done()
        waited = ticks.count
        other.execute("COMMIT")
        assert await writing is True
    other.close()
    assert waited >= 10  # the loop went on serving while the writer waited


async def test_a_writer_gives_up_after_its_wait_with_the_lock_error(
    path: Path, now: datetime
) -> None:
    url = sqlite_url(path)
    impatient = SqlStore(create_engine(url, write_wait=0.2), read_engine=create_read_engine(url))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"):
            await _claim(impatient, "e1", now)
        other.execute("ROLLBACK")
        assert await _claim(impatient, "e1", now) is True  # the failed try kept nothing
    finally:
        other.close()
        await impatient.close()


def _size(path: Path) -> int:
    return path.stat().st_size


def _write_without_checkpoint(path: Path, rows: int) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute("CREATE TABLE filler (body TEXT)")
    connection.execute("BEGIN")
    connection.executemany("INSERT INTO filler VALUES (?)", [("x" * 1000,)] * rows)
    connection.execute("COMMIT")
    connection.close()


async def test_the_checkpointer_copies_the_wal_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    sqlite3.connect(path).execute("PRAGMA journal_mode=WAL").close()
    keep_open = sqlite3.connect(path)  # the last connection to close would checkpoint itself
    keep_open.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the file
    _write_without_checkpoint(path, rows=500)
    before = _size(path)
    checkpointer = Checkpointer(database=str(path), uri=False)
    checkpointer.after_write()
    await checkpointer.close()
    after = _size(path)
    keep_open.close()  # (the last connection to close: it would checkpoint by itself)
    assert before < 16 * 1024  # the rows were in the WAL only
    assert after > 500 * 1000  # and are in the database file now


async def test_an_engine_checkpoints_its_writes(path: Path) -> None:
    keep_open = sqlite3.connect(path)
    keep_open.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the file
    before = _size(path)
    engine = create_engine(sqlite_url(path))
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE filler (body TEXT)"))
        for _ in range(200):
            await connection.execute(
                text("INSERT INTO filler VALUES (:body)"), {"body": "x" * 1000}
            )
    await dispose_engine(engine)  # waits for the checkpoint the write started
    after = _size(path)
    keep_open.close()
    assert after >= before + 200 * 1000
