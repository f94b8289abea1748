"""Neutral domain types shared by every part of engage.

Everything here is a frozen dataclass or an enum; nothing knows about Slack, Teams or the web.
Adapters translate platform payloads into these types and back; storage maps them to tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    """A chat platform engage can post to and collect from."""

    SLACK = "slack"
    TEAMS = "teams"
    WEB = "web"


# --- The paper's block tree -------------------------------------------------------------------
# Inline nodes


@dataclass(frozen=True, kw_only=True)
class Text:
    """Plain text."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Emphasis:
    """Italic text."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, kw_only=True)
class Strong:
    """Bold text."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, kw_only=True)
class InlineCode:
    """A code span."""

    text: str


@dataclass(frozen=True, kw_only=True)
class Link:
    """A hyperlink; `children` is the link text."""

    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True, kw_only=True)
class FootnoteRef:
    """A reference to a footnote of the same section, by its label ("13", "1")."""

    label: str


@dataclass(frozen=True, kw_only=True)
class LineBreak:
    """A hard line break inside a paragraph."""


Inline = Text | Emphasis | Strong | InlineCode | Link | FootnoteRef | LineBreak

# Block nodes


@dataclass(frozen=True, kw_only=True)
class Heading:
    """A heading inside a section (level 2 and below; level 1 is the section title)."""

    level: int
    children: tuple[Inline, ...]
    anchor: str | None = None


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """A paragraph of inline content."""

    children: tuple[Inline, ...]


@dataclass(frozen=True, kw_only=True)
class ListBlock:
    """A bullet or numbered list; each item is a sequence of blocks."""

    ordered: bool
    items: tuple[tuple[Block, ...], ...]
    start: int = 1


@dataclass(frozen=True, kw_only=True)
class Quote:
    """A block quote."""

    children: tuple[Block, ...]


@dataclass(frozen=True, kw_only=True)
class CodeBlock:
    """A fenced or indented code block."""

    text: str
    language: str | None = None


Block = Heading | Paragraph | ListBlock | Quote | CodeBlock


@dataclass(frozen=True, kw_only=True)
class Footnote:
    """A footnote of a section: its label and its content as inline nodes."""

    label: str
    children: tuple[Inline, ...]


# --- Forms ------------------------------------------------------------------------------------


class FieldKind(StrEnum):
    """The kinds of form field every platform can render."""

    SELECT = "select"
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"


@dataclass(frozen=True, kw_only=True)
class FormField:
    """One field of a feedback form."""

    name: str
    kind: FieldKind
    label: str
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    options: tuple[str, ...] = ()
    placeholder: str | None = None


@dataclass(frozen=True, kw_only=True)
class FormSpec:
    """A feedback form: the fields, in the order they are shown."""

    fields: tuple[FormField, ...]

    def field(self, name: str) -> FormField | None:
        """The field called `name`, if the form has one."""
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, kw_only=True)
class ValidForm:
    """A submission that passed validation: clean values for every field of the form."""

    values: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class InvalidForm:
    """A submission that failed validation: a message per offending field, and the cleaned input
    so a form can be shown again with what the member typed."""

    errors: Mapping[str, str]
    values: Mapping[str, str]


FormResult = ValidForm | InvalidForm


# --- The paper --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Section:
    """One section of the paper, the unit that is posted and discussed.

    `id` is a stable slug; `version` is a hash of the content, so a changed section is a new
    version while an unchanged one keeps its identity across reloads.
    """

    id: str
    ordinal: int
    title: str
    anchor: str | None
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    form: FormSpec
    version: str
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class Paper:
    """A discussion paper: its title, its sections in reading order, and a version hash."""

    id: str
    title: str
    sections: tuple[Section, ...]
    version: str

    def section(self, section_id: str) -> Section | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)


# --- Channels and posts -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Channel:
    """A place the bot posts to: a Slack channel, a Teams channel, or a web channel.

    `workspace_id` is the Slack team id, the Teams tenant (or team) id, or "local" for the web.
    `reference` holds what a platform needs to reach the channel later (Teams keeps a
    conversation reference there); the core never looks inside it.
    """

    id: int
    platform: Platform
    workspace_id: str
    external_id: str
    name: str
    tags: frozenset[str] = frozenset()
    active: bool = True
    reference: Mapping[str, object] | None = None


class PostKind(StrEnum):
    """What an outbox row carries."""

    SECTION = "section"
    PROMPT = "prompt"


