from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import pytest

from bot.clock import ManualClock
from bot.domain import (
    Actor,
    FeedbackAccepted,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackSubmitted,
    InboundEvent,
    MemberEvent,
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
from bot.ports import AddedReply, NewAddition, StoreSession
from bot.ports_export import QuotePreference
from bot.quote import with_quote_field
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
    assert form.form == with_quote_field(example_paper.sections[0].form)


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


# Group commit: events that arrive together -------------------------------------------------


class _Watched:
    """The real store, counting write transactions; `fail_replies_with` makes storing any
    reply whose text contains it fail (one bad event in a batch)."""

    def __init__(self, inner: SqlStore, *, fail_replies_with: str | None = None) -> None:
        self.inner = inner
        self.writes = 0
        self.fail_replies_with = fail_replies_with

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[StoreSession]:
        self.writes += 1
        async with self.inner.transaction() as tx:
            yield cast(StoreSession, _FailingReplies(tx, self.fail_replies_with))

    def reading(self) -> AbstractAsyncContextManager[StoreSession]:
        return self.inner.reading()

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


class _FailingReplies:
    def __init__(self, tx: StoreSession, marker: str | None) -> None:
        self._tx = tx
        self._marker = marker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    async def store_additions(self, *, additions: Sequence[NewAddition], now: datetime) -> Any:
        if self._marker and any(
            isinstance(a.added, AddedReply) and self._marker in a.added.text for a in additions
        ):
            raise RuntimeError("this reply cannot be stored")
        return await self._tx.store_additions(additions=additions, now=now)


def _person(n: int) -> Actor:
    return Actor(user_id=f"U{n}", display_name=f"Member {n}")


@pytest.fixture
async def watched(
    store: SqlStore, clock: ManualClock, example_paper: Paper, posted: Post
) -> tuple[Engagement, _Watched]:
    """An engagement service on a watched store, its post lookup already warm (so events
    reach the write queue without awaiting, in the order they are recorded)."""
    watched = _Watched(store)
    service = Engagement(store=watched, clock=clock)
    await service.load_paper(example_paper)
    warm = _event(ReactionAdded, posted, event_id="warm", emoji="eyes")
    assert await service.record(warm) is Outcome.STORED
    watched.writes = 0
    return service, watched


async def test_events_arriving_together_are_stored_in_one_transaction(
    watched: tuple[Engagement, _Watched], store: SqlStore, posted: Post
) -> None:
    service, counted = watched
    events = [
        replace(_event(ReactionAdded, posted, event_id=f"r{n}", emoji="tada"), actor=_person(n))
        for n in range(20)
    ] + [
        replace(
            _event(ReplyPosted, posted, event_id=f"p{n}", reply_id=f"reply{n}", text=f"#{n}"),
            actor=_person(n),
        )
        for n in range(20)
    ]
    outcomes = await asyncio.gather(*(service.record(e) for e in events))

    assert outcomes == [Outcome.STORED] * 40
    assert counted.writes == 1
    async with store.reading() as tx:
        assert (await tx.active_reactions(post_id=posted.id))["tada"] == 20
        replies = await tx.list_replies(post_id=posted.id)
    assert sorted(r.text for r in replies) == sorted(f"#{n}" for n in range(20))
    assert {r.participant.display_name for r in replies} == {f"Member {n}" for n in range(20)}


async def test_a_delivery_repeated_within_one_batch_is_stored_once(
    watched: tuple[Engagement, _Watched], store: SqlStore, posted: Post
) -> None:
    service, _ = watched
    reply = _event(ReplyPosted, posted, event_id="e1", reply_id="r1", text="Once")
    same_reply_new_id = replace(reply, event_id="e2")
    outcomes = await asyncio.gather(
        service.record(reply), service.record(reply), service.record(same_reply_new_id)
    )
    assert list(outcomes) == [Outcome.STORED, Outcome.DUPLICATE, Outcome.DUPLICATE]
    async with store.reading() as tx:
        assert [r.text for r in await tx.list_replies(post_id=posted.id)] == ["Once"]


async def test_within_one_batch_events_keep_their_order(
    watched: tuple[Engagement, _Watched], store: SqlStore, posted: Post
) -> None:
    service, counted = watched
    await asyncio.gather(
        service.record(_event(ReactionAdded, posted, event_id="a1", emoji="tada")),
        service.record(_event(ReactionRemoved, posted, event_id="a2", emoji="tada")),
        service.record(_event(ReactionAdded, posted, event_id="a3", emoji="bulb")),
        service.record(_event(ReplyPosted, posted, event_id="a4", reply_id="r1", text="Draft")),
        service.record(_event(ReplyEdited, posted, event_id="a5", reply_id="r1", text="Final")),
        service.record(_event(ReactionRemoved, posted, event_id="a6", emoji="bulb")),
        service.record(_event(ReactionAdded, posted, event_id="a7", emoji="bulb")),
    )
    assert counted.writes == 1
    async with store.reading() as tx:
        reactions = await tx.active_reactions(post_id=posted.id)
        (reply,) = await tx.list_replies(post_id=posted.id)
    assert reactions == {"bulb": 1, "eyes": 1}  # eyes: the warm-up reaction
    assert reply.text == "Final"


async def test_one_event_that_cannot_be_stored_fails_alone(
    store: SqlStore, clock: ManualClock, example_paper: Paper, posted: Post
) -> None:
    service = Engagement(store=_Watched(store, fail_replies_with="BOOM"), clock=clock)
    await service.load_paper(example_paper)
    events: list[MemberEvent] = [
        _event(ReactionAdded, posted, event_id="ok1", emoji="tada"),
        _event(ReplyPosted, posted, event_id="bad", reply_id="r-bad", text="BOOM"),
        _event(ReplyPosted, posted, event_id="ok2", reply_id="r-ok", text="Fine"),
    ]
    outcomes = await asyncio.gather(*(service.record(e) for e in events), return_exceptions=True)

    assert outcomes[0] is Outcome.STORED
    assert isinstance(outcomes[1], RuntimeError)
    assert outcomes[2] is Outcome.STORED
    async with store.reading() as tx:
        assert await tx.active_reactions(post_id=posted.id) == {"tada": 1}
        assert [r.text for r in await tx.list_replies(post_id=posted.id)] == ["Fine"]
    # Nothing of the failed event was kept: once the cause is gone, the platform's retry of
    # it is stored rather than taken for a duplicate.
    healthy = Engagement(store=store, clock=clock)
    assert await healthy.record(events[1]) is Outcome.STORED


async def test_events_about_messages_that_are_not_ours_take_no_write_transaction(
    watched: tuple[Engagement, _Watched], posted: Post
) -> None:
    service, counted = watched
    stranger = _event(ReactionAdded, posted, event_id="x1", emoji="tada", message_id="theirs")
    assert await service.record(stranger) is Outcome.IGNORED
    assert counted.writes == 0


async def test_closing_waits_for_events_being_stored(
    watched: tuple[Engagement, _Watched], store: SqlStore, posted: Post
) -> None:
    service, _ = watched
    pending = [
        asyncio.ensure_future(
            service.record(
                replace(
                    _event(ReactionAdded, posted, event_id=f"c{n}", emoji="wave"), actor=_person(n)
                )
            )
        )
        for n in range(5)
    ]
    await asyncio.sleep(0)  # the events are queued
    await service.aclose()
    async with store.reading() as tx:  # stored by the time aclose() returns
        assert (await tx.active_reactions(post_id=posted.id))["wave"] == 5
    assert await asyncio.gather(*pending) == [Outcome.STORED] * 5


@pytest.fixture
async def consenting(store: SqlStore, clock: ManualClock, example_paper: Paper) -> Engagement:
    service = Engagement(store=store, clock=clock, consent_text="We keep what you send.")
    await service.load_paper(example_paper)
    return service


async def test_the_consent_notice_is_shown_until_the_first_feedback(
    consenting: Engagement, engagement: Engagement, posted: Post, example_paper: Paper
) -> None:
    before = await consenting.feedback_form(_event(FeedbackRequested, posted, event_id="f0"))
    assert before is not None
    assert before.notice == "We keep what you send."

    role = example_paper.sections[0].form.field("role")
    assert role is not None
    values = {"summary": "Good direction", "role": role.options[1]}
    accepted = await consenting.submit_feedback(
        _event(FeedbackSubmitted, posted, event_id="f1", values=values)
    )
    assert isinstance(accepted, FeedbackAccepted)

    after = await consenting.feedback_form(_event(FeedbackRequested, posted, event_id="f2"))
    assert after is not None
    assert after.notice is None


async def test_the_quote_choice_is_kept_on_the_participant_not_in_the_answers(
    engagement: Engagement, store: SqlStore, posted: Post, example_paper: Paper
) -> None:
    role = example_paper.sections[0].form.field("role")
    assert role is not None
    values = {
        "summary": "Please do not quote this",
        "role": role.options[0],
        "quote": "No, please don't quote me",
    }
    result = await engagement.submit_feedback(
        _event(FeedbackSubmitted, posted, event_id="f3", values=values)
    )
    assert isinstance(result, FeedbackAccepted)
    async with store.transaction() as tx:
        privacy = await tx.find_privacy(
            platform=Platform.WEB, workspace_id="local", user_id=ALICE.user_id
        )
    assert privacy is not None
    assert privacy.quote_preference is QuotePreference.NONE
    assert privacy.consented_at is not None


async def test_an_unknown_quote_choice_is_rejected_with_the_other_errors(
    engagement: Engagement, posted: Post
) -> None:
    values = {"summary": "Fine by me", "role": "", "quote": "Sometimes"}
    result = await engagement.submit_feedback(
        _event(FeedbackSubmitted, posted, event_id="f4", values=values)
    )
    assert isinstance(result, FeedbackRejected)
    assert set(result.errors) == {"role", "quote"}
