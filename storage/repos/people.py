"""Participants and the inbound-event ids already seen."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlmodel import col, select

from bot.domain import Participant, Platform
from storage.mapping import to_participant
from storage.repos.base import Repo
from storage.tables import ParticipantRow, ProcessedEventRow


def new_participant_key() -> str:
    """A random pseudonym for exports ("p_" and 12 hex digits); it reveals nothing."""
    return "p_" + secrets.token_hex(6)


class PeopleRepo(Repo):
    """Who did something, and which platform deliveries have been handled already."""

    async def upsert_participant(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        user_id: str,
        display_name: str | None,
        organisation: str | None,
        now: datetime,
    ) -> Participant:
        insert = self._insert(ParticipantRow).values(
            key=new_participant_key(),
            platform=platform.value,
            workspace_id=workspace_id,
            user_id=user_id,
            display_name=display_name,
            organisation=organisation,
            created_at=now,
        )
        await self._db.exec(
            insert.on_conflict_do_nothing(index_elements=["platform", "workspace_id", "user_id"])
        )
        row = await self._participant_row(
            platform=platform, workspace_id=workspace_id, user_id=user_id
        )
        assert row is not None  # inserted or already there, one statement ago
        if display_name is not None and display_name != row.display_name:
            row.display_name = display_name
        if organisation is not None and organisation != row.organisation:
            row.organisation = organisation
        await self._db.flush()
        return to_participant(row)

    async def find_participant(
        self, *, platform: Platform, workspace_id: str, user_id: str
    ) -> Participant | None:
        row = await self._participant_row(
            platform=platform, workspace_id=workspace_id, user_id=user_id
        )
        return None if row is None else to_participant(row)

    async def _participant_row(
        self, *, platform: Platform, workspace_id: str, user_id: str
    ) -> ParticipantRow | None:
        result = await self._db.exec(
            select(ParticipantRow)
            .where(
                col(ParticipantRow.platform) == platform.value,
                col(ParticipantRow.workspace_id) == workspace_id,
                col(ParticipantRow.user_id) == user_id,
            )
            .execution_options(populate_existing=True)
        )
        return result.one_or_none()

    async def claim_event(
        self, *, platform: Platform, workspace_id: str, event_id: str, now: datetime
    ) -> bool:
        # ON CONFLICT DO NOTHING rather than catching an IntegrityError: on PostgreSQL a failed
        # INSERT would abort the whole transaction.
        insert = self._insert(ProcessedEventRow).values(
            platform=platform.value, workspace_id=workspace_id, event_id=event_id, at=now
        )
        result = await self._db.exec(
            insert.on_conflict_do_nothing().returning(col(ProcessedEventRow.event_id))
        )
        return result.scalar_one_or_none() is not None