class PostState(StrEnum):
    """The life of an outbox row."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class Post:
    """An outbox row: one section (or prompt) for one channel.

    The row is the truth about delivery: `message_ids` are the platform's ids of the root message
    first, then any continuation messages, and are set only once the platform has accepted them.
    """

    id: int
    kind: PostKind
    channel_id: int
    idempotency_key: str
    state: PostState
    paper_id: str | None = None
    section_id: str | None = None
    section_version: str | None = None
    body: str | None = None
    prompt_id: int | None = None
    message_ids: tuple[str, ...] = ()
    attempts: int = 0
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def root_message_id(self) -> str | None:
        """The id of the first message of the post (the thread root), once sent."""
        return self.message_ids[0] if self.message_ids else None


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What a platform returns after posting: the root message id, then continuation ids."""

    message_ids: tuple[str, ...]


# --- People -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Actor:
    """The person behind an inbound event, as the platform describes them."""

    user_id: str
    display_name: str | None = None
    organisation: str | None = None


@dataclass(frozen=True, kw_only=True)
class Participant:
    """A stored person: the platform identity and a pseudonymous key used in exports."""

    id: int
    key: str
    platform: Platform
    workspace_id: str
    user_id: str
    display_name: str | None = None
    organisation: str | None = None


# --- Inbound events ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class InboundEvent:
    """Something a member did, translated by an adapter.

    `event_id` is the platform's unique id for the delivery (Slack event_id, Teams activity id),
    used to store each event once however often the platform retries it. `channel_id` and
    `message_id` name the platform message acted on: one of our posts (root or continuation).
    """

    platform: Platform
    workspace_id: str
    event_id: str
    channel_id: str
    message_id: str
    actor: Actor
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class ReactionAdded(InboundEvent):
    """A member added an emoji reaction to one of our messages."""

    emoji: str


@dataclass(frozen=True, kw_only=True)
class ReactionRemoved(InboundEvent):
    """A member removed an emoji reaction from one of our messages."""

    emoji: str


@dataclass(frozen=True, kw_only=True)
class ReplyPosted(InboundEvent):
    """A member replied in the thread of one of our posts; `message_id` is the thread root."""

    reply_id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ReplyEdited(InboundEvent):
    """A member edited a reply; the reply is found by `reply_id`."""

    reply_id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class ReplyDeleted(InboundEvent):
    """A member deleted a reply; the reply is found by `reply_id`."""

    reply_id: str


@dataclass(frozen=True, kw_only=True)
class FeedbackRequested(InboundEvent):
    """A member pressed *Give feedback* on one of our posts."""


@dataclass(frozen=True, kw_only=True)
class FeedbackSubmitted(InboundEvent):
    """A member submitted the feedback form for one of our posts."""

    values: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class OrganiserCommand:
    """An organiser's command typed in chat (`/engage post all sector:la`)."""

    platform: Platform
    workspace_id: str
    channel_id: str
    actor: Actor
    text: str


MemberEvent = ReactionAdded | ReactionRemoved | ReplyPosted | ReplyEdited | ReplyDeleted


class Outcome(StrEnum):
    """What `record` did with an event."""

    STORED = "stored"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"


@dataclass(frozen=True, kw_only=True)
class FeedbackForm:
    """What an adapter needs to show the feedback form for a post."""

    post_id: int
    section_id: str
    section_title: str
    form: FormSpec
    notice: str | None = None
    """A consent notice to show above the form (the member's first feedback); submitting the
    form is taken as agreeing to it."""


@dataclass(frozen=True, kw_only=True)
class FeedbackAccepted:
    """A feedback submission that was stored (or had been stored already, for a retry)."""

    feedback_id: int | None
    section_title: str
    duplicate: bool = False


@dataclass(frozen=True, kw_only=True)
class FeedbackRejected:
    """A feedback submission that failed validation; nothing was stored."""

    errors: Mapping[str, str]
    values: Mapping[str, str]


FeedbackResult = FeedbackAccepted | FeedbackRejected


@dataclass(frozen=True, kw_only=True)
class SectionCounts:
    """How much each section has drawn, for organisers."""

    section_id: str
    ordinal: int
    title: str
    posts: int = 0
    reactions: int = 0
    replies: int = 0
    feedback: int = 0
    reactions_by_emoji: Mapping[str, int] = field(default_factory=dict)
