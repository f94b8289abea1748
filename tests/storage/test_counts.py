"""Per-section counts for organisers."""

from __future__ import annotations

from datetime import datetime

from bot.domain import PostKind
from bot.ports import NewPost
from storage.store import SqlStore
from tests.storage.helpers import channel, member, sent_post
from tests.storage.samples import paper, rich_section, section


async def test_section_counts_cover_every_version_of_each_current_section(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        await tx.save_paper(paper=paper(), now=now)
        one, two = await channel(tx), await channel(tx, external_id="C2")
        ada = await member(tx, user_id="U1", now=now)
        bob = await member(tx, user_id="U2", now=now)
        old = await sent_post(tx, on=one, key="a", now=now, message_ids=("1",))
        new = await sent_post(
            tx, on=two, key="b", now=now, message_ids=("2",), section_version="v2"
        )
        # Not counted as posts: still pending, or a prompt.
        await tx.enqueue_post(
            new=NewPost(
                kind=PostKind.SECTION,
                channel_id=one.id,
                idempotency_key="pending",
                paper_id="example",
                section_id="costs",
            ),
            now=now,
        )
        await tx.enqueue_post(
            new=NewPost(kind=PostKind.PROMPT, channel_id=one.id, idempotency_key="p", body="Hi"),
            now=now,
        )
        for post, who, emoji in ((old, ada, "👍"), (new, ada, "👍"), (new, bob, "💡")):
            await tx.add_reaction(
                post_id=post.id, participant_id=who.id, emoji=emoji, message_id="1", now=now
            )
        await tx.add_reaction(
            post_id=old.id, participant_id=bob.id, emoji="👎", message_id="1", now=now
        )
        await tx.remove_reaction(post_id=old.id, participant_id=bob.id, emoji="👎", now=now)
        kept = await tx.add_reply(
            post_id=old.id, participant_id=ada.id, external_id="r1", text="yes", now=now
        )
        gone = await tx.add_reply(
            post_id=new.id, participant_id=bob.id, external_id="r2", text="no", now=now
        )
        await tx.delete_reply(reply_id=gone.id, now=now)
        for post, event in ((old, "f1"), (new, "f2")):
            await tx.add_feedback(
                post_id=post.id, participant_id=ada.id, values={}, event_id=event, now=now
            )
        counts = await tx.section_counts(paper_id="example")

    assert [c.section_id for c in counts] == ["intro", "costs", "people"]
    intro, costs, people = counts
    assert (costs.posts, costs.reactions, costs.replies, costs.feedback) == (2, 3, 1, 2)
    assert costs.reactions_by_emoji == {"👍": 2, "💡": 1}
    assert (costs.ordinal, costs.title) == (1, "Section costs")
    assert kept.deleted_at is None
    for quiet in (intro, people):
        assert (quiet.posts, quiet.reactions, quiet.replies, quiet.feedback) == (0, 0, 0, 0)
        assert quiet.reactions_by_emoji == {}


async def test_section_counts_list_only_current_sections(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        await tx.save_paper(paper=paper(), now=now)
        await tx.save_paper(paper=paper(rich_section(), section("new", ordinal=1)), now=now)
        counts = await tx.section_counts(paper_id="example")
        none = await tx.section_counts(paper_id="other")
    assert [c.section_id for c in counts] == ["intro", "new"]
    assert none == []
