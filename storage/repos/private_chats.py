"""Private chats: the opaque reference a platform needs to message one member privately."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table
from sqlmodel import col, select

from bot.domain import Platform
from storage.repos.base import Repo
from storage.tables import PrivateChatRow

_PRIVATE_CHATS: Table = PrivateChatRow.__table__  # type: ignore[attr-defined]


class PrivateChatRepo(Repo):
    """One reference per (platform, member), replaced when the member's chat changes."""

    async def save_private_chat(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        user_id: str,
        reference: Mapping[str, Any],
        now: datetime,
    ) -> None:
        insert = self._insert(_PRIVATE_CHATS).values(
            platform=platform.value,
            workspace_id=workspace_id,
            user_id=user_id,
            reference=dict(reference),
            updated_at=now,
        )
        connection = await self._db.connection()
        await connection.execute(
            insert.on_conflict_do_update(
                index_elements=["platform", "user_id"],
                set_={
                    "workspace_id": insert.excluded.workspace_id,
                    "reference": insert.excluded.reference,
                    "updated_at": insert.excluded.updated_at,
                },
            )
        )

    async def find_private_chat(
        self, *, platform: Platform, user_id: str
    ) -> Mapping[str, Any] | None:
        result = await self._db.exec(
            select(PrivateChatRow).where(
                col(PrivateChatRow.platform) == platform.value,
                col(PrivateChatRow.user_id) == user_id,
            )
        )
        row = result.first()
        return None if row is None else dict(row.reference)

    async def forget_private_chat(self, *, platform: Platform, user_id: str) -> bool:
        result = await self._db.exec(
            sa.delete(PrivateChatRow)
            .where(
                col(PrivateChatRow.platform) == platform.value,
                col(PrivateChatRow.user_id) == user_id,
            )
            .returning(col(PrivateChatRow.id))
        )
        return result.first() is not None
