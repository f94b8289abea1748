"""Many rows per statement: what a group commit of inbound events and deliveries uses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.domain import Platform, PostKind, PostState
from bot.ports import EventKey, NewParticipant, NewPost, NewReaction, PersonKey
from storage.repos.base import NotFound
from storage.store import SqlStore
from tests.storage.helpers import channel, member, sent_post


def key(event_id: str, workspace_id: str = "T1") -> EventKey:
    return EventKey(Platform.SLACK, workspace_id, event_id)


def person(user_id: str) -> PersonKey:
    return PersonKey(Platform.SLACK, "T1", user_id)


async def test_claim_events_returns_only_ids_not_seen_before(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        assert await tx.claim_events(keys=[key("a")], now=now) == {key("a")}
    async with store.transaction() as tx:
        claimed = await tx.claim_events(
            keys=[key("a"), key("b"), key("b"), key("a", workspace_id="T2")], now=now
        )
        assert await tx.claim_events(keys=[], now=now) == set()
    assert claimed == {key("b"), key("a", workspace_id="T2")}
    async with store.transaction() as tx:
        assert not await tx.claim_event(
            platform=Platform.SLACK, workspace_id="T1", event_id="b", now=now
        )


async def test_upsert_participants_creates_updates_and_merges_in_one_go(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        ada = await tx.upsert_participant(
            platform=Platform.SLACK,
            workspace_id="T1",
            user_id="U1",
            display_name="Ada",
            organisation="Northshire",
            now=now,
        )
    async with store.transaction() as tx:
        stored = await tx.upsert_participants(
            people=[
                NewParticipant(person=person("U1"), organisation="Southshire"),
                NewParticipant(person=person("U2"), display_name="Bo"),
                NewParticipant(person=person("U2"), organisation="Eastshire"),
            ],
            now=now,
        )
    assert set(stored) == {person("U1"), person("U2")}
    again = stored[person("U1")]
    # Same person and key; the name not given is kept, the organisation given replaces.
    assert (again.id, again.key, again.display_name) == (ada.id, ada.key, "Ada")
    assert again.organisation == "Southshire"
    bo = stored[person("U2")]
    assert (bo.display_name, bo.organisation) == ("Bo", "Eastshire")
    assert bo.key != ada.key
    async with store.transaction() as tx:
        found = await tx.find_participant(platform=Platform.SLACK, workspace_id="T1", user_id="U2")
    assert found == bo


async def test_add_reactions_stores_new_ones_and_makes_withdrawn_ones_stand(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        bo = await member(tx, user_id="U2", now=now)
        await tx.add_reaction(
            post_id=post.id, participant_id=ada.id, emoji="tada", message_id="m1", now=now
        )
        await tx.remove_reaction(post_id=post.id, participant_id=ada.id, emoji="tada", now=now)
        await tx.add_reaction(
            post_id=post.id, participant_id=bo.id, emoji="eyes", message_id="m1", now=now
        )

    def reaction(participant_id: int, emoji: str) -> NewReaction:
        return NewReaction(
            post_id=post.id, participant_id=participant_id, emoji=emoji, message_id="m1"
        )

    async with store.transaction() as tx:
        new = await tx.add_reactions(
            reactions=[
                reaction(ada.id, "tada"),  # withdrawn: stands again
                reaction(bo.id, "eyes"),  # standing: left alone
                reaction(bo.id, "bulb"),  # new
                reaction(bo.id, "bulb"),  # the same twice in one batch
            ],
            now=now + timedelta(minutes=1),
        )
        counts = await tx.active_reactions(post_id=post.id)
    assert new == 2
    assert counts == {"bulb": 1, "eyes": 1, "tada": 1}


async def test_mark_posts_sent_records_every_delivery_and_can_be_repeated(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        c = await channel(tx)
        one, _ = await tx.enqueue_post(new=_new(c.id, "one"), now=now)
        two, _ = await tx.enqueue_post(new=_new(c.id, "two"), now=now)
        await tx.claim_posts(platform=Platform.SLACK, now=now, lease_seconds=60, limit=10)
    deliveries = {one.id: ("m1", "m1.1"), two.id: ("m2",)}
    for _ in range(2):  # a retry after an error we could not see the end of
        async with store.transaction() as tx:
            await tx.mark_posts_sent(deliveries=deliveries, now=now)
    async with store.transaction() as tx:
        posts = await tx.list_posts()
        found = await tx.find_post_by_message(
            platform=Platform.SLACK, workspace_id="T1", channel_external_id="C1", message_id="m1.1"
        )
    assert [(p.state, p.message_ids, p.sent_at) for p in posts] == [
        (PostState.SENT, ("m1", "m1.1"), now),
        (PostState.SENT, ("m2",), now),
    ]
    assert found is not None
    assert found.id == one.id


async def test_mark_posts_sent_refuses_an_unknown_post(store: SqlStore, now: datetime) -> None:
    async def mark_unknown() -> None:
        async with store.transaction() as tx:
            await tx.mark_posts_sent(deliveries={999: ("m1",)}, now=now)

    with pytest.raises(NotFound, match="no post with id 999"):
        await mark_unknown()


def _new(channel_id: int, key: str) -> NewPost:
    return NewPost(
        kind=PostKind.SECTION,
        channel_id=channel_id,
        idempotency_key=key,
        paper_id="example",
        section_id="costs",
        section_version="v1",
    )
