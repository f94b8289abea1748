"""Recording what members do with our posts: the rules of `Engagement.record`.

Each event is stored once (deduplicated by the platform's event id), with its participant, and
only then acknowledged. Events that arrive together are stored in one transaction
(`bot.group_commit`): a run of reactions added and replies posted takes one round trip
whatever its length (`store_additions` claims the event ids, upserts the participants and
inserts the reactions and replies). A batch of nothing else, the usual case under load, goes
to the store as it is (`bot.ports.additions_storer`: on PostgreSQL one statement and no BEGIN or
COMMIT); in a batch with removals, edits or deletions, whose order matters, those are applied
one by one in arrival order between such runs, in one ordinary transaction.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from bot.domain import (
    InboundEvent,
    MemberEvent,
    Outcome,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
)
from bot.group_commit import GroupCommit
from bot.ports import (
    AddedReaction,
    AddedReply,
    Clock,
    EventKey,
    NewAddition,
    NewParticipant,
    PersonKey,
    Store,
    StoresAdditions,
    StoreSession,
    additions_storer,
    batch_gathering_turns,
    read_transaction,
    write_parallelism,
)

log = logging.getLogger(__name__)

MAX_REPLY_CHARS = 40_000
POST_CACHE_SIZE = 4096

_MessageKey = tuple[Platform, str, str, str]


@dataclass(frozen=True, kw_only=True)
class _Pending:
    """An event waiting for its group commit, with the post it is about (None for edits and
    deletions, which are found by their reply) and when it arrived."""

    event: MemberEvent
    post_id: int | None
    now: datetime


class Recorder:
    """Stores member events, many per transaction; see the module's docstring."""

    def __init__(self, *, store: Store, clock: Clock, max_batch: int = 256) -> None:
        self._store = store
        self._store_additions = additions_storer(store)
        self._clock = clock
        self._writes = GroupCommit(
            apply=self._apply_batch,
            max_batch=max_batch,
            workers=write_parallelism(store),
            gather_turns=batch_gathering_turns(store),
        )
        # (platform, workspace, channel, message id) -> our post: once a post has its message
        # ids they never change, so a hit needs no database at all.
        self._posts: OrderedDict[_MessageKey, int] = OrderedDict()

    @property
    def transactions(self) -> int:
        """How many transactions stored events so far."""
        return self._writes.batches

    async def record(self, event: MemberEvent) -> Outcome:
        """Store the event once; IGNORED when it is not about one of our posts."""
        now = self._clock.now()
        post_id = None
        if not isinstance(event, ReplyEdited | ReplyDeleted):
            # Edits and deletions name the reply, looked up in the write transaction. For the
            # rest, an event about a message that is not ours never queues for a write.
            post_id = await self.our_post_id(event)
            if post_id is None:
                log.debug("ignored %s: not about one of our posts", type(event).__name__)
                return Outcome.IGNORED
        return await self._writes.submit(_Pending(event=event, post_id=post_id, now=now))

    async def aclose(self) -> None:
        """Wait until the events being recorded are stored."""
        await self._writes.aclose()

    async def our_post_id(self, event: InboundEvent) -> int | None:
        """Our post one of whose messages the event is about, or None."""
        key = (event.platform, event.workspace_id, event.channel_id, event.message_id)
        post_id = self._posts.get(key)
        if post_id is not None:
            self._posts.move_to_end(key)
            return post_id
        async with read_transaction(self._store) as tx:
            post = await tx.find_post_by_message(
                platform=event.platform,
                workspace_id=event.workspace_id,
                channel_external_id=event.channel_id,
                message_id=event.message_id,
            )
        if post is None:
            return None  # not cached: the message may be ours, its delivery not yet recorded
        self._posts[key] = post.id
        if len(self._posts) > POST_CACHE_SIZE:
            self._posts.popitem(last=False)
        return post.id

    # A group commit's batch: all of it in one transaction ------------------------------------

    async def _apply_batch(self, batch: list[_Pending]) -> list[Outcome]:
        if all(isinstance(pending.event, ReactionAdded | ReplyPosted) for pending in batch):
            return await _stored_run(batch, self._store_additions)
        async with self._store.transaction() as tx:
            return await self._apply(tx, batch)

    async def _apply(self, tx: StoreSession, batch: list[_Pending]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        run: list[tuple[int, _Pending]] = []
        for index, pending in enumerate(batch):
            if isinstance(pending.event, ReactionAdded | ReplyPosted):
                run.append((index, pending))
                continue
            outcomes |= await self._apply_run(tx, run)
            run = []
            outcomes[index] = await self._apply_one(tx, pending)
        outcomes |= await self._apply_run(tx, run)
        return [outcomes[index] for index in range(len(batch))]

    async def _apply_run(
        self, tx: StoreSession, run: list[tuple[int, _Pending]]
    ) -> dict[int, Outcome]:
        """Reactions added and replies posted: the order among them does not matter."""
        if not run:
            return {}
        outcomes = await _stored_run([pending for _, pending in run], tx.store_additions)
        return {index: outcome for (index, _), outcome in zip(run, outcomes, strict=True)}

    async def _apply_one(self, tx: StoreSession, pending: _Pending) -> Outcome:
        """A removal, edit or deletion, in arrival order."""
        event, now = pending.event, pending.now
        stored = None
        if isinstance(event, ReplyEdited | ReplyDeleted):
            # Edits and deletions name the reply; its thread root may not be in the payload.
            stored = await tx.find_reply(platform=event.platform, external_id=event.reply_id)
            if stored is None:
                log.debug("ignored %s: not a reply we stored", type(event).__name__)
                return Outcome.IGNORED
            post_id = stored.post_id
        else:
            assert pending.post_id is not None
            post_id = pending.post_id
        if not await tx.claim_event(
            platform=event.platform,
            workspace_id=event.workspace_id,
            event_id=event.event_id,
            now=now,
        ):
            return Outcome.DUPLICATE
        participant = await tx.upsert_participant(
            platform=event.platform,
            workspace_id=event.workspace_id,
            user_id=event.actor.user_id,
            display_name=event.actor.display_name,
            organisation=event.actor.organisation,
            now=now,
        )
        match event:
            case ReactionRemoved(emoji=emoji):
                await tx.remove_reaction(
                    post_id=post_id, participant_id=participant.id, emoji=emoji, now=now
                )
            case ReplyEdited(text=text) if stored is not None and stored.deleted_at is None:
                await tx.edit_reply(reply_id=stored.id, text=clip(text), now=now)
            case ReplyDeleted() if stored is not None and stored.deleted_at is None:
                await tx.delete_reply(reply_id=stored.id, now=now)
        return Outcome.STORED


async def _stored_run(run: list[_Pending], store: StoresAdditions) -> list[Outcome]:
    """Reactions added and replies posted, stored with `store` (`store_additions` on a
    transaction or a store), as of the latest of their arrival times."""
    stored = await store(
        additions=[_addition(pending) for pending in run],
        now=max(pending.now for pending in run),
    )
    return [Outcome.STORED if new else Outcome.DUPLICATE for new in stored]


def _addition(pending: _Pending) -> NewAddition:
    event = pending.event
    assert pending.post_id is not None
    added: AddedReaction | AddedReply
    if isinstance(event, ReactionAdded):
        added = AddedReaction(emoji=event.emoji, message_id=event.message_id)
    else:
        assert isinstance(event, ReplyPosted)
        added = AddedReply(external_id=event.reply_id, text=clip(event.text))
    return NewAddition(
        event=EventKey(event.platform, event.workspace_id, event.event_id),
        person=NewParticipant(
            person=PersonKey(event.platform, event.workspace_id, event.actor.user_id),
            display_name=event.actor.display_name,
            organisation=event.actor.organisation,
        ),
        post_id=pending.post_id,
        added=added,
    )


def clip(text: str) -> str:
    """Platforms cap message length themselves; this guards storage against a hostile client."""
    text = text.strip()
    return text if len(text) <= MAX_REPLY_CHARS else text[:MAX_REPLY_CHARS] + "…"
