"""Emoji reactions on posts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select

from storage.repos.base import Repo
from storage.tables import ReactionRow


class ReactionRepo(Repo):
    """Reactions: one row per (post, participant, emoji); withdrawing one sets `removed_at`."""

    async def add_reaction(
        self, *, post_id: int, participant_id: int, emoji: str, message_id: str, now: datetime
    ) -> bool:
        insert = self._insert(ReactionRow).values(
            post_id=post_id,
            participant_id=participant_id,
            emoji=emoji,
            message_id=message_id,
            added_at=now,
            removed_at=None,
        )
        # One statement: a new row, or a withdrawn one standing again; a standing one is left
        # alone and returns nothing.
        result = await self._db.exec(
            insert.on_conflict_do_update(
                index_elements=["post_id", "participant_id", "emoji"],
                set_={"removed_at": None, "added_at": now, "message_id": message_id},
                where=col(ReactionRow.removed_at).is_not(None),
            ).returning(col(ReactionRow.id))
        )
        return result.scalar_one_or_none() is not None

    async def remove_reaction(
        self, *, post_id: int, participant_id: int, emoji: str, now: datetime
    ) -> bool:
        result = await self._db.exec(
            update(ReactionRow)
            .where(
                col(ReactionRow.post_id) == post_id,
                col(ReactionRow.participant_id) == participant_id,
                col(ReactionRow.emoji) == emoji,
                col(ReactionRow.removed_at).is_(None),
            )
            .values(removed_at=now)
            .returning(col(ReactionRow.id))
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none() is not None

    async def active_reactions(
        self, *, post_id: int, participant_id: int | None = None
    ) -> Mapping[str, int]:
        query = (
            select(col(ReactionRow.emoji), func.count())
            .where(col(ReactionRow.post_id) == post_id, col(ReactionRow.removed_at).is_(None))
            .group_by(col(ReactionRow.emoji))
            .order_by(col(ReactionRow.emoji))
        )
        if participant_id is not None:
            query = query.where(col(ReactionRow.participant_id) == participant_id)
        result = await self._db.exec(query)
        return dict(result.all())
