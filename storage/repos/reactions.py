"""Emoji reactions on posts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Table, func, null, update
from sqlmodel import col, select

from bot.ports import NewReaction
from storage.repos.base import Repo
from storage.repos.sqlite_direct import fetch_all, insert_sql, sqlite_time
from storage.tables import ReactionRow

_REACTIONS: Table = ReactionRow.__table__  # type: ignore[attr-defined]


class ReactionRepo(Repo):
    """Reactions: one row per (post, participant, emoji); withdrawing one sets `removed_at`."""

    async def add_reaction(
        self, *, post_id: int, participant_id: int, emoji: str, message_id: str, now: datetime
    ) -> bool:
        reaction = NewReaction(
            post_id=post_id, participant_id=participant_id, emoji=emoji, message_id=message_id
        )
        return await self.add_reactions(reactions=[reaction], now=now) == 1

    async def add_reactions(self, *, reactions: Sequence[NewReaction], now: datetime) -> int:
        unique: dict[tuple[int, int, str], NewReaction] = {}
        for reaction in reactions:  # the same reaction twice: the first stands
            unique.setdefault((reaction.post_id, reaction.participant_id, reaction.emoji), reaction)
        if not unique:
            return 0
        rows = [
            {
                "post_id": r.post_id,
                "participant_id": r.participant_id,
                "emoji": r.emoji,
                "message_id": r.message_id,
                "added_at": now,
                "removed_at": None,
            }
            for _, r in sorted(unique.items(), key=lambda item: item[0])
        ]
        if self._dialect == "sqlite":
            columns = ("post_id", "participant_id", "emoji", "message_id")
            parameters = [
                value for row in rows for value in (*(row[c] for c in columns), sqlite_time(now))
            ]
            sql = insert_sql(
                "reactions",
                (*columns, "added_at"),
                rows=len(rows),
                tail="ON CONFLICT (post_id, participant_id, emoji) DO UPDATE SET "
                "removed_at = NULL, added_at = excluded.added_at, "
                "message_id = excluded.message_id WHERE reactions.removed_at IS NOT NULL "
                "RETURNING id",
            )
            return len(await fetch_all(self._db, sql, parameters))
        insert = self._insert(_REACTIONS)
        table = _REACTIONS.c
        # One statement (executemany rows go out as one multi-row INSERT): new rows, or
        # withdrawn ones standing again; standing ones are left alone and return nothing.
        connection = await self._db.connection()
        result = await connection.execute(
            insert.on_conflict_do_update(
                index_elements=["post_id", "participant_id", "emoji"],
                set_={
                    # NULL, not a bound None: a bound value outside VALUES would make
                    # SQLAlchemy send the rows one statement each.
                    "removed_at": null(),
                    "added_at": insert.excluded.added_at,
                    "message_id": insert.excluded.message_id,
                },
                where=table.removed_at.is_not(None),
            ).returning(table.id),
            rows,
        )
        return len(result.all())

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
