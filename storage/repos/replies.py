"""Replies in the threads of posts, with their edit history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, update
from sqlmodel import col, select

from bot.domain import Platform
from bot.ports import StoredReply
from storage.mapping import to_reply
from storage.repos.base import NotFound, Repo
from storage.tables import ChannelRow, ParticipantRow, PostRow, ReplyRevisionRow, ReplyRow

_REPLIES: Table = ReplyRow.__table__  # type: ignore[attr-defined]


class ReplyRepo(Repo):
    """Replies: edits keep the previous text as a revision; deleting drops every text."""

    async def add_reply(
        self, *, post_id: int, participant_id: int, external_id: str, text: str, now: datetime
    ) -> StoredReply:
        platform = await self._db.exec(
            select(col(ChannelRow.platform))
            .join(PostRow, col(PostRow.channel_id) == col(ChannelRow.id))
            .where(col(PostRow.id) == post_id)
        )
        platform_name = platform.first()
        if platform_name is None:
            raise NotFound("post", post_id)
        insert = self._insert(ReplyRow).values(
            post_id=post_id,
            participant_id=participant_id,
            external_id=external_id,
            platform=platform_name,
            text=text,
            created_at=now,
        )
        # A reply the platform delivers twice is stored once.
        await self._db.exec(
            insert.on_conflict_do_nothing(index_elements=["platform", "external_id"])
        )
        reply = await self.find_reply(platform=Platform(platform_name), external_id=external_id)
        assert reply is not None
        return reply

    async def find_reply(self, *, platform: Platform, external_id: str) -> StoredReply | None:
        result = await self._db.exec(
            select(ReplyRow, ParticipantRow)
            .join(ParticipantRow, col(ParticipantRow.id) == col(ReplyRow.participant_id))
            .where(
                col(ReplyRow.platform) == platform.value, col(ReplyRow.external_id) == external_id
            )
            .execution_options(populate_existing=True)
        )
        found = result.first()
        return None if found is None else to_reply(*found)

    async def edit_reply(self, *, reply_id: int, text: str, now: datetime) -> StoredReply:
        reply, participant = await self._reply_rows(reply_id)
        # A deleted reply stays deleted, and platforms also send "edits" that leave the text
        # as it was (a link preview arriving): neither makes a revision.
        if reply.deleted_at is None and text != reply.text:
            self._db.add(ReplyRevisionRow(reply_id=reply_id, text=reply.text, replaced_at=now))
            reply.text = text
            reply.edited_at = now
            await self._db.flush()
        return to_reply(reply, participant)

    async def delete_reply(self, *, reply_id: int, now: datetime) -> StoredReply:
        reply, participant = await self._reply_rows(reply_id)
        reply.text = ""
        if reply.deleted_at is None:
            reply.deleted_at = now
        await self._db.exec(
            update(ReplyRevisionRow)
            .where(col(ReplyRevisionRow.reply_id) == reply_id)
            .values(text="")
            .execution_options(synchronize_session=False)
        )
        await self._db.flush()
        return to_reply(reply, participant)

    async def list_replies(
        self, *, post_id: int, include_deleted: bool = False
    ) -> Sequence[StoredReply]:
        query = (
            select(ReplyRow, ParticipantRow)
            .join(ParticipantRow, col(ParticipantRow.id) == col(ReplyRow.participant_id))
            .where(col(ReplyRow.post_id) == post_id)
            .order_by(col(ReplyRow.created_at), col(ReplyRow.id))
        )
        if not include_deleted:
            query = query.where(col(ReplyRow.deleted_at).is_(None))
        result = await self._db.exec(query.execution_options(populate_existing=True))
        return [to_reply(reply, participant) for reply, participant in result.all()]

    async def reply_revisions(self, *, reply_id: int) -> Sequence[tuple[str, datetime]]:
        """A reply's earlier texts with when each was replaced, oldest first."""
        result = await self._db.exec(
            select(col(ReplyRevisionRow.text), col(ReplyRevisionRow.replaced_at))
            .where(col(ReplyRevisionRow.reply_id) == reply_id)
            .order_by(col(ReplyRevisionRow.id))
        )
        return list(result.all())

    async def _reply_rows(self, reply_id: int) -> tuple[ReplyRow, ParticipantRow]:
        result = await self._db.exec(
            select(ReplyRow, ParticipantRow)
            .join(ParticipantRow, col(ParticipantRow.id) == col(ReplyRow.participant_id))
            .where(col(ReplyRow.id) == reply_id)
            .execution_options(populate_existing=True)
        )
        found = result.first()
        if found is None:
            raise NotFound("reply", reply_id)
        return found[0], found[1]
