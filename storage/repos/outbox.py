"""The outbox: posts waiting to be sent, being sent, sent or failed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, and_, delete, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select

from bot.domain import Platform, Post, PostKind, PostState
from bot.ports import NewPost
from storage.mapping import to_post
from storage.repos.base import NotFound, Repo
from storage.tables import ChannelRow, PostMessageRow, PostRow


def _due(now: datetime) -> ColumnElement[bool]:
    pending = and_(
        col(PostRow.state) == PostState.PENDING.value,
        or_(col(PostRow.next_attempt_at).is_(None), col(PostRow.next_attempt_at) <= now),
    )
    lease_expired = and_(
        col(PostRow.state) == PostState.SENDING.value, col(PostRow.lease_until) <= now
    )
    return or_(pending, lease_expired)


_POST_MESSAGES: Table = PostMessageRow.__table__  # type: ignore[attr-defined]


class OutboxRepo(Repo):
    """Outbox rows and the platform messages each one became."""

    async def enqueue_post(self, *, new: NewPost, now: datetime) -> tuple[Post, bool]:
        insert = self._insert(PostRow).values(
            kind=new.kind.value,
            channel_id=new.channel_id,
            paper_id=new.paper_id,
            section_id=new.section_id,
            section_version=new.section_version,
            body=new.body,
            prompt_id=new.prompt_id,
            idempotency_key=new.idempotency_key,
            state=PostState.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        result = await self._db.exec(
            insert.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(PostRow)
        )
        row = result.scalar_one_or_none()
        if row is not None:
            return to_post(row, ()), True
        existing = await self._db.exec(
            select(PostRow)
            .where(col(PostRow.idempotency_key) == new.idempotency_key)
            .execution_options(populate_existing=True)
        )
        return (await self._posts([existing.one()]))[0], False

    async def claim_posts(
        self, *, platform: Platform, now: datetime, lease_seconds: float, limit: int
    ) -> Sequence[Post]:
        candidates = (
            select(col(PostRow.id))
            .join(ChannelRow, col(ChannelRow.id) == col(PostRow.channel_id))
            .where(col(ChannelRow.platform) == platform.value, _due(now))
            .order_by(col(PostRow.id))
            .limit(limit)
        )
        claim = update(PostRow).values(
            state=PostState.SENDING.value,
            attempts=col(PostRow.attempts) + 1,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        if self._dialect == "postgresql":
            # Rows another claimer holds are skipped, not waited for; the WHERE is re-checked
            # on rows committed meanwhile, so a row is never handed out twice.
            locked = await self._db.exec(candidates.with_for_update(of=PostRow, skip_locked=True))
            ids = [post_id for post_id in locked.all() if post_id is not None]
            if not ids:
                return []
            await self._db.exec(
                claim.where(col(PostRow.id).in_(ids)).execution_options(synchronize_session=False)
            )
        else:
            # One statement inside a BEGIN IMMEDIATE transaction (see storage.engine): SQLite
            # lets one writer in at a time, so selection and update cannot interleave.
            claimed = await self._db.exec(
                claim.where(col(PostRow.id).in_(candidates.scalar_subquery()))
                .returning(col(PostRow.id))
                .execution_options(synchronize_session=False)
            )
            ids = list(claimed.scalars().all())
        return await self._posts_by_id(ids)

    async def mark_post_sent(
        self, *, post_id: int, message_ids: Sequence[str], now: datetime
    ) -> Post:
        found = await self._db.exec(
            select(PostRow, ChannelRow)
            .join(ChannelRow, col(ChannelRow.id) == col(PostRow.channel_id))
            .where(col(PostRow.id) == post_id)
            .execution_options(populate_existing=True)
        )
        pair = found.first()
        if pair is None:
            raise NotFound("post", post_id)
        row, channel = pair
        # Marking twice (a retry after an error we could not see the end of) keeps one copy.
        await self._db.exec(delete(PostMessageRow).where(col(PostMessageRow.post_id) == post_id))
        if message_ids:
            connection = await self._db.connection()
            await connection.execute(
                _POST_MESSAGES.insert(),
                [
                    {
                        "post_id": post_id,
                        "part": part,
                        "message_id": message_id,
                        "channel_external_id": channel.external_id,
                        "platform": channel.platform,
                    }
                    for part, message_id in enumerate(message_ids)
                ],
            )
        row.state = PostState.SENT.value
        row.sent_at = now
        row.lease_until = None
        await self._db.flush()
        return to_post(row, message_ids)

    async def mark_posts_sent(
        self, *, deliveries: Mapping[int, Sequence[str]], now: datetime
    ) -> None:
        ids = sorted(deliveries)
        if not ids:
            return
        found = await self._db.exec(
            select(col(PostRow.id), col(ChannelRow.external_id), col(ChannelRow.platform))
            .join(ChannelRow, col(ChannelRow.id) == col(PostRow.channel_id))
            .where(col(PostRow.id).in_(ids))
        )
        channels = {post_id: (external_id, platform) for post_id, external_id, platform in found}
        for post_id in ids:
            if post_id not in channels:
                raise NotFound("post", post_id)
        await self._db.exec(
            delete(PostMessageRow)
            .where(col(PostMessageRow.post_id).in_(ids))
            .execution_options(synchronize_session=False)
        )
        messages = [
            {
                "post_id": post_id,
                "part": part,
                "message_id": message_id,
                "channel_external_id": channels[post_id][0],
                "platform": channels[post_id][1],
            }
            for post_id in ids
            for part, message_id in enumerate(deliveries[post_id])
        ]
        if messages:
            connection = await self._db.connection()
            await connection.execute(_POST_MESSAGES.insert(), messages)
        await self._db.exec(
            update(PostRow)
            .where(col(PostRow.id).in_(ids))
            .values(state=PostState.SENT.value, sent_at=now, lease_until=None)
            .execution_options(synchronize_session=False)
        )

    async def add_post_message(self, *, post_id: int, part: int, message_id: str) -> None:
        found = await self._db.exec(
            select(col(ChannelRow.external_id), col(ChannelRow.platform))
            .join(PostRow, col(PostRow.channel_id) == col(ChannelRow.id))
            .where(col(PostRow.id) == post_id)
        )
        channel = found.first()
        if channel is None:
            raise NotFound("post", post_id)
        external_id, platform = channel
        connection = await self._db.connection()
        await connection.execute(
            self._insert(_POST_MESSAGES)
            .values(
                post_id=post_id,
                part=part,
                message_id=message_id,
                channel_external_id=external_id,
                platform=platform,
            )
            .on_conflict_do_nothing()
        )

    async def mark_post_retry(
        self, *, post_id: int, error: str, retry_at: datetime, now: datetime
    ) -> Post:
        row = await self._post_row(post_id)
        row.state = PostState.PENDING.value
        row.last_error = error
        row.next_attempt_at = retry_at
        row.lease_until = None
        await self._db.flush()
        return (await self._posts([row]))[0]

    async def mark_post_failed(self, *, post_id: int, error: str, now: datetime) -> Post:
        row = await self._post_row(post_id)
        row.state = PostState.FAILED.value
        row.last_error = error
        row.next_attempt_at = None
        row.lease_until = None
        await self._db.flush()
        return (await self._posts([row]))[0]

    async def get_post(self, *, post_id: int) -> Post | None:
        row = await self._db.get(PostRow, post_id, populate_existing=True)
        return None if row is None else (await self._posts([row]))[0]

    async def find_post_by_message(
        self, *, platform: Platform, workspace_id: str, channel_external_id: str, message_id: str
    ) -> Post | None:
        result = await self._db.exec(
            select(PostRow)
            .join(PostMessageRow, col(PostMessageRow.post_id) == col(PostRow.id))
            .join(ChannelRow, col(ChannelRow.id) == col(PostRow.channel_id))
            .where(
                col(PostMessageRow.platform) == platform.value,
                col(PostMessageRow.channel_external_id) == channel_external_id,
                col(PostMessageRow.message_id) == message_id,
                col(ChannelRow.platform) == platform.value,
                col(ChannelRow.workspace_id) == workspace_id,
                col(ChannelRow.external_id) == channel_external_id,
            )
            .execution_options(populate_existing=True)
        )
        row = result.first()
        return None if row is None else (await self._posts([row]))[0]

    async def list_posts(
        self, *, channel_id: int | None = None, kind: PostKind | None = None
    ) -> Sequence[Post]:
        query = select(PostRow).order_by(col(PostRow.id))
        if channel_id is not None:
            query = query.where(col(PostRow.channel_id) == channel_id)
        if kind is not None:
            query = query.where(col(PostRow.kind) == kind.value)
        result = await self._db.exec(query.execution_options(populate_existing=True))
        return await self._posts(result.all())

    async def _post_row(self, post_id: int) -> PostRow:
        row = await self._db.get(PostRow, post_id, populate_existing=True)
        if row is None:
            raise NotFound("post", post_id)
        return row

    async def _posts_by_id(self, ids: Iterable[int]) -> list[Post]:
        result = await self._db.exec(
            select(PostRow)
            .where(col(PostRow.id).in_(list(ids)))
            .order_by(col(PostRow.id))
            .execution_options(populate_existing=True)
        )
        return await self._posts(result.all())

    async def _posts(self, rows: Sequence[PostRow]) -> list[Post]:
        """Posts with their message ids, loaded in one query for all the rows."""
        ids = [row.id for row in rows]
        messages: dict[int, list[str]] = defaultdict(list)
        if ids:
            result = await self._db.exec(
                select(col(PostMessageRow.post_id), col(PostMessageRow.message_id))
                .where(col(PostMessageRow.post_id).in_(ids))
                .order_by(col(PostMessageRow.post_id), col(PostMessageRow.part))
            )
            for post_id, message_id in result.all():
                messages[post_id].append(message_id)
        return [to_post(row, messages[row.id or 0]) for row in rows]
