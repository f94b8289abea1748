from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from bot.clock import ManualClock
from bot.domain import (
    Actor,
    FeedbackAccepted,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackSubmitted,
    InboundEvent,
    Outcome,
    Paper,
    Platform,
    Post,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
)
from bot.engagement import Engagement
from bot.errors import TargetError
from bot.outbox import OutboxPolicy, OutboxSender
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform

AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
ALICE = Actor(user_id="U-alice", display_name="Alice", organisation="Northshire")


@pytest.fixture
async def posted(engagement: Engagement, store: SqlStore, clock: ManualClock) -> Post:
    """Section 1 posted to web channel 'general' and delivered."""
    await engagement.register_channel(
        platform=Platform.WEB, workspace_id="local", external_id="general", name="general"
    )
    await engagement.publish(sections=["1"], target="#general")
    sender = OutboxSender(
        platform=FakePlatform(clock=clock), store=store, clock=clock, policy=OutboxPolicy()
    )
    await sender.drain()
    async with store.transaction() as tx:
        (post,) = await tx.list_posts()
    return post


E = TypeVar("E", bound=InboundEvent)


def _event(kind: type[E], post: Post, **fields: Any) -> E:
    """An event from Alice about `post` (its root message unless `message_id` is given)."""
    fields.setdefault("message_id", post.root_message_id)
    return kind(
        platform=Platform.WEB,
        workspace_id="local",
        channel_id="general",
        actor=ALICE,
        occurred_at=AT,
        **fields,
    )


async def test_a_reaction_is_stored_once_however_often_it_is_delivered(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    event = _event(ReactionAdded, posted, event_id="e1", emoji="thumbsup")
    assert await engagement.record(event) is Outcome.STORED
    assert await engagement.record(event) is Outcome.DUPLICATE
    async with store.transaction() as tx:
        assert await tx.active_reactions(post_id=posted.id) == {"thumbsup": 1}


async def test_a_reaction_on_a_continuation_counts_for_the_post(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    event = _event(
        ReactionAdded, posted, event_id="e1", emoji="bulb", message_id=posted.message_ids[1]
    )
    assert await engagement.record(event) is Outcome.STORED
    async with store.transaction() as tx:
        assert await tx.active_reactions(post_id=posted.id) == {"bulb": 1}


async def test_removing_a_reaction_withdraws_it(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    await engagement.record(_event(ReactionAdded, posted, event_id="e1", emoji="tada"))
    await engagement.record(_event(ReactionRemoved, posted, event_id="e2", emoji="tada"))
    async with store.transaction() as tx:
        assert await tx.active_reactions(post_id=posted.id) == {}


async def test_events_about_messages_that_are_not_ours_are_ignored(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    stranger = _event(ReactionAdded, posted, event_id="e1", emoji="tada", message_id="theirs")
    assert await engagement.record(stranger) is Outcome.IGNORED
    edit = _event(ReplyEdited, posted, event_id="e2", reply_id="r-unknown", text="edited")
    assert await engagement.record(edit) is Outcome.IGNORED
    async with store.transaction() as tx:
        assert await tx.active_reactions(post_id=posted.id) == {}


async def test_a_reply_can_be_edited_and_deleted(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    await engagement.record(
        _event(ReplyPosted, posted, event_id="e1", reply_id="r1", text="First thought")
    )
    await engagement.record(
        _event(ReplyEdited, posted, event_id="e2", reply_id="r1", text="Second thought")
    )
    async with store.transaction() as tx:
        (reply,) = await tx.list_replies(post_id=posted.id)
    assert reply.text == "Second thought"
    assert reply.edited_at is not None

    await engagement.record(_event(ReplyDeleted, posted, event_id="e3", reply_id="r1"))
    async with store.transaction() as tx:
        assert await tx.list_replies(post_id=posted.id) == []
        (deleted,) = await tx.list_replies(post_id=posted.id, include_deleted=True)
    assert deleted.text == ""


async def test_the_same_reply_delivered_under_two_event_ids_is_stored_once(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    await engagement.record(_event(ReplyPosted, posted, event_id="e1", reply_id="r1", text="Hi"))
    outcome = await engagement.record(
        _event(ReplyPosted, posted, event_id="e9", reply_id="r1", text="Hi")
    )
    assert outcome is Outcome.DUPLICATE
    async with store.transaction() as tx:
        assert len(await tx.list_replies(post_id=posted.id)) == 1


async def test_feedback_form_is_the_sections_form(
    engagement: Engagement, posted: Post, example_paper: Paper
) -> None:
    form = await engagement.feedback_form(_event(FeedbackRequested, posted, event_id="f0"))
    assert form is not None
    assert form.post_id == posted.id
    assert form.form == example_paper.sections[0].form


async def test_invalid_feedback_is_rejected_per_field_and_nothing_is_stored(
    engagement: Engagement, store: SqlStore, posted: Post
) -> None:
    values = {"summary": "abc", "role": ""}
    result = await engagement.submit_feedback(
        _event(FeedbackSubmitted, posted, event_id="f1", values=values)
    )
    assert isinstance(result, FeedbackRejected)
    assert set(result.errors) == {"summary", "role"}
    async with store.transaction() as tx:
        (counts, *_) = await tx.section_counts(paper_id=posted.paper_id or "")
    assert counts.feedback == 0


async def test_valid_feedback_is_stored_once(
    engagement: Engagement, store: SqlStore, posted: Post, example_paper: Paper
) -> None:
    role = example_paper.sections[0].form.field("role")
    assert role is not None
    values = {"summary": "Strongly agree with this", "role": role.options[0]}
    event = _event(FeedbackSubmitted, posted, event_id="f2", values=values)
    first = await engagement.submit_feedback(event)
    again = await engagement.submit_feedback(event)
    assert isinstance(first, FeedbackAccepted)
    assert not first.duplicate
    assert isinstance(again, FeedbackAccepted)
    assert again.duplicate
    async with store.transaction() as tx:
        (counts, *_) = await tx.section_counts(paper_id=posted.paper_id or "")
    assert counts.feedback == 1


async def test_feedback_about_a_message_that_is_not_ours_is_refused(
    engagement: Engagement, posted: Post
) -> None:
    event = _event(
        FeedbackSubmitted,
        posted,
        event_id="f3",
        values={"summary": "hello there"},
        message_id="not-ours",
    )
    assert await engagement.submit_feedback(event) is None


async def test_publishing_to_an_unknown_target_is_a_clear_error(engagement: Engagement) -> None:
    with pytest.raises(TargetError, match="sector tag 'nowhere'"):
        await engagement.publish(sections=["all"], target="sector:nowhere")
    with pytest.raises(TargetError, match="No section '99'"):
        await engagement.publish(sections=["99"], target="*")


async def test_sector_tags_choose_channels(engagement: Engagement, store: SqlStore) -> None:
    for name in ("la-analysts", "suppliers"):
        await engagement.register_channel(
            platform=Platform.WEB, workspace_id="local", external_id=name, name=name
        )
    async with store.transaction() as tx:
        (analysts, _) = await tx.list_channels()
        await tx.set_channel_tags(channel_id=analysts.id, tags=frozenset({"la"}))
    result = await engagement.publish(sections=["1"], target="sector:la")
    assert [c.name for c in result.channels] == ["la-analysts"]
