"""The initial schema: papers, sections, channels, the outbox, participants, responses,
engagement events and prompts, and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-01-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "external_id",
            name=op.f("uq_channels_platform_workspace_id_external_id"),
        ),
    )
    op.create_table(
        "engagement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("section_ids", sa.JSON(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_events")),
    )
    op.create_table(
        "papers",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_papers")),
    )
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
        sa.UniqueConstraint("key", name=op.f("uq_participants_key")),
        sa.UniqueConstraint(
            "platform",
            "workspace_id",
            "user_id",
            name=op.f("uq_participants_platform_workspace_id_user_id"),
        ),
    )
    op.create_table(
        "processed_events",
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("workspace_id", sa.String(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "workspace_id", "event_id", name=op.f("pk_processed_events")
        ),
    )
    op.create_index(op.f("ix_processed_events_at"), "processed_events", ["at"])

    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=True),
        sa.Column("section_id", sa.String(), nullable=True),
        sa.Column("section_version", sa.String(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("prompt_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_posts_channel_id_channels")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_posts_idempotency_key")),
    )
    op.create_index(op.f("ix_posts_channel_id"), "posts", ["channel_id"])
    op.create_index(op.f("ix_posts_paper_id_section_id"), "posts", ["paper_id", "section_id"])
    op.create_index(op.f("ix_posts_state_next_attempt_at"), "posts", ["state", "next_attempt_at"])

    op.create_table(
        "prompts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recurrence", sa.String(), nullable=True),
        sa.Column("timezone", sa.String(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("claimed_by", sa.String(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["engagement_events.id"],
            name=op.f("fk_prompts_event_id_engagement_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompts")),
    )
    op.create_index(op.f("ix_prompts_state_due_at"), "prompts", ["state", "due_at"])

    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=False),
        sa.Column("section_id", sa.String(), nullable=False),
        sa.Column("version", sa.String(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("anchor", sa.String(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.id"], name=op.f("fk_sections_paper_id_papers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
        sa.UniqueConstraint(
            "paper_id",
            "section_id",
            "version",
            name=op.f("uq_sections_paper_id_section_id_version"),
        ),
    )
    op.create_index(
        op.f("ix_sections_paper_id_current_ordinal"), "sections", ["paper_id", "current", "ordinal"]
    )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.String(), nullable=True),
        sa.Column("section_id", sa.String(), nullable=True),
        sa.Column("section_version", sa.String(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("nature", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_feedback_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_feedback_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index(op.f("ix_feedback_paper_id_section_id"), "feedback", ["paper_id", "section_id"])
    op.create_index(op.f("ix_feedback_post_id"), "feedback", ["post_id"])

    op.create_table(
        "post_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("channel_external_id", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_messages_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_messages")),
        sa.UniqueConstraint(
            "platform",
            "channel_external_id",
            "message_id",
            name=op.f("uq_post_messages_platform_channel_external_id_message_id"),
        ),
        sa.UniqueConstraint("post_id", "part", name=op.f("uq_post_messages_post_id_part")),
    )
    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(), nullable=False),
        sa.Column("message_id", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_reactions_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_reactions_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reactions")),
        sa.UniqueConstraint(
            "post_id",
            "participant_id",
            "emoji",
            name=op.f("uq_reactions_post_id_participant_id_emoji"),
        ),
    )
    op.create_table(
        "replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(), nullable=False),
        sa.Column("platform", sa.String(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
            name=op.f("fk_replies_participant_id_participants"),
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_replies_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replies")),
        sa.UniqueConstraint(
            "platform", "external_id", name=op.f("uq_replies_platform_external_id")
        ),
    )
    op.create_index(op.f("ix_replies_post_id"), "replies", ["post_id"])

    op.create_table(
        "reply_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["replies.id"],
            name=op.f("fk_reply_revisions_reply_id_replies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_revisions")),
    )
    op.create_index(op.f("ix_reply_revisions_reply_id"), "reply_revisions", ["reply_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reply_revisions_reply_id"), table_name="reply_revisions")

    op.drop_table("reply_revisions")
    op.drop_index(op.f("ix_replies_post_id"), table_name="replies")

    op.drop_table("replies")
    op.drop_table("reactions")
    op.drop_table("post_messages")
    op.drop_index(op.f("ix_feedback_post_id"), table_name="feedback")
    op.drop_index(op.f("ix_feedback_paper_id_section_id"), table_name="feedback")

    op.drop_table("feedback")
    op.drop_index(op.f("ix_sections_paper_id_current_ordinal"), table_name="sections")

    op.drop_table("sections")
    op.drop_index(op.f("ix_prompts_state_due_at"), table_name="prompts")

    op.drop_table("prompts")
    op.drop_index(op.f("ix_posts_state_next_attempt_at"), table_name="posts")
    op.drop_index(op.f("ix_posts_paper_id_section_id"), table_name="posts")
    op.drop_index(op.f("ix_posts_channel_id"), table_name="posts")

    op.drop_table("posts")
    op.drop_index(op.f("ix_processed_events_at"), table_name="processed_events")

    op.drop_table("processed_events")
    op.drop_table("participants")
    op.drop_table("papers")
    op.drop_table("engagement_events")
    op.drop_table("channels")
    op.drop_table("audit_log")
