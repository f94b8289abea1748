"""Async engine creation: SQLite through aiosqlite, PostgreSQL through asyncpg."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SUPPORTED_SCHEMES = (
    "sqlite+aiosqlite:///path/to/engage.db (or sqlite:///…)",
    "postgresql+asyncpg://user@host/db (or postgresql://… / postgres://…)",
)
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Execution option a connection can set to open its SQLite transaction DEFERRED (read-only use).
SQLITE_BEGIN_OPTION = "engage_sqlite_begin"
_BEGIN = {"IMMEDIATE": "BEGIN IMMEDIATE", "DEFERRED": "BEGIN DEFERRED"}


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


def create_engine(url: str, *, connect_timeout: float = 10.0) -> AsyncEngine:
    """An engine for `url`, with engage's connection settings for the backend."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(parsed)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        parsed, pool_pre_ping=True, connect_args={"timeout": connect_timeout}
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    # The sqlite3 module's own transaction handling opens transactions late (only before DML)
    # and DEFERRED, so a read-then-write transaction can fail with SQLITE_BUSY even with a busy
    # timeout. We take over: BEGIN IMMEDIATE takes the write lock up front, so writers queue
    # on busy_timeout and each transaction is serialisable (this is what makes claiming atomic).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql(_BEGIN[mode])
