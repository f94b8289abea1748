"""The engagement service: the one place for the rules of publishing and collecting.

Adapters call it with neutral events; it resolves our posts, stores each event once, and writes
outbox rows for the senders to deliver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain import (
    Channel,
    FeedbackAccepted,
    FeedbackForm,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackResult,
    FeedbackSubmitted,
    InboundEvent,
    InvalidForm,
    MemberEvent,
    Outcome,
    Paper,
    Platform,
    Post,
    PostKind,
    Section,
    SectionCounts,
)
from bot.errors import TargetError
from bot.forms import validate as validate_form
from bot.metrics import Metrics
from bot.ports import Clock, NewPost, Store, StoreSession, read_transaction
from bot.quote import QUOTE_FIELD, quote_choice, with_quote_field
from bot.recording import Recorder
from bot.targets import resolve_channels, resolve_sections

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PublishResult:
    """What `publish` wrote: new outbox rows, and rows that already existed for the same
    section version and channel (so nothing is posted twice)."""

    enqueued: tuple[Post, ...]
    already: tuple[Post, ...]
    channels: tuple[Channel, ...]


class Engagement:
    """Publishes sections and records what members do with them.

    `on_enqueued` is called with the platforms that got new outbox rows, so their senders can
    wake up instead of waiting for the next poll. Events recorded at the same time are stored
    in one transaction (`bot.recording`); `aclose()` waits for the last of them.
    """

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        on_enqueued: Callable[[frozenset[Platform]], None] | None = None,
        metrics: Metrics | None = None,
        consent_text: str | None = None,
    ) -> None:
        self._metrics = metrics or Metrics()
        self._consent_text = consent_text
        self._store = store
        self._clock = clock
        self._on_enqueued = on_enqueued
        self._paper: Paper | None = None
        self._recorder = Recorder(store=store, clock=clock)

    async def aclose(self) -> None:
        """Let events being recorded reach the database (called when the app stops)."""
        await self._recorder.aclose()

    @property
    def paper(self) -> Paper:
        """The paper being consulted on; `load_paper` must have been called."""
        if self._paper is None:
            raise RuntimeError("no paper is loaded: call Engagement.load_paper first")
        return self._paper

    @property
    def has_paper(self) -> bool:
        """Whether a paper is loaded."""
        return self._paper is not None

    async def load_paper(self, paper: Paper) -> None:
        """Store the paper (new section versions are added) and make it the current one."""
        async with self._store.transaction() as tx:
            await tx.save_paper(paper=paper, now=self._clock.now())
        self._paper = paper

    # Channels -----------------------------------------------------------------------------

    async def register_channel(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        external_id: str,
        name: str,
        reference: Mapping[str, object] | None = None,
    ) -> Channel:
        """Remember a channel the bot can post to (installed, invited, or seen); an existing
        channel is updated and made active again, keeping its sector tags."""
        async with self._store.transaction() as tx:
            return await tx.upsert_channel(
                platform=platform,
                workspace_id=workspace_id,
                external_id=external_id,
                name=name,
                reference=reference,
                active=True,
            )

    async def deactivate_channel(
        self, *, platform: Platform, workspace_id: str, external_id: str
    ) -> Channel | None:
        """Stop posting to a channel (the bot was removed or uninstalled)."""
        async with self._store.transaction() as tx:
            channel = await tx.find_channel(
                platform=platform, workspace_id=workspace_id, external_id=external_id
            )
            if channel is None:
                return None
            return await tx.set_channel_active(channel_id=channel.id, active=False)

    async def channels(self, *, platform: Platform | None = None) -> Sequence[Channel]:
        """The active channels, optionally of one platform, ordered by id."""
        async with read_transaction(self._store) as tx:
            return await tx.list_channels(platform=platform)

    async def find_channel(
        self, *, platform: Platform, workspace_id: str, external_id: str
    ) -> Channel | None:
        """A known channel by the platform's ids."""
        async with read_transaction(self._store) as tx:
            return await tx.find_channel(
                platform=platform, workspace_id=workspace_id, external_id=external_id
            )

    # Private chats --------------------------------------------------------------------------

    async def remember_private_chat(
        self, *, platform: Platform, workspace_id: str, user_id: str, reference: Mapping[str, Any]
    ) -> None:
        """Keep how to reach a member privately (the platform's opaque reference), so private
        answers still reach them after a restart or on another replica."""
        async with self._store.transaction() as tx:
            await tx.save_private_chat(
                platform=platform,
                workspace_id=workspace_id,
                user_id=user_id,
                reference=reference,
                now=self._clock.now(),
            )

    async def private_chat(self, *, platform: Platform, user_id: str) -> Mapping[str, Any] | None:
        """How to reach a member privately, or None if they never opened a private chat."""
        async with read_transaction(self._store) as tx:
            return await tx.find_private_chat(platform=platform, user_id=user_id)

    async def forget_private_chat(self, *, platform: Platform, user_id: str) -> None:
        """The member closed their private chat with the bot (or removed the app)."""
        async with self._store.transaction() as tx:
            await tx.forget_private_chat(platform=platform, user_id=user_id)

    # Publishing ---------------------------------------------------------------------------

    async def publish(
        self,
        *,
        sections: Sequence[str],
        target: str,
        platform: Platform | None = None,
        actor: str = "cli",
        repost: bool = False,
    ) -> PublishResult:
        """Write an outbox row per (section, channel). Posting the same section version to the
        same channel again is a no-op unless `repost` asks for a fresh copy."""
        chosen = resolve_sections(self.paper, sections)
        now = self._clock.now()
        enqueued: list[Post] = []
        already: list[Post] = []
        async with self._store.transaction() as tx:
            channels = await resolve_channels(tx, target, platform=platform)
            if not channels:
                raise TargetError(f"No active channel matches '{target}'.")
            nonce = f":{now.timestamp()}" if repost else ""
            # Section by section across the channels: senders claim the oldest rows first, so
            # every channel gets its first section before any gets its second.
            for section in chosen:
                for channel in channels:
                    key = f"{self.paper.id}:{section.id}:{section.version}:{channel.id}{nonce}"
                    post, created = await tx.enqueue_post(
                        new=NewPost(
                            kind=PostKind.SECTION,
                            channel_id=channel.id,
                            idempotency_key=key,
                            paper_id=self.paper.id,
                            section_id=section.id,
                            section_version=section.version,
                        ),
                        now=now,
                    )
                    (enqueued if created else already).append(post)
            await tx.append_audit(
                actor=actor,
                action="publish",
                detail={
                    "sections": [s.id for s in chosen],
                    "target": target,
                    "enqueued": len(enqueued),
                    "already": len(already),
                },
                now=now,
            )
        if enqueued and self._on_enqueued is not None:
            self._on_enqueued(frozenset(c.platform for c in channels))
        return PublishResult(enqueued=tuple(enqueued), already=tuple(already), channels=channels)

    # Collecting ---------------------------------------------------------------------------

    async def record(self, event: MemberEvent) -> Outcome:
        """Store a reaction, reply, edit or deletion once; events about messages that are not
        ours are ignored."""
        outcome = await self._recorder.record(event)
        self._metrics.events.labels(event.platform, type(event).__name__, outcome).inc()
        return outcome

    async def feedback_form(self, event: FeedbackRequested) -> FeedbackForm | None:
        """The form for the post a member wants to give feedback on, or None if not ours."""
        async with read_transaction(self._store) as tx:
            post = await self._our_post(tx, event)
            if post is None:
                return None
            member = (event.platform, event.workspace_id, event.actor.user_id)
            return await self._form_for(tx, post, member=member)

    async def feedback_form_for_post(
        self,
        post_id: int,
        *,
        platform: Platform | None = None,
        workspace_id: str | None = None,
        user_id: str | None = None,
    ) -> FeedbackForm | None:
        """The form for a post known by our id (the web channel and dialogs carry it); name the
        member, if known, so the consent notice is shown only before their first feedback."""
        async with read_transaction(self._store) as tx:
            post = await tx.get_post(post_id=post_id)
            if post is None:
                return None
            member = None
            if platform is not None and workspace_id is not None and user_id is not None:
                member = (platform, workspace_id, user_id)
            return await self._form_for(tx, post, member=member)

    async def submit_feedback(self, event: FeedbackSubmitted) -> FeedbackResult | None:
        """Validate and store a feedback submission. Returns None when the post is not ours,
        FeedbackRejected with a message per bad field, or FeedbackAccepted."""
        result = await self._submit_feedback(event)
        label = (
            "ignored"
            if result is None
            else "rejected"
            if isinstance(result, FeedbackRejected)
            else "duplicate"
            if result.duplicate
            else "accepted"
        )
        self._metrics.feedback.labels(event.platform, label).inc()
        return result

    async def _submit_feedback(self, event: FeedbackSubmitted) -> FeedbackResult | None:
        now = self._clock.now()
        async with self._store.transaction() as tx:
            post = await self._our_post(tx, event)
            form = None if post is None else await self._form_for(tx, post)
            if post is None or form is None:
                return None
            result = validate_form(form.form, event.values)
            if isinstance(result, InvalidForm):
                return FeedbackRejected(errors=result.errors, values=result.values)
            if not await tx.claim_event(
                platform=event.platform,
                workspace_id=event.workspace_id,
                event_id=event.event_id,
                now=now,
            ):
                return FeedbackAccepted(
                    feedback_id=None, section_title=form.section_title, duplicate=True
                )
            participant = await tx.upsert_participant(
                platform=event.platform,
                workspace_id=event.workspace_id,
                user_id=event.actor.user_id,
                display_name=event.actor.display_name,
                organisation=result.values.get("org") or event.actor.organisation,
                now=now,
            )
            answers = {k: v for k, v in result.values.items() if k != QUOTE_FIELD.name}
            feedback_id = await tx.add_feedback(
                post_id=post.id,
                participant_id=participant.id,
                values=answers,
                event_id=event.event_id,
                now=now,
            )
            # Submitting the form, with the notice shown above it, is the member's consent; the
            # quote choice covers everything they say, so it lives on the participant.
            await tx.record_consent(participant_id=participant.id, now=now)
            choice = quote_choice(result.values)
            if choice is not None:
                await tx.set_quote_preference(participant_id=participant.id, preference=choice)
        return FeedbackAccepted(feedback_id=feedback_id, section_title=form.section_title)

    async def status(self) -> Sequence[SectionCounts]:
        """Per section: posts sent, reactions, replies and feedback so far."""
        async with read_transaction(self._store) as tx:
            return await tx.section_counts(paper_id=self.paper.id)

    async def section_for_post(self, post: Post) -> Section | None:
        """The section version a post carries."""
        if post.paper_id is None or post.section_id is None:
            return None
        async with read_transaction(self._store) as tx:
            return await tx.get_section(
                paper_id=post.paper_id, section_id=post.section_id, version=post.section_version
            )

    # Helpers --------------------------------------------------------------------------------

    async def _our_post(self, tx: StoreSession, event: InboundEvent) -> Post | None:
        return await tx.find_post_by_message(
            platform=event.platform,
            workspace_id=event.workspace_id,
            channel_external_id=event.channel_id,
            message_id=event.message_id,
        )

    async def _form_for(
        self, tx: StoreSession, post: Post, *, member: tuple[Platform, str, str] | None = None
    ) -> FeedbackForm | None:
        if post.kind is not PostKind.SECTION or post.paper_id is None or post.section_id is None:
            return None
        section = await tx.get_section(
            paper_id=post.paper_id, section_id=post.section_id, version=post.section_version
        )
        if section is None:
            return None
        return FeedbackForm(
            post_id=post.id,
            section_id=section.id,
            section_title=section.title,
            form=with_quote_field(section.form),
            notice=await self._consent_notice(tx, member),
        )

    async def _consent_notice(
        self, tx: StoreSession, member: tuple[Platform, str, str] | None
    ) -> str | None:
        if not self._consent_text:
            return None
        if member is not None:
            platform, workspace_id, user_id = member
            found = await tx.find_privacy(
                platform=platform, workspace_id=workspace_id, user_id=user_id
            )
            if found is not None and found.consented_at is not None:
                return None
        return self._consent_text
