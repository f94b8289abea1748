"""Participants and inbound-event deduplication."""

from __future__ import annotations

import re
from datetime import datetime

from bot.domain import Platform
from storage.store import SqlStore


async def test_claim_event_dedupes_within_one_transaction(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        first = await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="Ev1", now=now
        )
        again = await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="Ev1", now=now
        )
        # The duplicate must not have broken the transaction: later work still succeeds.
        other = await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="Ev2", now=now
        )
    assert (first, again, other) == (True, False, True)


async def test_claim_event_dedupes_across_transactions(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        assert await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="Ev1", now=now
        )
    async with store.transaction() as tx:
        assert not await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="Ev1", now=now
        )
        # The same id from another workspace or platform is another event.
        assert await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T2", event_id="Ev1", now=now
        )
        assert await tx.claim_event(
            platform=Platform.TEAMS, workspace_id="T1", event_id="Ev1", now=now
        )


async def test_participant_gets_a_stable_pseudonymous_key(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        first = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U1",
            display_name="Ada",
            organisation=None,
            now=now,
        )
    async with store.transaction() as tx:
        again = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U1",
            display_name=None,
            organisation="Borough Council",
            now=now,
        )
        other = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U2",
            display_name=None,
            organisation=None,
            now=now,
        )
    assert re.fullmatch(r"p_[0-9a-f]{12}", first.key)
    assert again.id == first.id
    assert again.key == first.key
    assert again.display_name == "Ada"
    assert again.organisation == "Borough Council"
    assert other.key != first.key
    assert "U1" not in first.key


async def test_find_participant_finds_only_people_who_have_acted(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        assert (
            await tx.find_participant(platform=Platform.WEB, workspace_id="local", user_id="w_1")
            is None
        )
        created = await tx.upsert_participant(
            platform=Platform.WEB,
            workspace_id="local",
            user_id="w_1",
            display_name="Ada",
            organisation=None,
            now=now,
        )
    async with store.transaction() as tx:
        found = await tx.find_participant(
            platform=Platform.WEB, workspace_id="local", user_id="w_1"
        )
        other_workspace = await tx.find_participant(
            platform=Platform.WEB, workspace_id="elsewhere", user_id="w_1"
        )
    assert found == created
    assert other_workspace is None
