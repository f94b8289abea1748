"""`ArrowSnapshot`: a read-only snapshot of the database whose queries come back as Arrow.

Exports stream every response the consultation holds, a million rows and more. Through the
async drivers each row becomes Python objects on its way to the file, and that per-row Python
was most of an export's time. An ADBC connection (the Arrow project's database drivers, in C)
returns record batches instead: the database shapes the rows, the driver fills Arrow columns,
and Arrow writes the CSV, with no Python object per row.

Queries are SQLAlchemy Core statements like everywhere else, compiled here for the dialect and
run with positional parameters converted by the column types' own bind processors, so values
compare exactly as the rest of the store writes them.

The connection is our own, opened on the store's URL, and holds one transaction for its whole
life: SQLite reads one WAL snapshot (DEFERRED; the file is opened read-only), PostgreSQL one
REPEATABLE READ READ ONLY snapshot. Its calls block, so async callers run them in a thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import adbc_driver_manager.dbapi as adbc
import pyarrow as pa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.sql import Executable

from bot.errors import EngageError
from storage.engine import SQLITE_BUSY_TIMEOUT_MS, normalise_url

_SQLITE_BATCH_ROWS = "adbc.sqlite.query.batch_rows"


class SnapshotUnavailable(EngageError):
    """The database cannot be read through a connection of our own (an in-memory SQLite
    database, a server that refuses the connection)."""


class ArrowSnapshot:
    """A read-only transaction on an ADBC connection of its own; see the module's docstring."""

    def __init__(self, *, connection: adbc.Connection, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect
        self.name = dialect.name

    @classmethod
    def open(cls, url: str | URL) -> ArrowSnapshot:
        """Connect to the store's database and begin the snapshot's transaction."""
        parsed = normalise_url(url) if isinstance(url, str) else url
        try:
            if parsed.get_backend_name() == "sqlite":
                snapshot = cls._open_sqlite(parsed)
            elif parsed.get_backend_name() == "postgresql":
                snapshot = cls._open_postgresql(parsed)
            else:
                raise SnapshotUnavailable(f"no snapshot reader for {parsed.get_backend_name()}")
        except adbc.Error as error:
            raise SnapshotUnavailable(f"could not open a read-only snapshot: {error}") from error
        return snapshot

    @classmethod
    def _open_sqlite(cls, url: URL) -> ArrowSnapshot:
        import adbc_driver_sqlite.dbapi as sqlite_adbc

        if url.database in (None, "", ":memory:"):
            raise SnapshotUnavailable(
                "an in-memory SQLite database is private to the process that holds it; "
                "export from a database file (ENGAGE_DATABASE_URL=sqlite+aiosqlite:///engage.db)"
            )
        connection = sqlite_adbc.connect(f"file:{url.database}?mode=ro", autocommit=True)
        snapshot = cls(connection=connection, dialect=SQLiteDialect_aiosqlite())
        snapshot._run(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        snapshot._run("BEGIN DEFERRED")
        return snapshot

    @classmethod
    def _open_postgresql(cls, url: URL) -> ArrowSnapshot:
        import adbc_driver_postgresql.dbapi as postgresql_adbc

        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        connection = postgresql_adbc.connect(plain, autocommit=True)
        snapshot = cls(connection=connection, dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
        snapshot._run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return snapshot

    def all(self, query: Executable) -> list[tuple[Any, ...]]:
        """Every row of a (small) query, as tuples of Python values."""
        sql, parameters = self._compile(query)
        with self._connection.cursor() as cursor:
            cursor.execute(sql, parameters=parameters or None)
            return [tuple(row) for row in cursor.fetchall()]

    def batches(self, query: Executable, *, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """The query's rows as record batches of about `batch_rows` rows."""
        sql, parameters = self._compile(query)
        with self._connection.cursor() as cursor:
            if self.name == "sqlite":
                cursor.adbc_statement.set_options(**{_SQLITE_BATCH_ROWS: str(batch_rows)})
            cursor.execute(sql, parameters=parameters or None)
            reader = cursor.fetch_record_batch()
            yield from reader

    def close(self) -> None:
        """End the snapshot's transaction and the connection."""
        try:
            self._run("ROLLBACK")
        finally:
            self._connection.close()

    def _run(self, sql: str) -> None:
        with self._connection.cursor() as cursor:
            cursor.execute(sql)

    def _compile(self, query: Executable) -> tuple[str, Sequence[Any]]:
        compiled = query.compile(  # type: ignore[attr-defined]
            dialect=self._dialect, compile_kwargs={"render_postcompile": True}
        )
        values = compiled.construct_params()
        processors = compiled._bind_processors
        names = compiled.positiontup or ()
        parameters = [
            processors[name](values[name]) if name in processors else values[name] for name in names
        ]
        return compiled.string, parameters
