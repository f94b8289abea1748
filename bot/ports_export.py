"""The storage port for exports, reports, erasure and retention (part of `StoreSession`).

Exports read through an `ExportReader`: a read-only snapshot on a connection of its own, so a long
export sees one consistent state of every table and never holds up the bot's writes. Rows come
back as tuples of text, in the column orders below, because that is what every export format
starts from and the cheapest thing to stream by the million.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.domain import FormField, Participant, Platform

if TYPE_CHECKING:  # bot.ports imports this module
    from bot.ports import AuditEntry


class QuotePreference(StrEnum):
    """May we quote you? A member's answer, stored on the participant."""

    NAMED = "named"
    ANONYMISED = "anonymised"
    NONE = "none"


class ExportTable(StrEnum):
    """The tables an export writes, one file or sheet each."""

    FEEDBACK = "feedback"
    REPLIES = "replies"
    REACTIONS = "reactions"


class Tally(StrEnum):
    """What the summary counts per section."""

    NATURE = "nature"
    ROLE = "role"
    EMOJI = "emoji"


@dataclass(frozen=True, kw_only=True)
class ExportFilters:
    """Which responses an export or report covers; empty means everything.

    `sections` holds section ids or ordinals (as text); `since` is inclusive and `until`
    exclusive, both compared with when a response was made.
    """

    paper_id: str | None = None
    sections: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    platform: Platform | None = None


TextRow = Sequence[str]
"""A row of an export query (a tuple or a tuple-like row): every value as text, "" when
missing, times in ISO 8601 UTC to the second."""

# Column orders of the rows each stream yields. The first `COMMON_COLUMNS` are the same for all.
COMMON_COLUMNS = (
    "id",
    "at",
    "paper_id",
    "section_ordinal",
    "section_id",
    "section_title",
    "section_version",
    "platform",
    "workspace_id",
    "channel",
    "participant_key",
    "participant_name",
    "participant_organisation",
    "quote_preference",
)
FEEDBACK_COLUMNS = (*COMMON_COLUMNS, "answers")  # answers: the JSON text of the form's values
REPLY_COLUMNS = (*COMMON_COLUMNS, "edited_at", "text")
REACTION_COLUMNS = (*COMMON_COLUMNS, "removed_at", "emoji")


@dataclass(frozen=True, kw_only=True)
class SectionInfo:
    """A section as summaries name it: its current ordinal and title."""

    paper_id: str
    section_id: str
    ordinal: int
    title: str


@dataclass(frozen=True, kw_only=True)
class TallyCount:
    """How many responses of a section fall in one category (a nature, a role, an emoji)."""

    paper_id: str | None
    section_id: str | None
    category: str | None
    count: int


@dataclass(frozen=True, kw_only=True)
class DayCount:
    """How many rows of a table a section drew on one day (UTC)."""

    paper_id: str | None
    section_id: str | None
    day: date
    count: int


@dataclass(frozen=True, kw_only=True)
class ParticipantPrivacy:
    """A participant with what they agreed to."""

    participant: Participant
    consented_at: datetime | None
    quote_preference: QuotePreference | None
    erased_at: datetime | None


@dataclass(frozen=True, kw_only=True)
class ErasureCounts:
    """What an erasure changed."""

    participant_key: str
    replies: int
    revisions: int
    feedback: int
    reactions: int


@dataclass(frozen=True, kw_only=True)
class PurgeCounts:
    """What a retention purge changed."""

    replies: int
    revisions: int
    feedback: int


class ExportReader(Protocol):
    """Read-only queries over one consistent snapshot, all narrowed by the same filters."""

    async def papers(self) -> Sequence[tuple[str, str]]:
        """The (id, title) of the papers covered."""
        ...

    async def people(self) -> int:
        """How many different participants made the responses covered."""
        ...

    async def sections(self) -> Sequence[SectionInfo]:
        """The current sections of the papers covered, in paper then reading order."""
        ...

    async def unknown_sections(self) -> Sequence[str]:
        """The section ids or ordinals named in the filters that match no section."""
        ...

    async def form_fields(self) -> Sequence[FormField]:
        """Every field of the covered sections' forms (all versions), one per name, in the
        order they first appear."""
        ...

    async def count(self, table: ExportTable) -> int:
        """How many rows `rows(table)` will yield."""
        ...

    def rows(self, table: ExportTable, *, batch_size: int) -> AsyncIterator[Sequence[TextRow]]:
        """The table's rows in id order, in batches; columns as in `*_COLUMNS`. Replies that
        were deleted are left out; withdrawn reactions are kept with `removed_at` set."""
        ...

    async def tallies(self, what: Tally) -> Sequence[TallyCount]:
        """Feedback per section by nature or by role, or standing reactions by emoji."""
        ...

    async def per_day(self, table: ExportTable) -> Sequence[DayCount]:
        """Rows of a table per section per day (UTC)."""
        ...


class ExportSession(Protocol):
    """Repository operations for exports and privacy, inside one transaction."""

    def export_reader(self, *, filters: ExportFilters) -> AbstractAsyncContextManager[ExportReader]:
        """A read-only snapshot of the responses, on a connection of its own."""
        ...

    async def find_privacy(
        self,
        *,
        key: str | None = None,
        platform: Platform | None = None,
        workspace_id: str | None = None,
        user_id: str | None = None,
    ) -> ParticipantPrivacy | None:
        """A participant by pseudonymous key, or by platform, workspace and user id."""
        ...

    async def record_consent(self, *, participant_id: int, now: datetime) -> None:
        """Note that a participant has seen the consent notice (the first time is kept)."""
        ...

    async def set_quote_preference(
        self, *, participant_id: int, preference: QuotePreference
    ) -> None:
        """Store a participant's answer to "may we quote you?"."""
        ...

    async def erase_participant(self, *, participant_id: int, now: datetime) -> ErasureCounts:
        """Remove a participant's identifiers, reply texts (and revisions) and feedback
        answers other than nature and role; counts survive. Returns the key they had."""
        ...

    async def idle_participants(self, *, before: datetime) -> Sequence[int]:
        """Participants not yet erased who have done nothing since `before`."""
        ...

    async def strip_responses(self, *, before: datetime) -> PurgeCounts:
        """Drop the free text of responses made before `before`: reply texts and revisions,
        and feedback answers other than nature and role."""
        ...

    async def find_audit(
        self, *, action: str | None = None, limit: int = 100
    ) -> Sequence[AuditEntry]:
        """The newest audit lines, newest first, optionally of one action (or `action.*`)."""
        ...
