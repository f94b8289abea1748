"""`store_additions`: a group commit's reactions and replies, in one round trip."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.domain import Platform, Post
from bot.ports import (
    AddedReaction,
    AddedReply,
    EventKey,
    NewAddition,
    NewParticipant,
    PersonKey,
    StoreSession,
    additions_storer,
)
from storage.store import SqlStore
from storage.tables import ProcessedEventRow
from tests.storage.helpers import channel, member, query, sent_post


def reaction(
    post: Post,
    event_id: str,
    *,
    user_id: str = "U1",
    emoji: str = "tada",
    name: str | None = None,
    organisation: str | None = None,
) -> NewAddition:
    return NewAddition(
        event=EventKey(Platform.SLACK, "T1", event_id),
        person=NewParticipant(
            person=PersonKey(Platform.SLACK, "T1", user_id),
            display_name=name,
            organisation=organisation,
        ),
        post_id=post.id,
        added=AddedReaction(emoji=emoji, message_id="m1"),
    )


def reply(
    post: Post, event_id: str, *, reply_id: str, text: str, user_id: str = "U1"
) -> NewAddition:
    return NewAddition(
        event=EventKey(Platform.SLACK, "T1", event_id),
        person=NewParticipant(person=PersonKey(Platform.SLACK, "T1", user_id)),
        post_id=post.id,
        added=AddedReply(external_id=reply_id, text=text),
    )


@pytest.fixture
async def post(store: SqlStore, now: datetime) -> Post:
    async with store.transaction() as tx:
        return await sent_post(tx, on=await channel(tx), key="k", now=now)


async def test_reactions_and_replies_are_stored_with_their_participants(
    store: SqlStore, post: Post, now: datetime
) -> None:
    async with store.transaction() as tx:
        stored = await tx.store_additions(
            additions=[
                reaction(post, "e1", user_id="U1", name="Ada"),
                reply(post, "e2", reply_id="r1", text="A thought", user_id="U2"),
                reaction(post, "e3", user_id="U2", emoji="bulb"),
            ],
            now=now,
        )
    assert stored == [True, True, True]
    async with store.reading() as tx:
        assert await tx.active_reactions(post_id=post.id) == {"bulb": 1, "tada": 1}
        (stored_reply,) = await tx.list_replies(post_id=post.id)
        ada = await tx.find_participant(platform=Platform.SLACK, workspace_id="T1", user_id="U1")
    assert (stored_reply.external_id, stored_reply.text) == ("r1", "A thought")
    assert stored_reply.participant.user_id == "U2"
    assert stored_reply.created_at == now
    assert ada is not None
    assert ada.display_name == "Ada"
    assert ada.key.startswith("p_")


async def test_a_delivery_is_stored_once_however_often_it_comes(
    store: SqlStore, database_url: str, post: Post, now: datetime
) -> None:
    async with store.transaction() as tx:
        first = await tx.store_additions(additions=[reaction(post, "e1")], now=now)
    async with store.transaction() as tx:
        again = await tx.store_additions(
            additions=[
                reaction(post, "e1"),  # a retry of a delivery stored before
                reaction(post, "e2", emoji="eyes"),
                reaction(post, "e2", emoji="eyes"),  # the same delivery twice in one batch
            ],
            now=now,
        )
        counts = await tx.active_reactions(post_id=post.id)
    assert first == [True]
    assert again == [False, True, False]
    assert counts == {"eyes": 1, "tada": 1}
    rows = await query(database_url, select(ProcessedEventRow.event_id))  # type: ignore[call-overload]
    assert sorted(r[0] for r in rows) == ["e1", "e2"]


async def test_a_reply_stored_before_or_twice_is_a_duplicate(
    store: SqlStore, post: Post, now: datetime
) -> None:
    async with store.transaction() as tx:
        await tx.store_additions(
            additions=[reply(post, "e1", reply_id="r1", text="before")], now=now
        )
    async with store.transaction() as tx:
        stored = await tx.store_additions(
            additions=[
                reply(post, "e2", reply_id="r1", text="again"),  # another event id, same reply
                reply(post, "e3", reply_id="r2", text="first"),
                reply(post, "e4", reply_id="r2", text="second"),
            ],
            now=now,
        )
        replies = await tx.list_replies(post_id=post.id)
    assert stored == [False, True, False]
    assert [(r.external_id, r.text) for r in replies] == [("r1", "before"), ("r2", "first")]


async def test_participants_are_upserted_as_one_by_one(
    store: SqlStore, post: Post, now: datetime
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
        await tx.store_additions(
            additions=[
                reaction(post, "e1", user_id="U1", organisation="Southshire"),
                reaction(post, "e2", user_id="U2", emoji="a", name="Bo", organisation="East"),
                reaction(post, "e3", user_id="U2", emoji="b", name="Bob"),
                reaction(post, "e4", user_id="U2", emoji="c"),
            ],
            now=now,
        )
        again = await tx.find_participant(platform=Platform.SLACK, workspace_id="T1", user_id="U1")
        bo = await tx.find_participant(platform=Platform.SLACK, workspace_id="T1", user_id="U2")
    # Same person and key; the name not given is kept, the organisation given replaces it.
    assert again is not None
    assert (again.id, again.key, again.display_name, again.organisation) == (
        ada.id,
        ada.key,
        "Ada",
        "Southshire",
    )
    # Given twice: the later name given wins, an organisation not given again stays.
    assert bo is not None
    assert (bo.display_name, bo.organisation) == ("Bob", "East")


async def test_a_retried_delivery_changes_nobody(
    store: SqlStore, post: Post, now: datetime
) -> None:
    async with store.transaction() as tx:
        await tx.store_additions(additions=[reaction(post, "e1", name="Ada")], now=now)
    async with store.transaction() as tx:
        stored = await tx.store_additions(
            additions=[reaction(post, "e1", name="Someone else")], now=now
        )
        ada = await tx.find_participant(platform=Platform.SLACK, workspace_id="T1", user_id="U1")
    assert stored == [False]
    assert ada is not None
    assert ada.display_name == "Ada"


async def test_a_withdrawn_reaction_stands_again(
    store: SqlStore, post: Post, now: datetime
) -> None:
    async with store.transaction() as tx:
        ada = await member(tx, user_id="U1", now=now)
        await tx.add_reaction(
            post_id=post.id, participant_id=ada.id, emoji="tada", message_id="m1", now=now
        )
        await tx.remove_reaction(post_id=post.id, participant_id=ada.id, emoji="tada", now=now)
        assert await tx.active_reactions(post_id=post.id) == {}
    later = now + timedelta(minutes=1)
    async with store.transaction() as tx:
        stored = await tx.store_additions(
            additions=[reaction(post, "e1"), reaction(post, "e2", emoji="tada")], now=later
        )
        counts = await tx.active_reactions(post_id=post.id)
    # The second is a new delivery of a reaction that stands already: stored, still one.
    assert stored == [True, True]
    assert counts == {"tada": 1}


async def test_nothing_to_store(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        assert await tx.store_additions(additions=[], now=now) == []


async def test_a_failed_batch_keeps_nothing(store: SqlStore, post: Post, now: datetime) -> None:
    missing = reply(post, "e2", reply_id="r1", text="on a post that does not exist")
    bad = NewAddition(
        event=missing.event, person=missing.person, post_id=post.id + 999, added=missing.added
    )
    with pytest.raises(SQLAlchemyError):
        async with store.transaction() as tx:
            await tx.store_additions(additions=[reaction(post, "e1"), bad], now=now)
    async with store.transaction() as tx:
        assert await tx.store_additions(additions=[reaction(post, "e1")], now=now) == [True]


# The store's own way (`SqlStore.store_additions`): a transaction of its own, which on
# PostgreSQL is the one statement in autocommit mode.


async def test_the_store_commits_additions_of_its_own(
    store: SqlStore, post: Post, now: datetime
) -> None:
    first = await store.store_additions(
        additions=[reaction(post, "e1"), reply(post, "e2", reply_id="r1", text="Yes")], now=now
    )
    again = await store.store_additions(
        additions=[reaction(post, "e1"), reply(post, "e3", reply_id="r1", text="Yes")], now=now
    )
    async with store.transaction() as tx:
        replies = await tx.list_replies(post_id=post.id)
        counts = await tx.active_reactions(post_id=post.id)
    assert first == [True, True]
    assert again == [False, False]  # a retried delivery, and a reply stored before
    assert [r.text for r in replies] == ["Yes"]
    assert counts == {"tada": 1}


async def test_a_failed_batch_of_the_store_keeps_nothing(
    store: SqlStore, database_url: str, post: Post, now: datetime
) -> None:
    missing = reply(post, "e2", reply_id="r1", text="on a post that does not exist")
    bad = NewAddition(
        event=missing.event, person=missing.person, post_id=post.id + 999, added=missing.added
    )
    with pytest.raises(SQLAlchemyError):
        await store.store_additions(additions=[reaction(post, "e1"), bad], now=now)
    # Nothing of the batch stands: not the good reaction, not the claim of either event id.
    assert await store.store_additions(additions=[reaction(post, "e1")], now=now) == [True]
    async with store.transaction() as tx:
        assert await tx.active_reactions(post_id=post.id) == {"tada": 1}
    assert len(await query(database_url, select(ProcessedEventRow))) == 1


class _TransactionsOnly:
    """A `Store` with no way of its own to store additions: only transactions."""

    def __init__(self, inner: SqlStore) -> None:
        self._inner = inner

    def transaction(self) -> AbstractAsyncContextManager[StoreSession]:
        return self._inner.transaction()

    async def ping(self) -> bool:
        return await self._inner.ping()

    async def close(self) -> None:
        await self._inner.close()


async def test_the_store_s_own_way_is_used_where_it_has_one(store: SqlStore) -> None:
    assert additions_storer(store) == store.store_additions
    assert additions_storer(_TransactionsOnly(store)) != store.store_additions


async def test_a_store_with_only_transactions_stores_additions_in_one(
    store: SqlStore, post: Post, now: datetime
) -> None:
    storer = additions_storer(_TransactionsOnly(store))
    first = await storer(additions=[reaction(post, "Ev1"), reaction(post, "Ev2")], now=now)
    again = await storer(additions=[reaction(post, "Ev1")], now=now)
    assert (first, again) == ([True, True], [False])  # a retried delivery is stored once
