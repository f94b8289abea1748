from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.domain import Platform
from bot.group_commit import GroupCommit, in_transaction
from bot.ports import StoreSession, batch_gathering_turns
from storage.store import PG_GATHER_TURNS, SQLITE_GATHER_TURNS, SqlStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def _claim_all(tx: StoreSession, ids: list[str]) -> list[bool]:
    """Claim event ids in the shared transaction; "bad" ids fail the whole batch."""
    if any(i.startswith("bad") for i in ids):
        raise ValueError(f"cannot store {[i for i in ids if i.startswith('bad')]}")
    claimed = []
    for event_id in ids:
        claimed.append(
            await tx.claim_event(
                platform=Platform.WEB, workspace_id="local", event_id=event_id, now=NOW
            )
        )
    return claimed


async def test_items_queued_together_share_one_transaction(store: SqlStore) -> None:
    writes = GroupCommit(apply=in_transaction(store, _claim_all))
    results = await asyncio.gather(
        *(writes.submit(f"e{n}") for n in range(10)), writes.submit("e0")
    )
    assert results == [True] * 10 + [False]
    assert writes.batches == 1


async def test_a_batch_is_never_larger_than_asked(store: SqlStore) -> None:
    writes = GroupCommit(apply=in_transaction(store, _claim_all), max_batch=4)
    await asyncio.gather(*(writes.submit(f"e{n}") for n in range(10)))
    assert writes.batches == 3


async def test_a_failing_item_fails_alone_and_the_others_are_committed(store: SqlStore) -> None:
    writes = GroupCommit(apply=in_transaction(store, _claim_all))
    results = await asyncio.gather(
        writes.submit("e1"), writes.submit("bad1"), writes.submit("e2"), return_exceptions=True
    )
    assert results[0] is True
    assert isinstance(results[1], ValueError)
    assert results[2] is True
    async with store.transaction() as tx:  # committed: claiming again says "seen"
        assert await _claim_all(tx, ["e1", "e2", "e3"]) == [False, False, True]


async def test_a_caller_that_gives_up_does_not_stop_its_write_or_the_others(
    store: SqlStore,
) -> None:
    writes = GroupCommit(apply=in_transaction(store, _claim_all))
    impatient = asyncio.ensure_future(writes.submit("e1"))
    patient = asyncio.ensure_future(writes.submit("e2"))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient is True
    await writes.aclose()
    async with store.transaction() as tx:
        assert await _claim_all(tx, ["e1"]) == [False]


async def test_stopping_the_worker_fails_every_waiting_caller_instead_of_hanging(
    store: SqlStore,
) -> None:
    started = asyncio.Event()

    async def slow(tx: StoreSession, ids: list[str]) -> list[bool]:
        started.set()
        await asyncio.Event().wait()  # never finishes on its own
        return []

    writes = GroupCommit(apply=in_transaction(store, slow))
    first = asyncio.ensure_future(writes.submit("e1"))
    await started.wait()
    second = asyncio.ensure_future(writes.submit("e2"))
    await asyncio.sleep(0)
    # As when the loop shuts down: every task is cancelled, the worker too.
    (worker,) = [t for t in asyncio.all_tasks() if t.get_name() == "group-commit"]
    worker.cancel()
    await writes.aclose()
    for caller in (first, second):
        with pytest.raises(asyncio.CancelledError):
            await caller


async def test_a_worker_that_gathers_takes_what_arrives_in_its_turns_of_the_loop() -> None:
    batches: list[list[int]] = []

    async def record(items: list[int]) -> list[int]:
        batches.append(items)
        return items

    async def one_a_turn(writes: GroupCommit[int, int]) -> list[int]:
        submitted = []
        for n in range(6):  # one item a turn, as requests read one after another would be
            submitted.append(asyncio.ensure_future(writes.submit(n)))
            await asyncio.sleep(0)
        return list(await asyncio.gather(*submitted))

    assert await one_a_turn(GroupCommit(apply=record)) == list(range(6))
    eager = [len(batch) for batch in batches]
    batches.clear()
    assert await one_a_turn(GroupCommit(apply=record, gather_turns=3)) == list(range(6))
    gathered = [len(batch) for batch in batches]
    assert max(eager) == 1  # taken at once: a batch per item
    assert gathered[0] >= 3  # the first batch waited for the items of the next turns
    assert len(gathered) < len(eager)


async def test_stores_gather_more_turns_on_sqlite_than_on_postgresql() -> None:
    sqlite = SqlStore.open("sqlite+aiosqlite:///:memory:")
    postgres = SqlStore.open("postgresql+asyncpg://nobody@127.0.0.1:1/none")  # never connected
    try:
        assert batch_gathering_turns(sqlite) == SQLITE_GATHER_TURNS > 0
        # SQLite's writes hold the loop, so its batches gather longer than PostgreSQL's,
        # whose round trip lets requests be read while a batch is out.
        assert batch_gathering_turns(postgres) == PG_GATHER_TURNS > 0
        assert SQLITE_GATHER_TURNS > PG_GATHER_TURNS
    finally:
        await sqlite.close()
        await postgres.close()
