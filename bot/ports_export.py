"""The storage port for exports, reports, erasure and retention (part of `StoreSession`).

Exports read through an `ExportReader`: a read-only snapshot on a connection of its own, so a long
export sees one consistent state of every table and never holds up the bot's writes. Rows come
back as Arrow record batches of text columns, shaped by the database from a `RowPlan` (privacy
rules included): a million rows then cost no Python per row on their way to a CSV file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.domain import FormField, Participant, Platform

if TYPE_CHECKING:  # bot.ports imports this module
    import pyarrow as pa

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


class Source(StrEnum):
    """Where an exported cell's text comes from (besides a form answer)."""

    ID = "id"
    AT = "at"  # when the response was made
    PAPER = "paper"
    SECTION_ORDINAL = "section_ordinal"
    SECTION_ID = "section_id"
    SECTION_TITLE = "section_title"
    SECTION_VERSION = "section_version"
    PLATFORM = "platform"
    WORKSPACE = "workspace"
    CHANNEL = "channel"
    PARTICIPANT_KEY = "participant_key"
    PARTICIPANT_NAME = "participant_name"
    PARTICIPANT_ORGANISATION = "participant_organisation"
    QUOTE_PREFERENCE = "quote_preference"  # the preference that applies to this row
    EDITED_AT = "edited_at"  # replies
    TEXT = "text"  # replies
    REMOVED_AT = "removed_at"  # reactions
    EMOJI = "emoji"  # reactions


class Show(StrEnum):
    """When a cell's text may appear; otherwise the cell is empty."""

    ALWAYS = "always"
    IF_NAMED = "if_named"  # only for members whose quote preference is *named*
    IF_QUOTABLE = "if_quotable"  # not for members who said *not at all*


@dataclass(frozen=True, kw_only=True)
class CellPlan:
    """One exported column: a source (or a form answer, by field name) and when to show it."""

    source: Source | None = None
    answer: str | None = None
    show: Show = Show.ALWAYS

    def __post_init__(self) -> None:
        if (self.source is None) == (self.answer is None):
            raise ValueError("a cell comes from a source or from a form answer: one of the two")


@dataclass(frozen=True, kw_only=True)
class RowPlan:
    """What the rows of an exported table hold, privacy rules included, so that the database
    shapes them and only finished text is streamed.

    A row's quote preference is the participant's stored one; for feedback with
    `quote_answer`, the strictest of that and the choice in the answer of that name; the
    default preference when neither is known."""

    cells: tuple[CellPlan, ...]
    quote_answer: str | None = None


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
class QuarterCount:
    """How many rows of a table a section drew in one quarter of an hour (`start`, in UTC).

    Every time zone's offset is a whole number of quarter hours, so these add up to days in
    whichever zone the organisers work in."""

    paper_id: str | None
    section_id: str | None
    start: datetime
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

    def rows(
        self, table: ExportTable, *, plan: RowPlan, batch_size: int
    ) -> AsyncIterator[pa.RecordBatch]:
        """The table's rows in id order, in batches of string columns, one per cell of `plan`
        ("" when empty, times in ISO 8601 UTC to the second). Replies that were deleted are
        left out; withdrawn reactions are kept with `removed_at` set."""
        ...

    async def tallies(self, what: Tally) -> Sequence[TallyCount]:
        """Feedback per section by nature or by role, or standing reactions by emoji."""
        ...

    async def per_quarter_hour(self, table: ExportTable) -> Sequence[QuarterCount]:
        """Rows of a table per section per quarter of an hour."""
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
