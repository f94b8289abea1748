"""Async engine creation: SQLite through aiosqlite, PostgreSQL through asyncpg."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from storage.inline_sqlite import Checkpointer, inline_connect

SUPPORTED_SCHEMES = (
    "sqlite+aiosqlite:///path/to/engage.db (or sqlite:///…)",
    "postgresql+asyncpg://user@host/db (or postgresql://… / postgres://…)",
)
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Execution option a connection can set to open its SQLite transaction DEFERRED (read-only use).
SQLITE_BEGIN_OPTION = "engage_sqlite_begin"
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}
# PostgreSQL: room for a burst of concurrent requests without queueing on the pool.
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 20
PG_STATEMENT_CACHE = 500
# SQLite connections run in autocommit mode and every transaction is opened and closed by
# SQLAlchemy (BEGIN in the hook below; Connection.close() rolls back one left open), so the
# pool's extra ROLLBACK on every return is a no-op that costs a driver call (on a reading
# connection, a trip to aiosqlite's thread).
_SQLITE_RESET = None
# The write engine's checkpointers (see `storage.inline_sqlite`), stopped by `dispose_engine`.
_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()
_SQLITE_DIALECT = SQLiteDialect_aiosqlite()  # turns a URL into sqlite3.connect's arguments


class WriterQueueTimeout(SQLAlchemyError):
    """A SQLite write transaction waited too long for this process's other writers."""


def normalise_url(url: str) -> URL:
    """The async-driver URL for `url`; a clear ValueError for anything else."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL: {exc}. Use one of: {_supported()}") from None
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+aiosqlite"):
        return parsed.set(drivername="sqlite+aiosqlite")
    if driver in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL scheme {driver!r}. Use one of: {_supported()}")


def _supported() -> str:
    return "; ".join(SUPPORTED_SCHEMES)


def create_engine(
    url: str, *, connect_timeout: float = 10.0, write_wait: float = SQLITE_BUSY_TIMEOUT_MS / 1000
) -> AsyncEngine:
    """An engine for `url`, with engage's connection settings for the backend. On SQLite a
    write transaction waits at most `write_wait` seconds for the other writers (of this
    process, then of others), and its statements run on the event loop's thread
    (`storage.inline_sqlite`). Close it with `dispose_engine`."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A file's pool hands out the most recently used connection first: each has its own
        # page and statement caches, so rotating through the pool left every batch cold. (An
        # in-memory database has one connection, no such pool.)
        in_memory = parsed.database in (None, "", ":memory:")
        lifo: dict[str, Any] = {} if in_memory else {"pool_use_lifo": True}
        [database], options = _SQLITE_DIALECT.create_connect_args(parsed)

        async def connect() -> aiosqlite.Connection:
            return await inline_connect(database, **options)

        engine = create_async_engine(
            parsed, async_creator=connect, pool_reset_on_return=_SQLITE_RESET, **lifo
        )
        checkpointer = None
        if not in_memory:
            checkpointer = Checkpointer(database=database, uri=bool(options.get("uri")))
            _CHECKPOINTERS[engine.sync_engine] = checkpointer
        _configure_sqlite(
            engine, gate=_WriteGate(write_wait), checkpointer=checkpointer, write_wait=write_wait
        )
        return engine
    engine = create_async_engine(
        parsed,
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_MAX_OVERFLOW,
        # The most recently used connection first: its prepared statements (a multi-row
        # INSERT is one statement per row count) are the ones warm in asyncpg's cache.
        pool_use_lifo=True,
        connect_args={
            "timeout": connect_timeout,
            "prepared_statement_cache_size": PG_STATEMENT_CACHE,
        },
    )
    _configure_postgres(engine)
    return engine


def create_read_engine(url: str) -> AsyncEngine | None:
    """For a SQLite file, a second engine whose connections can only read (`query_only`) and
    open their transactions DEFERRED, so readers never wait for writers; None otherwise (an
    in-memory database is private to one connection, PostgreSQL readers never wait)."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    engine = create_async_engine(parsed, pool_reset_on_return=_SQLITE_RESET)
    _configure_sqlite(engine, gate=None, checkpointer=None, write_wait=0.0)
    return engine


@asynccontextmanager
async def connected(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.connect()`, with the connection closed in the caller's own task on the way out.

    SQLAlchemy's `async with engine.connect()` closes it in a task of its own (so that a
    cancellation cannot abandon the close halfway), and waiting for that task costs the caller
    three turns of the event loop: under load each turn serves dozens of requests, and a group
    commit's callers waited about 4 ms a batch for them. Here no cancellation can land halfway
    either: closing a connection whose transaction has ended gives it back to the pool without
    a word to the database (SQLite's statements run in place; on PostgreSQL, the reset of a
    connection outside a transaction sends nothing), so `close()` never suspends.
    """
    connection = await engine.connect()
    try:
        yield connection
    finally:
        await connection.close()


async def dispose_engine(engine: AsyncEngine) -> None:
    """Close every pooled connection, and on SQLite let the last checkpoint finish."""
    await engine.dispose()
    checkpointer = _CHECKPOINTERS.pop(engine.sync_engine, None)
    if checkpointer is not None:
        await checkpointer.close()


