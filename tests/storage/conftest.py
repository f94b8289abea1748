"""The storage contract suite runs every test against SQLite and against PostgreSQL.

SQLite: each test gets a copy of a database file migrated once per session with `upgrade`.
PostgreSQL: one database per session (`engage_test_<random>`, dropped at the end), migrated with
`upgrade`, its tables emptied before each test. `ENGAGE_TEST_POSTGRES_URL` names the server.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.sql import Executable

from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import METADATA

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
T = TypeVar("T")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


def run_in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine on its own loop, whatever loop the calling thread may have."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class PostgresServer:
    """The PostgreSQL server the suite creates its scratch databases on."""

    def __init__(self, url: URL) -> None:
        self.url = url

    def database_url(self, name: str) -> str:
        return self.url.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )

    async def execute(
        self,
        *statements: str | Executable,
        database: str | None = None,
        connect_timeout: float = 10,
    ) -> None:
        """Run statements one by one outside a transaction (CREATE DATABASE needs that)."""
        engine = create_async_engine(
            self.url.set(drivername="postgresql+asyncpg", database=database or self.url.database),
            isolation_level="AUTOCOMMIT",
            connect_args={"timeout": connect_timeout},
        )
        try:
            async with engine.connect() as connection:
                for statement in statements:
                    await connection.execute(
                        text(statement) if isinstance(statement, str) else statement
                    )
        finally:
            await engine.dispose()

    def create_database(self) -> str:
        name = f"engage_test_{secrets.token_hex(6)}"
        run_in_thread(lambda: self.execute(f'CREATE DATABASE "{name}"'))
        return name

    def drop_database(self, name: str) -> None:
        run_in_thread(lambda: self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_server() -> PostgresServer:
    url = make_url(os.environ.get("ENGAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    server = PostgresServer(url)

    try:
        run_in_thread(lambda: server.execute("SELECT 1", connect_timeout=2))
    except (OSError, SQLAlchemyError, TimeoutError) as exc:
        pytest.skip(
            f"PostgreSQL not reachable at {url.host}:{url.port}: {exc}; "
            "the storage contract suite ran on SQLite only"
        )
    return server


@pytest.fixture(scope="session")
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A migrated database shared by the session's PostgreSQL tests."""
    name = postgres_server.create_database()
    url = postgres_server.database_url(name)
    try:
        upgrade(url)
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "engage.db"
    upgrade(sqlite_url(path))
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database for one test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "engage.db"
        shutil.copyfile(template, path)
        return sqlite_url(path)
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url: str = request.getfixturevalue("postgres_database")
    # DELETE is several times faster than TRUNCATE on tables this small.
    deletes = [table.delete() for table in reversed(METADATA.sorted_tables)]
    run_in_thread(lambda: server.execute(*deletes, database=make_url(url).database))
    return url


@pytest.fixture
def empty_database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[str]:
    """A database with no tables at all (for migration tests)."""
    if backend == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.database_url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = SqlStore.open(database_url)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
