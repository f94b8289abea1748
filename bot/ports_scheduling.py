"""The storage port for engagement events and scheduled prompts (part of `StoreSession`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.scheduling_types import (
    EngagementEvent,
    FeedbackTally,
    NewEvent,
    NewPrompt,
    Prompt,
    PromptState,
    PromptUpdate,
)

if TYPE_CHECKING:
    from bot.ports import NewPost


class SchedulingSession(Protocol):
    """Repository operations for engagement events and prompts, inside one transaction."""

    # Events
    async def add_event(self, *, new: NewEvent, now: datetime) -> EngagementEvent:
        """Store an engagement event."""
        ...

    async def update_event(self, *, event_id: int, new: NewEvent) -> EngagementEvent:
        """Replace an event's values (its prompts are the caller's business)."""
        ...

    async def cancel_event(self, *, event_id: int, now: datetime) -> EngagementEvent:
        """Mark an event cancelled (once; cancelling again keeps the first time)."""
        ...

    async def get_event(self, *, event_id: int) -> EngagementEvent | None:
        """An event by id."""
        ...

    async def list_events(self, *, include_cancelled: bool = True) -> Sequence[EngagementEvent]:
        """Events by start time."""
        ...

    # Prompts
    async def add_prompt(self, *, new: NewPrompt, now: datetime) -> Prompt:
        """Store a prompt, SCHEDULED at `new.due_at`."""
        ...

    async def get_prompt(self, *, prompt_id: int) -> Prompt | None:
        """A prompt by id."""
        ...

    async def list_prompts(
        self,
        *,
        event_id: int | None = None,
        standalone: bool = False,
        states: Collection[PromptState] | None = None,
    ) -> Sequence[Prompt]:
        """Prompts by due time: of one event, or only those of no event, or in some states."""
        ...

    async def cancel_prompts(self, *, prompt_ids: Sequence[int]) -> int:
        """Cancel those of the prompts that are still SCHEDULED; returns how many."""
        ...

    async def next_prompt_due(self) -> datetime | None:
        """The earliest due time of a SCHEDULED prompt."""
        ...

    async def claim_prompts(self, *, now: datetime, claimer: str, limit: int) -> Sequence[Prompt]:
        """Atomically claim SCHEDULED prompts due by `now` (earliest first), marking them
        FIRING for `claimer`. Two transactions never claim the same prompt. Settle each one
        with `settle_prompts` in the same transaction: a claim that is rolled back leaves the
        prompt SCHEDULED, to be fired again."""
        ...

    async def settle_prompts(
        self, *, settled: Sequence[tuple[Prompt, PromptUpdate]], now: datetime
    ) -> None:
        """Record how claimed prompts went: sent, missed or failed, and for a recurring one
        its next due time (it goes back to SCHEDULED)."""
        ...

    async def enqueue_prompt_posts(self, *, posts: Sequence[NewPost], now: datetime) -> None:
        """Write outbox rows for fired prompts in one go, as `enqueue_post` would one by one;
        a row whose idempotency key is already there is left as it is."""
        ...

    # Feedback tallies
    async def feedback_tallies(self, *, paper_id: str) -> Sequence[FeedbackTally]:
        """Feedback responses per (section, nature, role): the roles heard per section and
        the counts a digest shows."""
        ...
