"""Channels."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Channel, Platform
from storage.store import SqlStore


def names(channels: Sequence[Channel]) -> list[str]:
    return [c.name for c in channels]


async def test_upsert_creates_then_updates_and_keeps_tags(store: SqlStore) -> None:
    async with store.transaction() as tx:
        created = await tx.upsert_channel(
            platform=Platform.TEAMS, workspace_id="tenant", external_id="19:abc", name="General"
        )
        await tx.set_channel_tags(channel_id=created.id, tags=frozenset({"sector:la", "pilot"}))
    async with store.transaction() as tx:
        updated = await tx.upsert_channel(
            platform=Platform.TEAMS,
            workspace_id="tenant",
            external_id="19:abc",
            name="General (renamed)",
            reference={"serviceUrl": "https://smba.example/", "conversation": {"id": "19:abc"}},
        )
    assert updated.id == created.id
    assert updated.name == "General (renamed)"
    assert updated.tags == frozenset({"sector:la", "pilot"})
    assert updated.reference == {
        "serviceUrl": "https://smba.example/",
        "conversation": {"id": "19:abc"},
    }


async def test_get_and_find_channel(store: SqlStore) -> None:
    async with store.transaction() as tx:
        made = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="c"
        )
        assert await tx.get_channel(channel_id=made.id) == made
        assert (
            await tx.find_channel(platform=Platform.SLACK, workspace_id="T1", external_id="C1")
            == made
        )
        assert (
            await tx.find_channel(platform=Platform.SLACK, workspace_id="T2", external_id="C1")
            is None
        )
        assert await tx.get_channel(channel_id=made.id + 100) is None
    assert made.reference is None


async def test_list_by_tag_platform_and_activity(store: SqlStore) -> None:
    async with store.transaction() as tx:
        la = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="la"
        )
        gov = await tx.upsert_channel(
            platform=Platform.TEAMS, workspace_id="X", external_id="19:a", name="gov"
        )
        gone = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C2", name="gone"
        )
        await tx.set_channel_tags(channel_id=la.id, tags=frozenset({"sector:la"}))
        await tx.set_channel_tags(channel_id=gone.id, tags=frozenset({"sector:la"}))
        await tx.set_channel_tags(channel_id=gov.id, tags=frozenset({"sector:gov"}))
        await tx.set_channel_active(channel_id=gone.id, active=False)

        assert names(await tx.list_channels()) == ["la", "gov"]
        assert names(await tx.list_channels(tag="sector:la")) == ["la"]
        assert names(await tx.list_channels(tag="sector:la", active_only=False)) == ["la", "gone"]
        assert names(await tx.list_channels(platform=Platform.TEAMS)) == ["gov"]
        assert names(await tx.list_channels(platform=Platform.WEB)) == []


async def test_reinstall_reactivates_a_channel(store: SqlStore) -> None:
    async with store.transaction() as tx:
        made = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="c"
        )
        off = await tx.set_channel_active(channel_id=made.id, active=False)
        again = await tx.upsert_channel(
            platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="c"
        )
    assert not off.active
    assert again.active
