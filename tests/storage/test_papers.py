"""Papers and versioned sections."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.store import SqlStore
from tests.storage.samples import paper, rich_section, section


async def test_paper_round_trip_keeps_the_block_tree_identical(
    store: SqlStore, now: datetime
) -> None:
    original = paper()
    async with store.transaction() as tx:
        await tx.save_paper(paper=original, now=now)
    async with store.transaction() as tx:
        loaded = await tx.load_paper(paper_id="example")
    assert loaded == original


async def test_unknown_paper_and_section_are_none(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        await tx.save_paper(paper=paper(), now=now)
        assert await tx.load_paper(paper_id="nope") is None
        assert await tx.get_section(paper_id="example", section_id="nope") is None
        assert await tx.get_section(paper_id="example", section_id="costs", version="x") is None


async def test_new_version_becomes_current_and_old_version_stays_retrievable(
    store: SqlStore, now: datetime
) -> None:
    first = paper()
    changed = section("costs", ordinal=1, version="v2")
    second = paper(rich_section(), changed, section("people", ordinal=2), version="p2")
    async with store.transaction() as tx:
        await tx.save_paper(paper=first, now=now)
    async with store.transaction() as tx:
        await tx.save_paper(paper=second, now=now + timedelta(hours=1))

    async with store.transaction() as tx:
        loaded = await tx.load_paper(paper_id="example")
        current = await tx.get_section(paper_id="example", section_id="costs")
        old = await tx.get_section(paper_id="example", section_id="costs", version="v1")
    assert loaded == second
    assert current == changed
    assert old == first.section("costs")


async def test_reloading_an_unchanged_paper_changes_nothing(store: SqlStore, now: datetime) -> None:
    original = paper()
    async with store.transaction() as tx:
        await tx.save_paper(paper=original, now=now)
        await tx.save_paper(paper=original, now=now)
    async with store.transaction() as tx:
        assert await tx.load_paper(paper_id="example") == original


async def test_sections_dropped_from_the_paper_stop_being_current(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        await tx.save_paper(paper=paper(), now=now)
        shorter = paper(section("people", ordinal=0), version="p2")
        await tx.save_paper(paper=shorter, now=now)
    async with store.transaction() as tx:
        loaded = await tx.load_paper(paper_id="example")
        assert await tx.get_section(paper_id="example", section_id="costs") is None
        kept = await tx.get_section(paper_id="example", section_id="costs", version="v1")
    assert loaded == shorter
    assert kept is not None


async def test_reordered_sections_load_in_the_new_order(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        await tx.save_paper(paper=paper(), now=now)
        swapped = paper(section("people", ordinal=0), section("costs", ordinal=1), version="p3")
        await tx.save_paper(paper=swapped, now=now)
        loaded = await tx.load_paper(paper_id="example")
    assert loaded is not None
    assert [s.id for s in loaded.sections] == ["people", "costs"]
