"""SQLite write connections whose statements run on the event loop's own thread.

aiosqlite runs every call on a thread of its own and hands the result back through the event
loop. For the short statements of engage's write transactions that hand-off costs more than
the statement: each call waits for a busy loop to come round, the two threads contend for the
GIL, and on a two-core machine the extra thread competes with the server for a core. In
`bench/slack_ingest.py` on SQLite, engage went from about 0.6 to about 0.67 of the throughput
of its Slack adapter with storage taken out, once the same statements ran in place.

So the write engine's connections are aiosqlite connections whose calls run in place
(`InlineConnection`): SQLAlchemy, the repositories and the transactions stay as they are. What
could make a statement wait is kept off this path instead:

- the busy handler is off (`PRAGMA busy_timeout=0`): `BEGIN IMMEDIATE`, the only statement that
  waits for another process's writer once the file is in WAL mode, is retried with `asyncio`
  sleeps (`storage.engine`), so the loop keeps serving while it waits;
- automatic checkpoints are off on these connections: the fsyncs of a checkpoint run on a thread
  of their own (`Checkpointer`), started after a write when the last one is a while ago.

Reads (`SqlStore.reading()`) keep aiosqlite's thread: a report's queries can take a while.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 0.25  # seconds: how much WAL may build up between checkpoints under load


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs its calls on the caller's thread (the event loop's).

    Connecting, closing and SQLAlchemy's isolation-level setter still go through aiosqlite's
    worker thread (they use its queue directly), hence `check_same_thread=False`: the sqlite3
    connection is used by one thread at a time, never by two at once.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        # aiosqlite's methods all funnel through `_execute` (a private name, present since
        # 0.17; tests/storage runs every statement through it, so a release without it fails
        # loudly).
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def inline_connect(database: str, **kwargs: Any) -> InlineConnection:
    """`aiosqlite.connect`, for an `InlineConnection`."""
    options = {**kwargs, "check_same_thread": False}

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **options)
        return connection

    connection = InlineConnection(connector, iter_chunk_size=64)
    # Like SQLAlchemy's own aiosqlite connect: the worker thread must not keep the process up.
    connection._thread.daemon = True
    return connection


class Checkpointer:
    """Copies the WAL back into the database file on a thread of its own.

    `after_write()` is called when a write transaction has ended; it starts a PASSIVE
    checkpoint (which neither waits for nor blocks readers and writers) unless one is running
    or one started less than `every` seconds ago. Its connection belongs to its one thread.
    """

    def __init__(self, *, database: str, uri: bool, every: float = CHECKPOINT_EVERY) -> None:
        self._database = database
        self._uri = uri
        self._every = every
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._running: asyncio.Future[None] | None = None
        self._started = 0.0
        self._pending = False

    def after_write(self) -> None:
        self._pending = True
        if self._running is not None and not self._running.done():
            return
        now = time.monotonic()
        if now - self._started < self._every:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a connection garbage-collected outside its loop: the next write checkpoints
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint")
        self._started, self._pending = now, False
        self._running = loop.run_in_executor(self._executor, self._checkpoint)
        self._running.add_done_callback(_log_failure)

    async def close(self) -> None:
        """Wait for a running checkpoint, run a last one if writes came since, and stop."""
        if self._running is not None:
            await asyncio.gather(self._running, return_exceptions=True)
        if self._executor is None:
            return
        loop = asyncio.get_running_loop()
        if self._pending:
            await asyncio.gather(
                loop.run_in_executor(self._executor, self._checkpoint), return_exceptions=True
            )
        await loop.run_in_executor(self._executor, self._close_connection)
        self._executor.shutdown(wait=True)
        self._executor = None

    def _checkpoint(self) -> None:
        if self._connection is None:
            self._connection = sqlite3.connect(self._database, uri=self._uri)
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _log_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and (error := done.exception()) is not None:
        log.warning("SQLite checkpoint failed (it is tried again after the next write): %s", error)
