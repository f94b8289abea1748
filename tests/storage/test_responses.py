"""Reactions, replies and feedback."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.domain import Platform
from storage.store import SqlStore
from storage.tables import FeedbackRow, ReactionRow, ReplyRevisionRow, ReplyRow
from tests.storage.helpers import channel, member, query, sent_post


async def test_reactions_add_remove_and_readd(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        bob = await member(tx, user_id="U2", now=now)

        async def add(who: int, emoji: str) -> bool:
            return await tx.add_reaction(
                post_id=post.id, participant_id=who, emoji=emoji, message_id="m1", now=now
            )

        async def remove(who: int, emoji: str) -> bool:
            return await tx.remove_reaction(
                post_id=post.id, participant_id=who, emoji=emoji, now=now
            )

        assert await add(ada.id, "👍")
        assert not await add(ada.id, "👍")
        assert await add(bob.id, "👍")
        assert await add(ada.id, "💡")
        assert await tx.active_reactions(post_id=post.id) == {"👍": 2, "💡": 1}
        assert await tx.active_reactions(post_id=post.id, participant_id=bob.id) == {"👍": 1}

        assert await remove(ada.id, "👍")
        assert not await remove(ada.id, "👍")
        assert not await remove(bob.id, "🤔")
        assert await tx.active_reactions(post_id=post.id) == {"👍": 1, "💡": 1}

        assert await add(ada.id, "👍")
        assert await tx.active_reactions(post_id=post.id) == {"👍": 2, "💡": 1}


async def test_readding_a_reaction_clears_removal_and_sets_a_new_added_at(
    store: SqlStore, database_url: str, now: datetime
) -> None:
    later = now + timedelta(minutes=5)
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        await tx.add_reaction(
            post_id=post.id, participant_id=ada.id, emoji="👍", message_id="m1", now=now
        )
        await tx.remove_reaction(post_id=post.id, participant_id=ada.id, emoji="👍", now=now)
        await tx.add_reaction(
            post_id=post.id, participant_id=ada.id, emoji="👍", message_id="m1", now=later
        )
    (row,) = await query(
        database_url, select(col(ReactionRow.added_at), col(ReactionRow.removed_at))
    )
    assert row.removed_at is None
    assert row.added_at == later


async def test_reply_edit_keeps_the_previous_text_as_a_revision(
    store: SqlStore, now: datetime
) -> None:
    edited_at = now + timedelta(minutes=1)
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        reply = await tx.add_reply(
            post_id=post.id, participant_id=ada.id, external_id="r1", text="first", now=now
        )
        edited = await tx.edit_reply(reply_id=reply.id, text="second", now=edited_at)
        unchanged = await tx.edit_reply(reply_id=reply.id, text="second", now=edited_at)
        revisions = await tx.reply_revisions(reply_id=reply.id)
        found = await tx.find_reply(platform=Platform.SLACK, external_id="r1")
    assert reply.text == "first"
    assert reply.participant == ada
    assert edited.text == "second"
    assert edited.edited_at == edited_at
    assert unchanged == edited
    assert revisions == [("first", edited_at)]
    assert found == edited


async def test_a_reply_delivered_twice_is_stored_once(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        one = await tx.add_reply(
            post_id=post.id, participant_id=ada.id, external_id="r1", text="hi", now=now
        )
        two = await tx.add_reply(
            post_id=post.id, participant_id=ada.id, external_id="r1", text="hi", now=now
        )
        assert one == two
        assert len(await tx.list_replies(post_id=post.id)) == 1


async def test_delete_blanks_the_text_everywhere(
    store: SqlStore, database_url: str, now: datetime
) -> None:
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        reply = await tx.add_reply(
            post_id=post.id, participant_id=ada.id, external_id="r1", text="secret", now=now
        )
        await tx.edit_reply(reply_id=reply.id, text="more secret", now=now)
        deleted = await tx.delete_reply(reply_id=reply.id, now=now + timedelta(minutes=2))
        visible = await tx.list_replies(post_id=post.id)
        everything = await tx.list_replies(post_id=post.id, include_deleted=True)
        revisions = await tx.reply_revisions(reply_id=reply.id)
    assert deleted.text == ""
    assert deleted.deleted_at == now + timedelta(minutes=2)
    assert visible == []
    assert everything == [deleted]
    assert [text for text, _ in revisions] == [""]
    stored = await query(database_url, select(col(ReplyRow.text))) + await query(
        database_url, select(col(ReplyRevisionRow.text))
    )
    assert [row.text for row in stored] == ["", ""]


async def test_replies_list_oldest_first(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now)
        ada = await member(tx, user_id="U1", now=now)
        for n, minutes in enumerate((3, 1, 2)):
            await tx.add_reply(
                post_id=post.id,
                participant_id=ada.id,
                external_id=f"r{n}",
                text=f"at {minutes}",
                now=now + timedelta(minutes=minutes),
            )
        listed = await tx.list_replies(post_id=post.id)
    assert [r.text for r in listed] == ["at 1", "at 2", "at 3"]


async def test_feedback_is_stored_under_the_posts_section(
    store: SqlStore, database_url: str, now: datetime
) -> None:
    answers = {"nature": "I am unsure", "summary": "Needs numbers", "mf-role": "Analyst"}
    async with store.transaction() as tx:
        post = await sent_post(tx, on=await channel(tx), key="k", now=now, section_version="v7")
        ada = await member(tx, user_id="U1", now=now)
        feedback_id = await tx.add_feedback(
            post_id=post.id, participant_id=ada.id, values=answers, event_id="view1", now=now
        )
    (stored,) = await query(database_url, select(FeedbackRow))
    assert stored.id == feedback_id
    assert (stored.post_id, stored.participant_id) == (post.id, ada.id)
    assert (stored.paper_id, stored.section_id, stored.section_version) == (
        "example",
        "costs",
        "v7",
    )
    assert stored.answers == answers
    assert (stored.nature, stored.role, stored.event_id) == ("I am unsure", "Analyst", "view1")
    assert stored.created_at == now
