"""Participants and inbound-event deduplication."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from bot.domain import Platform
from storage.repos.people import new_participant_key, replacement_participant_key
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
    assert re.fullmatch(r"p_[0-9a-f]{20}", first.key)
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


def test_participant_keys_sort_by_the_millisecond_they_were_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Later keys must go in at the end of the key's index (a burst of newcomers then writes a
    # few index pages per commit, not one per person), and keys of one millisecond still differ.
    made = iter([1_700_000_000_123_456_789, 1_700_000_000_123_999_999, 1_700_000_000_124_000_000])
    monkeypatch.setattr(time, "time_ns", lambda: next(made))
    first, same_millisecond, next_millisecond = (new_participant_key() for _ in range(3))
    assert first[:14] == same_millisecond[:14] == "p_018bcfe5687b"
    assert first != same_millisecond
    assert max(first, same_millisecond) < next_millisecond


def test_an_erased_participants_new_key_carries_no_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: 1_700_000_000_123_456_789)
    keys = [replacement_participant_key() for _ in range(20)]
    assert all(re.fullmatch(r"p_[0-9a-f]{20}", key) for key in keys)
    # Random, not dated: made in the same millisecond, dated keys would share their start.
    assert len({key[:14] for key in keys}) > 1
