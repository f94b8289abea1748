"""Table rows to the core's dataclasses. Rows never leave `storage`; these do."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import (
    Channel,
    Paper,
    Participant,
    Platform,
    Post,
    PostKind,
    PostState,
    Section,
)
from bot.ports import AuditEntry, StoredReply
from storage.codec import SectionContent, decode_content, encode_content
from storage.tables import (
    AuditRow,
    ChannelRow,
    PaperRow,
    ParticipantRow,
    PostRow,
    ReplyRow,
    SectionRow,
)


def row_id(row: object) -> int:
    """The primary key of a flushed row (a row without one is a bug in storage)."""
    value = getattr(row, "id", None)
    if not isinstance(value, int):
        raise RuntimeError(f"{type(row).__name__} has no id yet: flush before mapping it")
    return value


def to_section(row: SectionRow) -> Section:
    content = decode_content(row.content)
    return Section(
        id=row.section_id,
        ordinal=row.ordinal,
        title=row.title,
        anchor=row.anchor,
        blocks=content.blocks,
        footnotes=content.footnotes,
        form=content.form,
        version=row.version,
        source=row.source,
    )


def section_content(section: Section) -> dict[str, object]:
    """The `content` column of a section row."""
    return encode_content(
        SectionContent(blocks=section.blocks, footnotes=section.footnotes, form=section.form)
    )


def to_paper(row: PaperRow, sections: Sequence[SectionRow]) -> Paper:
    return Paper(
        id=row.id,
        title=row.title,
        version=row.version,
        sections=tuple(to_section(s) for s in sections),
    )


def to_channel(row: ChannelRow) -> Channel:
    return Channel(
        id=row_id(row),
        platform=Platform(row.platform),
        workspace_id=row.workspace_id,
        external_id=row.external_id,
        name=row.name,
        tags=frozenset(row.tags),
        active=row.active,
        reference=row.reference,
    )


def to_post(row: PostRow, message_ids: Sequence[str]) -> Post:
    return Post(
        id=row_id(row),
        kind=PostKind(row.kind),
        channel_id=row.channel_id,
        idempotency_key=row.idempotency_key,
        state=PostState(row.state),
        paper_id=row.paper_id,
        section_id=row.section_id,
        section_version=row.section_version,
        body=row.body,
        prompt_id=row.prompt_id,
        message_ids=tuple(message_ids),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


def to_participant(row: ParticipantRow) -> Participant:
    return Participant(
        id=row_id(row),
        key=row.key,
        platform=Platform(row.platform),
        workspace_id=row.workspace_id,
        user_id=row.user_id,
        display_name=row.display_name,
        organisation=row.organisation,
    )


def to_reply(row: ReplyRow, participant: ParticipantRow) -> StoredReply:
    return StoredReply(
        id=row_id(row),
        post_id=row.post_id,
        participant=to_participant(participant),
        external_id=row.external_id,
        text=row.text,
        created_at=row.created_at,
        edited_at=row.edited_at,
        deleted_at=row.deleted_at,
    )


def to_audit(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row_id(row), at=row.at, actor=row.actor, action=row.action, detail=row.detail
    )
