"""Migrations: an empty database upgraded to head matches the table definitions exactly."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

from adapters.slack.installation_tables import METADATA as SLACK_METADATA
from storage.engine import create_engine, dispose_engine
from storage.migrate import MIGRATION_LOCK_KEY, upgrade
from storage.tables import METADATA

# Every table definition the migrations create: the core's, and the Slack adapter's
# OAuth installation tables (migration 0002).
ALL_METADATA = [METADATA, SLACK_METADATA]
ALL_TABLES = {name for metadata in ALL_METADATA for name in metadata.tables}


def differences_from(connection: Connection, metadata: MetaData) -> list[Any]:
    """Alembic's differences between the database and `metadata`, for its tables only."""

    def ours(name: str | None, kind: str, _parents: object) -> bool:
        return kind != "table" or name in metadata.tables

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": ours}
    )
    return list(compare_metadata(context, metadata))


def schema_of(url: str) -> tuple[set[str], list[Any]]:
    """The tables of the database and alembic's differences from the table definitions."""

    def read(connection: Connection) -> tuple[set[str], list[Any]]:
        differences = [d for m in ALL_METADATA for d in differences_from(connection, m)]
        return set(inspect(connection).get_table_names()), differences

    async def run() -> tuple[set[str], list[Any]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(read)
        finally:
            await dispose_engine(engine)

    return asyncio.run(run())


def test_upgrading_an_empty_database_creates_exactly_the_tables(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    tables, differences = schema_of(empty_database_url)
    assert tables == {*ALL_TABLES, "alembic_version"}
    assert differences == []


def test_upgrading_twice_is_a_no_op(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    upgrade(empty_database_url)
    assert schema_of(empty_database_url)[1] == []


WAITING_FOR_ADVISORY_LOCKS = text(
    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()"
)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_two_processes_starting_together_migrate_once(empty_database_url: str) -> None:
    # Hold the migration lock while both processes start, so both are certain to be queued on
    # it at the same moment; then let them go and check both succeed on one clean schema.
    engine = create_engine(empty_database_url)
    script = "import sys; from storage.migrate import upgrade; upgrade(sys.argv[1])"
    try:
        async with engine.connect() as holder:
            await holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            processes = [
                await asyncio.create_subprocess_exec(
                    sys.executable, "-c", script, empty_database_url, stderr=subprocess.PIPE
                )
                for _ in range(2)
            ]
            async with engine.connect() as watcher, asyncio.timeout(30):
                while (await watcher.execute(WAITING_FOR_ADVISORY_LOCKS)).scalar_one() < 2:
                    await watcher.rollback()
                    await asyncio.sleep(0.05)
            await holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            outputs = [await process.communicate() for process in processes]
    finally:
        await dispose_engine(engine)
    assert [p.returncode for p in processes] == [0, 0], [err.decode() for _, err in outputs]
    assert await asyncio.to_thread(lambda: schema_of(empty_database_url)[1]) == []


def test_two_threads_upgrading_at_once_both_succeed(empty_database_url: str) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        for result in [pool.submit(upgrade, empty_database_url) for _ in range(2)]:
            result.result(timeout=30)
    assert schema_of(empty_database_url)[1] == []


async def test_upgrade_can_be_called_from_inside_a_running_loop(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert schema_of_in_thread(empty_database_url) == []


def schema_of_in_thread(url: str) -> list[Any]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(schema_of, url).result()[1]
