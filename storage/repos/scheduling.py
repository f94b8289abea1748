"""Engagement events and prompts.

The `targets` JSON column of a prompt holds its whole specification beyond the typed columns:
`to` (target words), `sections`, `anchor` and `offset_seconds` (for an event's prompts),
`rotation` (the next section of a section-of-the-week) and `last_error`. An event's `targets`
holds `to`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.domain import PostState
from bot.ports import NewPost
from bot.scheduling_types import (
    Anchor,
    EngagementEvent,
    FeedbackTally,
    NewEvent,
    NewPrompt,
    Prompt,
    PromptKind,
    PromptState,
    PromptUpdate,
)
from storage.mapping import row_id
from storage.repos.base import NotFound, Repo
from storage.tables import EngagementEventRow, FeedbackRow, PostRow, PromptRow


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def to_event(row: EngagementEventRow) -> EngagementEvent:
    return EngagementEvent(
        id=row_id(row),
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        timezone=row.timezone,
        link=row.link,
        targets=_strings(row.targets.get("to")),
        section_ids=tuple(row.section_ids),
        cancelled_at=row.cancelled_at,
        created_at=row.created_at,
    )


def to_prompt(row: PromptRow) -> Prompt:
    spec = row.targets
    anchor = spec.get("anchor")
    offset = spec.get("offset_seconds")
    error = spec.get("last_error")
    return Prompt(
        id=row_id(row),
        kind=PromptKind(row.kind),
        event_id=row.event_id,
        due_at=row.due_at,
        recurrence=row.recurrence,
        timezone=row.timezone,
        state=PromptState(row.state),
        targets=_strings(spec.get("to")),
        section_ids=_strings(spec.get("sections")),
        text=row.text,
        anchor=Anchor(anchor) if isinstance(anchor, str) else None,
        offset_seconds=offset if isinstance(offset, int) else None,
        rotation=int(spec.get("rotation", 0)),
        last_error=error if isinstance(error, str) else None,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        sent_at=row.sent_at,
        missed_at=row.missed_at,
        created_at=row.created_at,
    )


def _prompt_spec(new: NewPrompt) -> dict[str, Any]:
    spec: dict[str, Any] = {"to": list(new.targets), "sections": list(new.section_ids)}
    if new.anchor is not None:
        spec["anchor"] = new.anchor.value
    if new.offset_seconds is not None:
        spec["offset_seconds"] = new.offset_seconds
    return spec


_PROMPTS = PromptRow.__table__  # type: ignore[attr-defined]
_POSTS = PostRow.__table__  # type: ignore[attr-defined]
_SETTLE = (
    update(_PROMPTS)
    .where(_PROMPTS.c.id == bindparam("b_id"))
    .values(
        state=bindparam("b_state"),
        due_at=bindparam("b_due_at"),
        targets=bindparam("b_targets"),
        sent_at=bindparam("b_sent_at"),
        missed_at=bindparam("b_missed_at"),
    )
)


def _settlement(prompt: Prompt, update: PromptUpdate, now: datetime) -> dict[str, Any]:
    spec: dict[str, Any] = {"to": list(prompt.targets), "sections": list(prompt.section_ids)}
    if prompt.anchor is not None:
        spec["anchor"] = prompt.anchor.value
    if prompt.offset_seconds is not None:
        spec["offset_seconds"] = prompt.offset_seconds
    rotation = prompt.rotation if update.rotation is None else update.rotation
    if rotation:
        spec["rotation"] = rotation
    if update.error is not None:
        spec["last_error"] = update.error
    recurring = update.next_due_at is not None
    return {
        "b_id": prompt.id,
        "b_state": (PromptState.SCHEDULED if recurring else update.state).value,
        "b_due_at": update.next_due_at or prompt.due_at,
        "b_targets": spec,
        "b_sent_at": now if update.sent else prompt.sent_at,
        "b_missed_at": now if update.missed else prompt.missed_at,
    }


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(col(PromptRow.state) == PromptState.SCHEDULED.value, col(PromptRow.due_at) <= now)


class SchedulingRepo(Repo):
    """Repository operations for engagement events and scheduled prompts."""

    # Events -------------------------------------------------------------------------------

    async def add_event(self, *, new: NewEvent, now: datetime) -> EngagementEvent:
        row = EngagementEventRow(
            title=new.title,
            timezone=new.timezone,
            targets={},
            section_ids=[],
            created_at=now,
        )
        self._fill_event(row, new)
        self._db.add(row)
        await self._db.flush()
        return to_event(row)

    async def update_event(self, *, event_id: int, new: NewEvent) -> EngagementEvent:
        row = await self._event_row(event_id)
        self._fill_event(row, new)
        await self._db.flush()
        return to_event(row)

    async def cancel_event(self, *, event_id: int, now: datetime) -> EngagementEvent:
        row = await self._event_row(event_id)
        if row.cancelled_at is None:
            row.cancelled_at = now
            await self._db.flush()
        return to_event(row)

    async def get_event(self, *, event_id: int) -> EngagementEvent | None:
        row = await self._db.get(EngagementEventRow, event_id, populate_existing=True)
        return None if row is None else to_event(row)

    async def list_events(self, *, include_cancelled: bool = True) -> Sequence[EngagementEvent]:
        query = select(EngagementEventRow).order_by(
            col(EngagementEventRow.starts_at), col(EngagementEventRow.id)
        )
        if not include_cancelled:
            query = query.where(col(EngagementEventRow.cancelled_at).is_(None))
        result = await self._db.exec(query.execution_options(populate_existing=True))
        return [to_event(row) for row in result.all()]

    # Prompts ------------------------------------------------------------------------------

    async def add_prompt(self, *, new: NewPrompt, now: datetime) -> Prompt:
        row = PromptRow(
            event_id=new.event_id,
            kind=new.kind.value,
            text=new.text,
            due_at=new.due_at,
            recurrence=new.recurrence,
            timezone=new.timezone,
            targets=_prompt_spec(new),
            state=PromptState.SCHEDULED.value,
            created_at=now,
        )
        self._db.add(row)
        await self._db.flush()
        return to_prompt(row)

    async def get_prompt(self, *, prompt_id: int) -> Prompt | None:
        row = await self._db.get(PromptRow, prompt_id, populate_existing=True)
        return None if row is None else to_prompt(row)

    async def list_prompts(
        self,
        *,
        event_id: int | None = None,
        standalone: bool = False,
        states: Collection[PromptState] | None = None,
    ) -> Sequence[Prompt]:
        query = select(PromptRow).order_by(col(PromptRow.due_at), col(PromptRow.id))
        if event_id is not None:
            query = query.where(col(PromptRow.event_id) == event_id)
        if standalone:
            query = query.where(col(PromptRow.event_id).is_(None))
        if states is not None:
            query = query.where(col(PromptRow.state).in_([s.value for s in states]))
        result = await self._db.exec(query.execution_options(populate_existing=True))
        return [to_prompt(row) for row in result.all()]

    async def cancel_prompts(self, *, prompt_ids: Sequence[int]) -> int:
        if not prompt_ids:
            return 0
        result = await self._db.exec(
            update(PromptRow)
            .where(
                col(PromptRow.id).in_(list(prompt_ids)),
                col(PromptRow.state) == PromptState.SCHEDULED.value,
            )
            .values(state=PromptState.CANCELLED.value)
            .returning(col(PromptRow.id))
            .execution_options(synchronize_session=False)
        )
        return len(result.all())

    async def next_prompt_due(self) -> datetime | None:
        # ORDER BY … LIMIT 1 rather than MIN(): it keeps the column's type (and uses the index).
        result = await self._db.exec(
            select(col(PromptRow.due_at))
            .where(col(PromptRow.state) == PromptState.SCHEDULED.value)
            .order_by(col(PromptRow.due_at))
            .limit(1)
        )
        return result.first()

    async def claim_prompts(self, *, now: datetime, claimer: str, limit: int) -> Sequence[Prompt]:
        candidates = (
            select(col(PromptRow.id))
            .where(_due(now))
            .order_by(col(PromptRow.due_at), col(PromptRow.id))
            .limit(limit)
        )
        claim = update(PromptRow).values(
            state=PromptState.FIRING.value, claimed_by=claimer, claimed_at=now
        )
        if self._dialect == "postgresql":
            # Rows another replica is firing are skipped, not waited for; the UPDATE re-checks
            # the condition, so a row settled meanwhile is not taken again.
            locked = await self._db.exec(candidates.with_for_update(skip_locked=True))
            ids = [prompt_id for prompt_id in locked.all() if prompt_id is not None]
            if not ids:
                return []
            claimed = await self._db.exec(
                claim.where(col(PromptRow.id).in_(ids), _due(now))
                .returning(col(PromptRow.id))
                .execution_options(synchronize_session=False)
            )
        else:
            # One statement in a BEGIN IMMEDIATE transaction: SQLite admits one writer at a time.
            claimed = await self._db.exec(
                claim.where(col(PromptRow.id).in_(candidates.scalar_subquery()), _due(now))
                .returning(col(PromptRow.id))
                .execution_options(synchronize_session=False)
            )
        claimed_ids = list(claimed.scalars().all())
        if not claimed_ids:
            return []
        rows = await self._db.exec(
            select(PromptRow)
            .where(col(PromptRow.id).in_(claimed_ids))
            .order_by(col(PromptRow.due_at), col(PromptRow.id))
            .execution_options(populate_existing=True)
        )
        return [to_prompt(row) for row in rows.all()]

    async def settle_prompts(
        self, *, settled: Sequence[tuple[Prompt, PromptUpdate]], now: datetime
    ) -> None:
        if not settled:
            return
        rows = [_settlement(prompt, update, now) for prompt, update in settled]
        # One executemany for the whole batch rather than an UPDATE round trip per prompt.
        connection = await self._db.connection()
        await connection.execute(_SETTLE, rows)

    async def enqueue_prompt_posts(self, *, posts: Sequence[NewPost], now: datetime) -> None:
        if not posts:
            return
        # The rows `OutboxRepo.enqueue_post` writes, in one executemany: a batch of prompts
        # costs one round trip instead of one per channel. A key already there is skipped.
        rows = [
            {
                "kind": post.kind.value,
                "channel_id": post.channel_id,
                "paper_id": post.paper_id,
                "section_id": post.section_id,
                "section_version": post.section_version,
                "body": post.body,
                "prompt_id": post.prompt_id,
                "idempotency_key": post.idempotency_key,
                "state": PostState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for post in posts
        ]
        insert = self._insert(_POSTS).on_conflict_do_nothing(index_elements=["idempotency_key"])
        connection = await self._db.connection()
        await connection.execute(insert, rows)

    # Feedback, for coverage nudges and digests ----------------------------------------------

    async def feedback_tallies(self, *, paper_id: str) -> Sequence[FeedbackTally]:
        result = await self._db.exec(
            select(
                col(FeedbackRow.section_id),
                col(FeedbackRow.nature),
                col(FeedbackRow.role),
                func.count(),
            )
            .where(col(FeedbackRow.paper_id) == paper_id)
            .group_by(col(FeedbackRow.section_id), col(FeedbackRow.nature), col(FeedbackRow.role))
        )
        return [
            FeedbackTally(section_id=section_id, nature=nature, role=role, count=count)
            for section_id, nature, role, count in result.all()
            if section_id is not None
        ]

    # Helpers --------------------------------------------------------------------------------

    @staticmethod
    def _fill_event(row: EngagementEventRow, new: NewEvent) -> None:
        row.title = new.title
        row.description = new.description
        row.starts_at = new.starts_at
        row.ends_at = new.ends_at
        row.timezone = new.timezone
        row.link = new.link
        row.targets = {"to": list(new.targets)}
        row.section_ids = list(new.section_ids)

    async def _event_row(self, event_id: int) -> EngagementEventRow:
        row = await self._db.get(EngagementEventRow, event_id, populate_existing=True)
        if row is None:
            raise NotFound("engagement event", event_id)
        return row
