"""Neutral types of scheduling: engagement events, prompts, and the error for bad input.

Times are timezone-aware UTC instants; each event and prompt also carries the IANA zone its
times were given in, which is the zone its texts are shown in and its recurrence runs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.errors import EngageError


class PromptKind(StrEnum):
    """What a prompt says; the text is rendered when it fires, so counts are fresh."""

    REMINDER = "reminder"  # before an event starts
    FOLLOW_UP = "follow_up"  # after an event ends: points to the sections' Give feedback
    MESSAGE = "message"  # the organiser's own words
    SECTION_OF_WEEK = "section_of_week"  # one section per occurrence, rotating
    COVERAGE = "coverage"  # the least-heard sections and the roles not yet heard from
    DIGEST = "digest"  # what we have heard so far, per section


class PromptState(StrEnum):
    """The life of a prompt. A recurring prompt stays SCHEDULED with its next due time."""

    SCHEDULED = "scheduled"
    FIRING = "firing"  # claimed inside the transaction that fires it; never seen committed
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Anchor(StrEnum):
    """Which end of its event a prompt's due time is counted from."""

    START = "start"
    END = "end"


@dataclass(frozen=True, kw_only=True)
class EngagementEvent:
    """An open-house meeting, webinar or deadline that prompts are scheduled around.

    `targets` are the organiser's words (`sector:la`, `#general`, a channel id), resolved to
    channels each time a prompt fires, so a channel tagged later is reached too.
    """

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    targets: tuple[str, ...]
    section_ids: tuple[str, ...] = ()
    description: str | None = None
    link: str | None = None
    cancelled_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the event was cancelled."""
        return self.cancelled_at is not None


@dataclass(frozen=True, kw_only=True)
class Prompt:
    """A message due at `due_at`, to an event's targets or its own.

    A prompt of an event (`event_id`) has no targets or sections of its own: it uses the
    event's, and its due time is `offset_seconds` from the event's `anchor`. A recurring prompt
    has a `recurrence` (a crontab line read in `timezone`), and `due_at` is its next occurrence.
    """

    id: int
    kind: PromptKind
    due_at: datetime
    timezone: str
    state: PromptState
    event_id: int | None = None
    recurrence: str | None = None
    targets: tuple[str, ...] = ()
    section_ids: tuple[str, ...] = ()
    text: str = ""
    anchor: Anchor | None = None
    offset_seconds: int | None = None
    rotation: int = 0
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    missed_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class NewEvent:
    """An engagement event to be stored (or the new values of an edited one)."""

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    targets: tuple[str, ...]
    section_ids: tuple[str, ...] = ()
    description: str | None = None
    link: str | None = None


@dataclass(frozen=True, kw_only=True)
class NewPrompt:
    """A prompt to be stored."""

    kind: PromptKind
    due_at: datetime
    timezone: str
    event_id: int | None = None
    recurrence: str | None = None
    targets: tuple[str, ...] = ()
    section_ids: tuple[str, ...] = ()
    text: str = ""
    anchor: Anchor | None = None
    offset_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class PromptUpdate:
    """How a fired (or skipped) prompt is settled, in the transaction that claimed it.

    With `next_due_at` the prompt goes back to SCHEDULED at that time (a recurrence);
    otherwise it ends in `state`.
    """

    state: PromptState
    next_due_at: datetime | None = None
    sent: bool = False
    missed: bool = False
    rotation: int | None = None
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class FeedbackTally:
    """How many feedback responses a section has from one (nature, role) pair."""

    section_id: str
    nature: str | None
    role: str | None
    count: int


class SchedulingError(EngageError):
    """Input that cannot be scheduled; nothing was stored.

    `errors` maps each offending field (`title`, `start`, `end`, `timezone`, `link`,
    `targets`, `sections`, `recurrence`, `at`, `ics`, ...) to a message saying what to change;
    `field` and `message` are the first of them.
    """

    def __init__(self, field: str, message: str) -> None:
        self.errors: Mapping[str, str] = {field: message}
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")

    @classmethod
    def of(cls, errors: Mapping[str, str]) -> SchedulingError:
        """One error carrying several fields' messages (shown together in a form)."""
        field, message = next(iter(errors.items()))
        error = cls(field, message)
        error.errors = dict(errors)
        error.args = ("; ".join(f"{f}: {m}" for f, m in errors.items()),)
        return error


@dataclass(frozen=True, kw_only=True)
class EventAgenda:
    """An event with its prompts, by due time."""

    event: EngagementEvent
    prompts: tuple[Prompt, ...]


@dataclass(frozen=True, kw_only=True)
class Agenda:
    """Everything scheduled: events with their prompts, and the prompts of no event."""

    events: tuple[EventAgenda, ...]
    prompts: tuple[Prompt, ...]


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    """What an iCalendar import scheduled, and what it left alone (already there, or past)."""

    scheduled: tuple[EngagementEvent, ...]
    skipped: tuple[str, ...]
