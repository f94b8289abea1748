"""Export tests run on SQLite and, when it is reachable, PostgreSQL (the storage suite's
fixtures), each with the same known dataset loaded (`tests.export.dataset`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.store import SqlStore
from tests.export.dataset import Dataset, load_dataset
from tests.storage.conftest import (  # noqa: F401 - fixtures, shared with the storage suite
    backend,
    database_url,
    empty_database_url,
    now,
    postgres_database,
    postgres_server,
    sqlite_template,
    store,
)


@pytest.fixture
async def dataset(store: SqlStore) -> Dataset:  # noqa: F811 - the imported fixture
    return await load_dataset(store)


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    """A SQLite store for tests that do not depend on the backend (formats, CLI errors)."""
    from storage.migrate import upgrade

    upgrade(sqlite_url)
    opened = SqlStore.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()
