"""A pooled connection the server closed is replaced, not handed out (PostgreSQL)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.store import SqlStore
from tests.storage.helpers import query


async def test_a_connection_the_server_closed_is_replaced(postgres_database: str) -> None:
    # PostgreSQL only (SQLite connections are files: no server can close them).
    store = SqlStore.open(postgres_database)
    try:
        pid = await _backend_pid(store)
        # The connection is back in the pool; the server now ends it (as a restart would), and
        # waits until its process is gone.
        end = text("SELECT pg_terminate_backend(:pid, 5000)").bindparams(pid=pid)
        assert (await query(postgres_database, end))[0][0] is True
        await asyncio.sleep(0.05)  # a turn of the loop, in which asyncpg reads the socket
        assert await _backend_pid(store) != pid
    finally:
        await store.close()


async def _backend_pid(store: SqlStore) -> int:
    async with store.transaction() as tx:
        connection = await tx._db.connection()
        pid: int = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        return pid
