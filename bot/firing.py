"""Firing due prompts: claim, decide (send late, or count as missed), render, enqueue, settle.

All of it happens in one transaction per batch. The claim is atomic (see
`SchedulingSession.claim_prompts`), so replicas sharing a database never fire a prompt twice;
the outbox rows are written in the same transaction as the prompt's new state, so a crash
either loses the whole firing (the prompt is still due and fires again) or none of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Channel, Paper, Platform, PostKind
from bot.errors import TargetError
from bot.ports import Clock, NewPost, Store, StoreSession
from bot.prompts import Facts, render
from bot.recurrence import cron_trigger, latest_occurrence, next_occurrence
from bot.scheduling_types import (
    EngagementEvent,
    Prompt,
    PromptKind,
    PromptState,
    PromptUpdate,
    SchedulingError,
)
from bot.targets import resolve_channels

log = logging.getLogger(__name__)

_NEEDS_COUNTS = frozenset({PromptKind.COVERAGE, PromptKind.DIGEST})


@dataclass(frozen=True, kw_only=True)
class FirePolicy:
    """How late a prompt may still be sent, and how many are fired per transaction."""

    grace_seconds: float = 3600.0
    batch_size: int = 200


@dataclass(kw_only=True)
class FireReport:
    """What one batch did."""

    claimed: int = 0
    sent: int = 0
    missed: int = 0
    failed: int = 0
    cancelled: int = 0
    posts: int = 0  # outbox rows written (or found already written)
    platforms: set[Platform] = field(default_factory=set)
    next_due: datetime | None = None  # of what is still scheduled, read as the batch ends
    full: bool = False  # the batch was as large as allowed: more may be due already


def idempotency_key(prompt_id: int, occurrence: datetime, channel_id: int) -> str:
    """The outbox key of one occurrence of a prompt in one channel."""
    return f"prompt:{prompt_id}:{occurrence.isoformat()}:{channel_id}"


@dataclass(kw_only=True)
class _Batch:
    """Reads shared by the prompts of one batch."""

    tx: StoreSession
    facts: Facts
    events: dict[int, EngagementEvent | None] = field(default_factory=dict)
    channels: dict[str, tuple[Channel, ...]] = field(default_factory=dict)
    posts: list[NewPost] = field(default_factory=list)

    async def event(self, event_id: int) -> EngagementEvent | None:
        if event_id not in self.events:
            self.events[event_id] = await self.tx.get_event(event_id=event_id)
        return self.events[event_id]

    async def resolve(self, target: str) -> tuple[Channel, ...]:
        if target not in self.channels:
            self.channels[target] = await resolve_channels(self.tx, target)
        return self.channels[target]


class PromptFirer:
    """Fires the prompts that are due, one batch per call."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        paper: Callable[[], Paper],
        policy: FirePolicy,
        claimer: str,
    ) -> None:
        self._store = store
        self._clock = clock
        self._paper = paper
        self._policy = policy
        self._claimer = claimer

    async def fire_due(self) -> FireReport:
        """Claim up to a batch of due prompts and fire them; an empty report when none are."""
        report = FireReport()
        now = self._clock.now()
        async with self._store.transaction() as tx:
            prompts = await tx.claim_prompts(
                now=now, claimer=self._claimer, limit=self._policy.batch_size
            )
            if not prompts:
                report.next_due = await tx.next_prompt_due()
                return report
            facts = Facts(paper=self._paper())
            if any(p.kind in _NEEDS_COUNTS for p in prompts):
                facts.counts = await tx.section_counts(paper_id=facts.paper.id)
                facts.tallies = await tx.feedback_tallies(paper_id=facts.paper.id)
            batch = _Batch(tx=tx, facts=facts)
            settled = [(prompt, await self._fire(batch, prompt, now, report)) for prompt in prompts]
            # Through the outbox, in the transaction that settles the prompts: both or neither.
            await tx.enqueue_prompt_posts(posts=batch.posts, now=now)
            await tx.settle_prompts(settled=settled, now=now)
            report.posts = len(batch.posts)
            report.next_due = await tx.next_prompt_due()
        report.claimed = len(prompts)
        report.full = len(prompts) >= self._policy.batch_size
        return report

    async def _fire(
        self, batch: _Batch, prompt: Prompt, now: datetime, report: FireReport
    ) -> PromptUpdate:
        event = None if prompt.event_id is None else await batch.event(prompt.event_id)
        if prompt.event_id is not None and (event is None or event.cancelled):
            report.cancelled += 1
            return PromptUpdate(state=PromptState.CANCELLED)
        occurrence, next_due = prompt.due_at, None
        if prompt.recurrence:
            trigger = cron_trigger(prompt.recurrence, ZoneInfo(prompt.timezone))
            occurrence = latest_occurrence(trigger, due=prompt.due_at, now=now)
            next_due = next_occurrence(trigger, now)
        # Earlier occurrences skipped over while we were down are missed; they are not sent.
        skipped = occurrence != prompt.due_at
        if now - occurrence > timedelta(seconds=self._policy.grace_seconds):
            log.warning(
                "prompt %s was due at %s, more than %ss ago: marked missed, not sent",
                prompt.id,
                occurrence.isoformat(),
                int(self._policy.grace_seconds),
            )
            report.missed += 1
            return PromptUpdate(state=PromptState.MISSED, missed=True, next_due_at=next_due)
        try:
            channels = await self._channels(batch, prompt, event)
            text = render(prompt, event=event, facts=batch.facts, now=now)
            if not text:
                raise SchedulingError("text", "the prompt has nothing to say (no sections?)")
        except (TargetError, SchedulingError) as error:
            log.error("prompt %s could not be sent: %s", prompt.id, error)
            report.failed += 1
            return PromptUpdate(
                state=PromptState.FAILED, error=str(error), next_due_at=next_due, missed=skipped
            )
        for channel in channels:
            batch.posts.append(
                NewPost(
                    kind=PostKind.PROMPT,
                    channel_id=channel.id,
                    body=text,
                    prompt_id=prompt.id,
                    idempotency_key=idempotency_key(prompt.id, occurrence, channel.id),
                )
            )
            report.platforms.add(channel.platform)
        report.sent += 1
        return PromptUpdate(
            state=PromptState.SENT,
            sent=True,
            missed=skipped,
            next_due_at=next_due,
            rotation=prompt.rotation + 1 if prompt.kind is PromptKind.SECTION_OF_WEEK else None,
        )

    async def _channels(
        self, batch: _Batch, prompt: Prompt, event: EngagementEvent | None
    ) -> list[Channel]:
        targets = prompt.targets or (event.targets if event else ())
        found: dict[int, Channel] = {}
        for target in targets:
            for channel in await batch.resolve(target):
                found.setdefault(channel.id, channel)
        if not found:
            raise TargetError(
                "no active channel matches the prompt's targets any more: "
                + ", ".join(targets or ("(none)",))
            )
        return list(found.values())
