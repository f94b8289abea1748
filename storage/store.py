"""`SqlStore`: the `Store` port over SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.ports import NewAddition
from storage.engine import (
    SQLITE_BEGIN_OPTION,
    connected,
    create_engine,
    create_read_engine,
    dispose_engine,
)
from storage.repos.additions import store_additions_on
from storage.session import SqlStoreSession

log = logging.getLogger(__name__)

PG_PARALLEL_WRITES = 1
# SQLite's write statements run on the event loop's own thread (`storage.inline_sqlite`), so
# no request is read while a batch is stored, and a group commit that took its queue at once
# would hold only what arrived in one turn; each batch has a fixed cost (connection,
# transaction, commit) besides its rows. Letting a few turns go by first gathers the requests
# being read meanwhile: in `bench/slack_ingest.py`, batches of ~45 events instead of ~13 and
# about a fifth more events a second (4 turns; 2 gathered less, 8 no more).
SQLITE_GATHER_TURNS = 4
# On PostgreSQL one batch's round trip gathers the next, but a worker that took the queue the
# moment a big batch came back found only what arrived in that turn: batches swung between
# most of the clients and one or two, and while the big one was out the loop sat idle. One
# turn let go by first evens them out: in `bench/slack_ingest.py`, batches of ~31 instead of
# ~25, the loop idle ~8% of the time instead of ~13%, and ~10% more events a second (1 turn;
# 2 no more; two batches in flight gathered half as much and cost more per event).
PG_GATHER_TURNS = 1


class SqlStore:
    """A database reached through an async engine; hands out one session per transaction.

    On SQLite, write transactions of this process take turns in asyncio (see
    `storage.engine`), and `reading()` transactions use connections of their own that can only
    read, so they neither wait for writers nor hold them up.

    `SqlStore.open(url)` does not create tables: run `storage.migrate.upgrade(url)` first.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        read_engine: AsyncEngine | None = None,
        ping_timeout: float = 2.0,
    ) -> None:
        self._engine = engine
        self._read_engine = read_engine
        self._ping_timeout = ping_timeout
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        if read_engine is not None:
            reader = read_engine
        elif engine.dialect.name == "postgresql":
            reader = engine.execution_options(postgresql_readonly=True)
        else:
            # An in-memory SQLite database lives in one connection: reads take their turn too.
            reader = engine
        self._read_sessions = async_sessionmaker(
            reader, class_=AsyncSession, expire_on_commit=False
        )

    @classmethod
    def open(cls, url: str, *, ping_timeout: float = 2.0) -> SqlStore:
        """A store for `url` (sqlite / postgresql); raises ValueError for other schemes."""
        return cls(
            create_engine(url), read_engine=create_read_engine(url), ping_timeout=ping_timeout
        )

    @property
    def dialect(self) -> str:
        """The backend's name: "sqlite" or "postgresql"."""
        return self._engine.dialect.name

    @property
    def parallel_writes(self) -> int:
        """How many write transactions are worth running at once: SQLite's take turns."""
        return 1 if self.dialect == "sqlite" else PG_PARALLEL_WRITES

    @property
    def gather_turns(self) -> int:
        """Turns of the event loop a group commit lets go by before it takes a batch."""
        return SQLITE_GATHER_TURNS if self.dialect == "sqlite" else PG_GATHER_TURNS

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlStoreSession]:
        """A transaction; commits when the block ends, rolls back if it raises."""
        async with self._sessions() as db, db.begin():
            yield SqlStoreSession(db, dialect=self.dialect)

    async def store_additions(
        self, *, additions: Sequence[NewAddition], now: datetime
    ) -> list[bool]:
        """`StoreSession.store_additions` in a transaction of its own, the cheapest way the
        backend allows: on PostgreSQL its one statement in autocommit mode (one round trip, no
        BEGIN and COMMIT), on SQLite a Core connection's transaction (no ORM session)."""
        async with connected(self._engine) as conn:
            if self.dialect != "sqlite":
                # One statement is atomic on its own (its data-modifying CTEs commit together):
                # in autocommit mode the driver sends no BEGIN or COMMIT around it.
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            async with conn.begin():
                return await store_additions_on(
                    conn, dialect=self.dialect, additions=additions, now=now
                )

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlStoreSession]:
        """A transaction that only reads, from one consistent snapshot; writing in it fails
        (SQLite `query_only`, PostgreSQL `READ ONLY`)."""
        async with self._read_sessions() as db, db.begin():
            yield SqlStoreSession(db, dialect=self.dialect)

    async def ping(self) -> bool:
        """True when the database answers `SELECT 1` within the ping timeout."""
        try:
            async with asyncio.timeout(self._ping_timeout), self._engine.connect() as conn:
                # DEFERRED on SQLite, so a health check never queues behind a writer.
                await conn.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
                await conn.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("database ping failed: %s", exc)
            return False
        return True

    async def close(self) -> None:
        """Close every pooled connection."""
        await dispose_engine(self._engine)
        if self._read_engine is not None:
            await self._read_engine.dispose()
