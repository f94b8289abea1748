"""One SQLite statement in one trip to the driver's thread.

aiosqlite runs each SQLite call in a thread of its own; SQLAlchemy's adapter makes four calls
per statement (cursor, execute, fetch, close), and each waits for the event loop to come round.
Under load the loop is busy, so for the multi-row statements of a group commit this module
hands the driver the whole statement at once (`execute_fetchall`), in the transaction the
session's connection is in. Values are converted with the column types' own bind processors, so
they are stored exactly as SQLAlchemy stores them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.types import UtcDateTime

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
