"""SQLite work in one call to the driver.

SQLAlchemy's aiosqlite adapter makes four driver calls per statement (cursor, execute, fetch,
close). On a reading connection each is a trip to aiosqlite's thread that waits for a busy event
loop to come round; on the write engine's connections, which run in place
(`storage.inline_sqlite`), each is still a layer of Python. So for the multi-row statements of
a group commit this module hands the driver the whole statement at once (`fetch_all`), or a
whole sequence of statements (`run_on_driver`), in the transaction the connection is in.
Values are converted with the column types' own bind processors, so they are stored exactly as
SQLAlchemy stores them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UtcDateTime

T = TypeVar("T")

_DIALECT = SQLiteDialect_aiosqlite()
_sqlite_time = UtcDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)


def sqlite_time(value: datetime) -> Any:
    """An aware datetime as the SQLite columns of `UtcDateTime` hold it."""
    assert _sqlite_time is not None
    return _sqlite_time(value)


def insert_sql(table: str, columns: Sequence[str], *, rows: int, tail: str) -> str:
    """A multi-row INSERT of `rows` rows, then `tail` (ON CONFLICT, RETURNING). Only our own
    table and column names and `?` placeholders go into the text: every value is a parameter."""
    row = "(" + ", ".join("?" * len(columns)) + ")"
    values = ", ".join([row] * rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} {tail}"  # noqa: S608


async def fetch_all(db: AsyncSession, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Run `sql` on the session's SQLite connection, inside its transaction; its rows. Errors
    are raised as SQLAlchemy's (OperationalError, IntegrityError...), like every other query."""
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    try:
        rows = await raw.driver_connection.execute_fetchall(sql, parameters)  # type: ignore[union-attr]
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, list(parameters), error, sqlite3.Error) from error
    return [tuple(row) for row in rows]


async def run_on_driver(
    connection: AsyncConnection, work: Callable[[sqlite3.Connection], T], *, what: str
) -> T:
    """`work(connection)` on the SQLite connection, inside its transaction, in ONE driver call
    (one trip to aiosqlite's thread where the connection has one): for a sequence of statements
    whose later ones depend on the rows of earlier ones. `work` may run on that thread, so it
    must not touch the event loop. sqlite3 errors are raised as SQLAlchemy's, naming `what` as
    the statement."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    # aiosqlite has no public "run this on the connection": `_execute` is how its own
    # methods do it, and `_conn` the sqlite3 connection they use there. Both exist since
    # aiosqlite 0.17; tests/storage runs this path, so a release without them fails loudly.
    sqlite_connection = driver._conn  # type: ignore[union-attr]
    try:
        result: T = await driver._execute(work, sqlite_connection)  # type: ignore[union-attr]
    except sqlite3.Error as error:
        raise DBAPIError.instance(what, [], error, sqlite3.Error) from error
    return result