def _configure_postgres(engine: AsyncEngine) -> None:
    # A connection the server has closed (a restart, an idle timeout, pg_terminate_backend) is
    # replaced when it is taken from the pool. asyncpg notices the close as soon as the event
    # loop reads it, so asking the driver costs nothing; SQLAlchemy's pre-ping instead spent
    # three round trips (BEGIN, ";", ROLLBACK) on every checkout, half of a group commit's.
    # One broken in a way the client cannot see fails its statement, which invalidates the
    # pool; a group commit then applies each of its items again on a fresh connection.
    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.driver_connection.is_closed():
            raise DisconnectionError("the server closed this pooled connection")


def _configure_sqlite(
    engine: AsyncEngine,
    *,
    gate: _WriteGate | None,
    checkpointer: Checkpointer | None,
    write_wait: float,
) -> None:
    # The sqlite3 module's own transaction handling opens transactions late (only before DML)
    # and DEFERRED, so a read-then-write transaction can fail with SQLITE_BUSY even with a busy
    # timeout. We take over: BEGIN IMMEDIATE takes the write lock up front, so each transaction
    # is serialisable (this is what makes claiming atomic). Writers of this process queue
    # first on the gate, in order, in asyncio; only then do they wait for other processes
    # (SQLite's busy handler sleeps in steps of up to 100 ms, which under load made writers
    # wait seconds and, past the timeout, fail).
    #
    # Write connections run their statements on the event loop's thread, so nothing may wait
    # inside SQLite there: no busy handler (BEGIN IMMEDIATE is retried in asyncio instead, the
    # only statement that waits for another process in WAL mode) and no automatic checkpoint
    # (a `Checkpointer` thread does it). Read connections keep aiosqlite's thread.
    read_only = gate is None

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS if read_only else 0
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            _switch_to_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if read_only:
                cursor.execute("PRAGMA query_only=ON")
            elif checkpointer is not None:
                cursor.execute("PRAGMA wal_autocheckpoint=0")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        default = "DEFERRED" if read_only else "IMMEDIATE"
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, default)
        if mode == "DEFERRED" or gate is None:
            _begin(connection, _BEGIN[mode])
            return
        gate.enter(connection.info)
        try:
            _begin_waiting(connection, _BEGIN[mode], seconds=write_wait)
        except BaseException:
            gate.leave(connection.info)
            raise

    if gate is not None:
        # The turn ends once the connection is back in the pool, i.e. after COMMIT or ROLLBACK
        # has completed (the "commit" event fires before COMMIT runs).
        @event.listens_for(engine.sync_engine, "checkin")
        def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
            if gate.leave(record.info) and checkpointer is not None:
                checkpointer.after_write()


def _switch_to_wal(cursor: Any) -> None:
    # Switching a new file to WAL needs a lock another connection (a second `engage migrate`,
    # or another thread's first connection) may hold for a moment, and SQLite can answer
    # "database is locked" here without calling its busy handler: so wait and try again, as
    # long as the busy timeout allows. (Once the file is in WAL the pragma only reads it.)
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() + delay > deadline:
                raise
        await_(asyncio.sleep(delay))  # on the connection's event loop, not blocking it
        delay = min(delay * 2, 0.1)


def _begin_waiting(connection: Connection, sql: str, *, seconds: float) -> None:
    # Another process holds the write lock: with no busy handler SQLite answers "locked" at
    # once, so wait here, in asyncio (the loop serves other requests meanwhile), and try again.
    deadline = time.monotonic() + seconds
    delay = 0.001
    while True:
        try:
            _begin(connection, sql)
            return
        except DBAPIError as error:
            locked = isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(
                error.orig
            )
            if not locked or time.monotonic() + delay > deadline:
                raise
        await_(asyncio.sleep(delay))
        delay = min(delay * 2, 0.05)


def _begin(connection: Connection, sql: str) -> None:
    # Straight to the driver: one trip to aiosqlite's thread instead of the three (cursor,
    # execute, close) of `exec_driver_sql`, each of which waits for a busy event loop.
    driver = connection.connection.driver_connection
    try:
        await_(driver.execute_fetchall(sql))  # type: ignore[union-attr]
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, [], error, sqlite3.Error) from error


class _WriteGate:
    """One SQLite write transaction at a time per engine, the others waiting in FIFO order.

    Taken lazily when a connection begins its transaction (a `Store.transaction()` that has
    not touched the database yet holds nothing) and given back when the connection returns to
    the pool. Runs inside SQLAlchemy's greenlet, hence `await_`.
    """

    _KEY = "engage_write_turn"

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def enter(self, info: dict[Any, Any]) -> None:
        if self._KEY in info:
            return  # this connection holds the turn already (a second transaction on it)
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await_(_acquire(lock, self._timeout))
        except TimeoutError:
            raise WriterQueueTimeout(
                f"waited {self._timeout:.0f}s for this process's other database writers: a "
                "write transaction is being held open too long (or one was opened inside "
                "another). Look for a slow step inside `store.transaction()`."
            ) from None
        info[self._KEY] = (lock, loop)

    def leave(self, info: dict[Any, Any]) -> bool:
        """Give the turn back; False if this connection did not hold it."""
        held = info.pop(self._KEY, None)
        if held is None:
            return False
        lock, loop = held
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            lock.release()
        else:  # a connection garbage-collected outside its loop
            loop.call_soon_threadsafe(lock.release)
        return True


async def _acquire(lock: asyncio.Lock, seconds: float) -> None:
    async with asyncio.timeout(seconds):
        await lock.acquire()
