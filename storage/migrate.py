"""Schema migrations: `upgrade(url)` brings a database to the newest schema."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from storage.engine import create_engine, dispose_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL advisory lock held while migrating; any fixed 64-bit number, the same in every
# engage process (migrations/env.py takes it).
MIGRATION_LOCK_KEY = 0x656E67616765  # "engage"
# Alembic keeps its migration context in module globals, so two upgrades in one process must
# take turns; across processes the database's own lock serialises them (see migrations/env.py).
_ALEMBIC_IN_USE = threading.Lock()


def alembic_config() -> Config:
    """Alembic's configuration, built in code (engage ships no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(url: str, *, to: str = "head") -> None:
    """Create or upgrade the schema of the database at `url` to the newest revision (or to
    revision `to`: tests of a data migration start from the one before it).

    Safe when several processes start at once (PostgreSQL: an advisory lock; SQLite: one
    IMMEDIATE transaction). Blocks until done; it runs on a worker thread with its own event
    loop, so it works from sync code and inside a running loop alike. Async callers that must
    not block their loop use `await upgrade_async(url)`.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engage-migrate") as pool:
        pool.submit(lambda: asyncio.run(_upgrade(url, to=to))).result()


async def upgrade_async(url: str) -> None:
    """`upgrade(url)` without blocking the running event loop."""
    await asyncio.to_thread(upgrade, url)


async def _upgrade(url: str, *, to: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_alembic, to)
    finally:
        await dispose_engine(engine)


def _run_alembic(connection: Connection, to: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    with _ALEMBIC_IN_USE:
        command.upgrade(config, to)
