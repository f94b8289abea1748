"""The database tables (SQLModel, `table=True`).

These rows never leave `storage`: `storage.mapping` turns them into the core's dataclasses.
Enumerations are stored as plain strings so that adding a value needs no migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime

# Deterministic constraint names, so migrations read the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = dict[str, Any]


class Base(SQLModel, registry=registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION))):
    """The base of engage's tables, with a metadata of its own (not SQLModel's global one)."""


METADATA = Base.metadata


def _utc(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime(), nullable=nullable, index=index)


class PaperRow(Base, table=True):
    """A loaded paper."""

    __tablename__ = "papers"

    id: str = Field(primary_key=True)
    title: str = Field(sa_type=sa.Text)
    version: str
    loaded_at: datetime = _utc()


class SectionRow(Base, table=True):
    """One version of one section; `current` marks the versions of the latest load."""

    __tablename__ = "sections"
    __table_args__ = (
        sa.UniqueConstraint("paper_id", "section_id", "version"),
        sa.Index(None, "paper_id", "current", "ordinal"),
    )

    id: int | None = Field(default=None, primary_key=True)
    paper_id: str = Field(foreign_key="papers.id")
    section_id: str
    version: str
    ordinal: int
    title: str = Field(sa_type=sa.Text)
    anchor: str | None = None
    content: Json = Field(sa_type=sa.JSON)
    source: str = Field(sa_type=sa.Text)
    current: bool
    created_at: datetime = _utc()


class ChannelRow(Base, table=True):
    """A channel on a platform; `reference` is opaque to engage (Teams keeps one)."""

    __tablename__ = "channels"
    __table_args__ = (sa.UniqueConstraint("platform", "workspace_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace_id: str
    external_id: str
    name: str = Field(sa_type=sa.Text)
    tags: list[str] = Field(sa_type=sa.JSON)
    active: bool
    reference: Json | None = Field(default=None, sa_type=sa.JSON(none_as_null=True), nullable=True)
    created_at: datetime = _utc()


class PrivateChatRow(Base, table=True):
    """How to reach one member privately (a Teams personal chat); `reference` is opaque to
    engage. Erasing the member removes it."""

    __tablename__ = "private_chats"
    __table_args__ = (sa.UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str
    workspace_id: str
    user_id: str
    reference: Json = Field(sa_type=sa.JSON)
    updated_at: datetime = _utc()


class PostRow(Base, table=True):
    """The outbox: one section or prompt for one channel, and how its delivery went."""

    __tablename__ = "posts"
    __table_args__ = (
        sa.Index(None, "state", "next_attempt_at"),
        sa.Index(None, "paper_id", "section_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    channel_id: int = Field(foreign_key="channels.id", index=True)
    paper_id: str | None = None
    section_id: str | None = None
    section_version: str | None = None
    body: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    prompt_id: int | None = None
    idempotency_key: str = Field(unique=True)
    state: str
    attempts: int
    last_error: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    next_attempt_at: datetime | None = _utc(nullable=True)
    lease_until: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(nullable=True)


class PostMessageRow(Base, table=True):
    """A platform message of a post: part 0 is the root, later parts are continuations."""

    __tablename__ = "post_messages"
    __table_args__ = (
        sa.UniqueConstraint("platform", "channel_external_id", "message_id"),
        sa.UniqueConstraint("post_id", "part"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", ondelete="CASCADE")
    part: int
    message_id: str
    channel_external_id: str
    platform: str


class ParticipantRow(Base, table=True):
    """A person on a platform, with the random pseudonymous `key` used in exports."""

    __tablename__ = "participants"
    __table_args__ = (sa.UniqueConstraint("platform", "workspace_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    platform: str
    workspace_id: str
    user_id: str
    display_name: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    organisation: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    created_at: datetime = _utc()
    # Privacy (migration 0004): when the consent notice was shown, the answer to "may we quote
    # you?" (bot.ports_export.QuotePreference), and when the person's data was erased.
    consented_at: datetime | None = _utc(nullable=True)
    quote_preference: str | None = None
    erased_at: datetime | None = _utc(nullable=True)


class ProcessedEventRow(Base, table=True):
    """An inbound event id already handled, so a platform's retry is stored once."""

    __tablename__ = "processed_events"

    platform: str = Field(primary_key=True)
    workspace_id: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    at: datetime = _utc(index=True)


class ReactionRow(Base, table=True):
    """A participant's emoji on a post; `removed_at` is set while it is withdrawn.

    The unique constraint leads with `post_id`, so it is also the index for reactions by post.
    """

    __tablename__ = "reactions"
    __table_args__ = (sa.UniqueConstraint("post_id", "participant_id", "emoji"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id")
    participant_id: int = Field(foreign_key="participants.id")
    emoji: str
    message_id: str
    added_at: datetime = _utc()
    removed_at: datetime | None = _utc(nullable=True)


class ReplyRow(Base, table=True):
    """A reply in the thread of a post."""

    __tablename__ = "replies"
    __table_args__ = (sa.UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    participant_id: int = Field(foreign_key="participants.id")
    external_id: str
    platform: str
    text: str = Field(sa_type=sa.Text)
    created_at: datetime = _utc()
    edited_at: datetime | None = _utc(nullable=True)
    deleted_at: datetime | None = _utc(nullable=True)


class ReplyRevisionRow(Base, table=True):
    """A reply's earlier text, kept when it is edited."""

    __tablename__ = "reply_revisions"

    id: int | None = Field(default=None, primary_key=True)
    reply_id: int = Field(foreign_key="replies.id", ondelete="CASCADE", index=True)
    text: str = Field(sa_type=sa.Text)
    replaced_at: datetime = _utc()


class FeedbackRow(Base, table=True):
    """A feedback form response; the section is copied from the post, and `nature` and `role`
    are lifted out of the answers so they can be counted in SQL."""

    __tablename__ = "feedback"
    __table_args__ = (sa.Index(None, "paper_id", "section_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="posts.id", index=True)
    participant_id: int = Field(foreign_key="participants.id")
    paper_id: str | None = None
    section_id: str | None = None
    section_version: str | None = None
    answers: Json = Field(sa_type=sa.JSON)
    nature: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    role: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    event_id: str
    created_at: datetime = _utc()


class EngagementEventRow(Base, table=True):
    """An open-house meeting, webinar or deadline that prompts are scheduled around."""

    __tablename__ = "engagement_events"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_type=sa.Text)
    description: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    starts_at: datetime = _utc()
    ends_at: datetime = _utc()
    timezone: str
    link: str | None = Field(default=None, sa_type=sa.Text, nullable=True)
    targets: Json = Field(sa_type=sa.JSON)
    section_ids: list[str] = Field(sa_type=sa.JSON)
    cancelled_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()


class PromptRow(Base, table=True):
    """A reminder, follow-up or recurring nudge (`recurrence` is a cron string)."""

    __tablename__ = "prompts"
    __table_args__ = (sa.Index(None, "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int | None = Field(default=None, foreign_key="engagement_events.id", nullable=True)
    kind: str
    text: str = Field(sa_type=sa.Text)
    due_at: datetime = _utc()
    recurrence: str | None = None
    timezone: str
    targets: Json = Field(sa_type=sa.JSON)
    state: str
    claimed_by: str | None = None
    claimed_at: datetime | None = _utc(nullable=True)
    sent_at: datetime | None = _utc(nullable=True)
    missed_at: datetime | None = _utc(nullable=True)
    created_at: datetime = _utc()


class AuditRow(Base, table=True):
    """A line of the append-only audit log."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor: str
    action: str
    detail: Json = Field(sa_type=sa.JSON)
