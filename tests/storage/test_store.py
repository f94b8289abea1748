"""Transactions, health checks and timestamps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from bot.domain import Platform
from bot.ports import Store, StoreSession
from storage.engine import connected, create_engine, dispose_engine
from storage.store import SqlStore
from tests.storage.helpers import channel, member, sent_post, ticking


class Boom(Exception):
    pass


async def test_an_exception_inside_a_transaction_writes_nothing(
    store: SqlStore, now: datetime
) -> None:
    async def write_then_fail() -> None:
        async with store.transaction() as tx:
            made = await channel(tx)
            await tx.append_audit(actor="cli", action="x", detail={}, now=now)
            await tx.claim_event(platform=Platform.SLACK, workspace_id="T1", event_id="e", now=now)
            assert await tx.get_channel(channel_id=made.id) is not None
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    async with store.transaction() as tx:
        assert await tx.list_channels(active_only=False) == []
        assert await tx.list_audit() == []
        assert await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="e", now=now
        )


async def test_sql_store_implements_the_store_port(store: SqlStore) -> None:
    # The annotations are the test: mypy checks both against the Protocols.
    port: Store = store
    async with port.transaction() as tx:
        session: StoreSession = tx
        assert await session.list_audit() == []


async def test_ping_is_true_for_a_live_database(store: SqlStore) -> None:
    assert await store.ping()


async def test_timestamps_come_back_aware_utc(store: SqlStore, now: datetime) -> None:
    paris = now.astimezone(timezone(timedelta(hours=1)))
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=paris)
        ada = await member(tx, user_id="U1", now=paris)
        reply = await tx.add_reply(
            post_id=post.id, participant_id=ada.id, external_id="r", text="t", now=paris
        )
        entry = await tx.append_audit(actor="a", action="b", detail={}, now=paris)
    async with store.transaction() as tx:
        stored = await tx.get_post(post_id=post.id)
        (listed,) = await tx.list_replies(post_id=post.id)
        (audit,) = await tx.list_audit()
    assert stored is not None
    for value in (stored.created_at, stored.sent_at, listed.created_at, audit.at):
        assert value == now
        assert value is not None
        assert value.tzinfo == UTC
    assert reply.created_at == now
    assert entry.at == now


async def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    async def write_naive() -> None:
        async with store.transaction() as tx:
            await tx.append_audit(actor="a", action="b", detail={}, now=datetime(2026, 1, 1))

    with pytest.raises(Exception, match="naive datetime"):
        await write_naive()


async def test_a_connection_from_connected_is_closed_without_a_turn_of_the_loop(
    database_url: str,
) -> None:
    # A group commit's callers get their answers only once the connection is back in the
    # pool: SQLAlchemy's own `async with` closes it in a task of its own, turns of a busy loop.
    engine = create_engine(database_url)
    try:
        async with ticking() as turns:
            await asyncio.sleep(0)
            before = turns.count
            await asyncio.sleep(0)
            assert turns.count > before  # the ticker counts turns of the loop
            async with connected(engine) as connection:
                async with connection.begin():
                    await connection.execute(text("SELECT 1"))
                closing = turns.count
            assert turns.count == closing
    finally:
        await dispose_engine(engine)
