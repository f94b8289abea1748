"""Consent, quote preference, erasure and retention on the stored responses."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select

from bot.domain import Platform
from bot.ports_export import ErasureCounts, ParticipantPrivacy, PurgeCounts, QuotePreference
from storage.mapping import to_participant
from storage.repos.base import NotFound, Repo
from storage.repos.people import replacement_participant_key
from storage.tables import (
    FeedbackRow,
    ParticipantRow,
    PrivateChatRow,
    ReactionRow,
    ReplyRevisionRow,
    ReplyRow,
)


def _kept_answers(dialect: str) -> sa.ColumnElement[Any]:
    """A feedback row's answers reduced to the two categorical ones counted in reports,
    `{"nature": …, "role": …}`, built from the row's own `nature` and `role` columns."""
    build = sa.func.json_object if dialect == "sqlite" else sa.func.json_build_object
    # Keys inline, not as parameters: PostgreSQL cannot infer a type for them.
    return build(
        sa.literal_column("'nature'"),
        col(FeedbackRow.nature),
        sa.literal_column("'role'"),
        col(FeedbackRow.role),
        type_=sa.JSON,
    )


def _to_privacy(row: ParticipantRow) -> ParticipantPrivacy:
    preference = row.quote_preference
    return ParticipantPrivacy(
        participant=to_participant(row),
        consented_at=row.consented_at,
        quote_preference=QuotePreference(preference) if preference else None,
        erased_at=row.erased_at,
    )


class PrivacyRepo(Repo):
    """What a member agreed to, and forgetting what they said when asked or when it is old."""

    async def find_privacy(
        self,
        *,
        key: str | None = None,
        platform: Platform | None = None,
        workspace_id: str | None = None,
        user_id: str | None = None,
    ) -> ParticipantPrivacy | None:
        query = select(ParticipantRow).execution_options(populate_existing=True)
        if key is not None:
            query = query.where(col(ParticipantRow.key) == key)
        elif platform is not None and workspace_id is not None and user_id is not None:
            query = query.where(
                col(ParticipantRow.platform) == platform.value,
                col(ParticipantRow.workspace_id) == workspace_id,
                col(ParticipantRow.user_id) == user_id,
            )
        else:
            raise ValueError("name a participant by key, or by platform, workspace and user id")
        row = (await self._db.exec(query)).first()
        return None if row is None else _to_privacy(row)

    async def record_consent(self, *, participant_id: int, now: datetime) -> None:
        await self._db.exec(
            sa.update(ParticipantRow)
            .where(col(ParticipantRow.id) == participant_id)
            .where(col(ParticipantRow.consented_at).is_(None))
            .values(consented_at=now)
            .execution_options(synchronize_session=False)
        )

    async def set_quote_preference(
        self, *, participant_id: int, preference: QuotePreference
    ) -> None:
        await self._db.exec(
            sa.update(ParticipantRow)
            .where(col(ParticipantRow.id) == participant_id)
            .values(quote_preference=preference.value)
            .execution_options(synchronize_session=False)
        )

    async def erase_participant(self, *, participant_id: int, now: datetime) -> ErasureCounts:
        person = await self._db.get(ParticipantRow, participant_id, populate_existing=True)
        if person is None:
            raise NotFound("participant", participant_id)
        their_replies = select(col(ReplyRow.id)).where(
            col(ReplyRow.participant_id) == participant_id
        )
        revisions = await self._rowcount(
            sa.delete(ReplyRevisionRow).where(col(ReplyRevisionRow.reply_id).in_(their_replies))
        )
        replies = await self._rowcount(
            sa.update(ReplyRow)
            .where(col(ReplyRow.participant_id) == participant_id)
            .values(text="")
        )
        feedback = await self._rowcount(
            sa.update(FeedbackRow)
            .where(col(FeedbackRow.participant_id) == participant_id)
            .values(answers=_kept_answers(self._dialect))
        )
        reactions = await self._db.exec(
            select(sa.func.count()).where(col(ReactionRow.participant_id) == participant_id)
        )
        # How to reach them privately names them too (their platform id).
        await self._db.exec(
            sa.delete(PrivateChatRow).where(
                col(PrivateChatRow.platform) == person.platform,
                col(PrivateChatRow.user_id) == person.user_id,
            )
        )
        counts = ErasureCounts(
            participant_key=person.key,
            replies=replies,
            revisions=revisions,
            feedback=feedback,
            reactions=int(reactions.one()),
        )
        # A fresh key as well: an earlier export with personal data maps the old key to a name.
        # The user id must stay unique per workspace, so it becomes a random placeholder; if the
        # person comes back they are a new participant who is asked for consent again.
        person.user_id = "erased:" + secrets.token_hex(8)
        person.key = replacement_participant_key()
        person.display_name = None
        person.organisation = None
        person.consented_at = None
        person.quote_preference = None
        person.erased_at = person.erased_at or now
        await self._db.flush()
        return counts

    async def idle_participants(self, *, before: datetime) -> Sequence[int]:
        person = col(ParticipantRow.id)

        def newer(table: Any, *columns: Any) -> sa.Exists:
            return sa.exists().where(
                table.participant_id == person, sa.or_(*(c >= before for c in columns))
            )

        result = await self._db.exec(
            select(person)
            .where(
                col(ParticipantRow.erased_at).is_(None),
                col(ParticipantRow.created_at) < before,
                ~newer(FeedbackRow, col(FeedbackRow.created_at)),
                ~newer(ReplyRow, col(ReplyRow.created_at), col(ReplyRow.edited_at)),
                ~newer(ReactionRow, col(ReactionRow.added_at), col(ReactionRow.removed_at)),
            )
            .order_by(person)
        )
        return [person_id for person_id in result.all() if person_id is not None]

    async def strip_responses(self, *, before: datetime) -> PurgeCounts:
        revisions = await self._rowcount(
            sa.delete(ReplyRevisionRow).where(col(ReplyRevisionRow.replaced_at) < before)
        )
        replies = await self._rowcount(
            sa.update(ReplyRow)
            .where(
                sa.func.coalesce(col(ReplyRow.edited_at), col(ReplyRow.created_at)) < before,
                col(ReplyRow.text) != "",
            )
            .values(text="")
        )
        kept = _kept_answers(self._dialect)
        # Comparing the text makes stripping idempotent: a reduced row is left alone next time.
        feedback = await self._rowcount(
            sa.update(FeedbackRow)
            .where(
                col(FeedbackRow.created_at) < before,
                sa.cast(col(FeedbackRow.answers), sa.Text) != sa.cast(kept, sa.Text),
            )
            .values(answers=kept)
        )
        return PurgeCounts(replies=replies, revisions=revisions, feedback=feedback)

    async def _rowcount(self, statement: Any) -> int:
        result = await self._db.exec(statement.execution_options(synchronize_session=False))
        return int(result.rowcount)
