"""Participants and the inbound-event ids already seen."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func
from sqlmodel import col, select

from bot.domain import Participant, Platform
from bot.ports import EventKey, NewParticipant, PersonKey
from storage.mapping import to_participant
from storage.repos.base import Repo
from storage.repos.sqlite_direct import fetch_all, insert_sql, sqlite_time
from storage.tables import ParticipantRow, ProcessedEventRow

_PARTICIPANTS: Table = ParticipantRow.__table__  # type: ignore[attr-defined]
_PROCESSED: Table = ProcessedEventRow.__table__  # type: ignore[attr-defined]
_PARTICIPANT = _PARTICIPANTS.c
_RETURNED = (
    _PARTICIPANT.id,
    _PARTICIPANT.key,
    _PARTICIPANT.platform,
    _PARTICIPANT.workspace_id,
    _PARTICIPANT.user_id,
    _PARTICIPANT.display_name,
    _PARTICIPANT.organisation,
)


def new_participant_key() -> str:
    """A pseudonym for exports: "p_", 12 hex digits of the millisecond it was made, 8 random.

    Random keys alone would land all over the key's unique index, so a burst of newcomers (a
    section's launch, when nearly every reaction is someone's first) would cost a page of that
    index per person at each commit, half of what such a commit writes; keys that start with
    the time go in at its end. The time says only when the person first took part, which the
    export's own rows date anyway; 32 random bits keep keys of the same millisecond apart and
    unguessable. (Keys made before this had 12 random hex digits; they stay valid.)
    """
    return f"p_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(4)}"


def replacement_participant_key() -> str:
    """A new pseudonym for an erased participant, all random: a time in it would date the
    erasure next to the times of what the person did before."""
    return "p_" + secrets.token_hex(10)


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
        person = PersonKey(platform, workspace_id, user_id)
        stored = await self.upsert_participants(
            people=[
                NewParticipant(person=person, display_name=display_name, organisation=organisation)
            ],
            now=now,
        )
        return stored[person]

    async def upsert_participants(
        self, *, people: Sequence[NewParticipant], now: datetime
    ) -> Mapping[PersonKey, Participant]:
        merged: dict[PersonKey, NewParticipant] = {}
        for new in people:
            before = merged.get(new.person)
            if before is not None:  # the later name and organisation win, as one by one
                new = NewParticipant(
                    person=new.person,
                    display_name=_given(new.display_name, before.display_name),
                    organisation=_given(new.organisation, before.organisation),
                )
            merged[new.person] = new
        if not merged:
            return {}
        # Sorted, so concurrent writers (other replicas) lock rows in one order.
        rows = [
            {
                "key": new_participant_key(),
                "platform": key.platform.value,
                "workspace_id": key.workspace_id,
                "user_id": key.user_id,
                "display_name": new.display_name,
                "organisation": new.organisation,
                "created_at": now,
            }
            for key, new in sorted(merged.items(), key=lambda item: item[0])
        ]
        if self._dialect == "sqlite":
            return await self._upsert_participants_sqlite(rows)
        insert = self._insert(_PARTICIPANTS)
        # One statement, inserted or updated alike: a name given replaces the stored one, a
        # name not given keeps it. Core rather than ORM, and the rows as executemany
        # parameters: SQLAlchemy sends them as one multi-row INSERT with a cached compilation.
        connection = await self._db.connection()
        result = await connection.execute(
            insert.on_conflict_do_update(
                index_elements=["platform", "workspace_id", "user_id"],
                set_={
                    "display_name": func.coalesce(
                        insert.excluded.display_name, _PARTICIPANT.display_name
                    ),
                    "organisation": func.coalesce(
                        insert.excluded.organisation, _PARTICIPANT.organisation
                    ),
                },
            ).returning(*_RETURNED),
            rows,
        )
        stored = [_participant(row) for row in result.all()]
        return {PersonKey(p.platform, p.workspace_id, p.user_id): p for p in stored}

    async def _upsert_participants_sqlite(
        self, rows: list[dict[str, Any]]
    ) -> Mapping[PersonKey, Participant]:
        columns = ("key", "platform", "workspace_id", "user_id", "display_name", "organisation")
        parameters = [
            value
            for row in rows
            for value in (*(row[c] for c in columns), sqlite_time(row["created_at"]))
        ]
        sql = insert_sql(
            "participants",
            (*columns, "created_at"),
            rows=len(rows),
            tail="ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET "
            "display_name = coalesce(excluded.display_name, participants.display_name), "
            "organisation = coalesce(excluded.organisation, participants.organisation) "
            "RETURNING id, key, platform, workspace_id, user_id, display_name, organisation",
        )
        stored = [_participant_of(*row) for row in await fetch_all(self._db, sql, parameters)]
        return {PersonKey(p.platform, p.workspace_id, p.user_id): p for p in stored}

    async def find_participant(
        self, *, platform: Platform, workspace_id: str, user_id: str
    ) -> Participant | None:
        result = await self._db.exec(
            select(ParticipantRow)
            .where(
                col(ParticipantRow.platform) == platform.value,
                col(ParticipantRow.workspace_id) == workspace_id,
                col(ParticipantRow.user_id) == user_id,
            )
            .execution_options(populate_existing=True)
        )
        row = result.one_or_none()
        return None if row is None else to_participant(row)

    async def claim_event(
        self, *, platform: Platform, workspace_id: str, event_id: str, now: datetime
    ) -> bool:
        key = EventKey(platform, workspace_id, event_id)
        return bool(await self.claim_events(keys=[key], now=now))

    async def claim_events(self, *, keys: Sequence[EventKey], now: datetime) -> set[EventKey]:
        unique = sorted(set(keys))
        if not unique:
            return set()
        # ON CONFLICT DO NOTHING rather than catching an IntegrityError: on PostgreSQL a failed
        # INSERT would abort the whole transaction.
        rows = [
            {
                "platform": key.platform.value,
                "workspace_id": key.workspace_id,
                "event_id": key.event_id,
                "at": now,
            }
            for key in unique
        ]
        if self._dialect == "sqlite":
            sql = insert_sql(
                "processed_events",
                ("platform", "workspace_id", "event_id", "at"),
                rows=len(rows),
                tail="ON CONFLICT DO NOTHING RETURNING platform, workspace_id, event_id",
            )
            at = sqlite_time(now)
            parameters = [
                value
                for row in rows
                for value in (row["platform"], row["workspace_id"], row["event_id"], at)
            ]
            found = await fetch_all(self._db, sql, parameters)
            return {EventKey(Platform(p), w, e) for p, w, e in found}
        table = _PROCESSED.c
        connection = await self._db.connection()
        result = await connection.execute(
            self._insert(_PROCESSED)
            .on_conflict_do_nothing()
            .returning(table.platform, table.workspace_id, table.event_id),
            rows,
        )
        return {EventKey(Platform(p), w, e) for p, w, e in result.all()}


def _given(later: str | None, earlier: str | None) -> str | None:
    return earlier if later is None else later


def _participant(row: Any) -> Participant:
    return _participant_of(*row)


def _participant_of(
    id_: int,
    key: str,
    platform: str,
    workspace_id: str,
    user_id: str,
    display_name: str | None,
    organisation: str | None,
) -> Participant:
    return Participant(
        id=id_,
        key=key,
        platform=Platform(platform),
        workspace_id=workspace_id,
        user_id=user_id,
        display_name=display_name,
        organisation=organisation,
    )
