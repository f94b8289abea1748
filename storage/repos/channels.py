"""Channels the bot posts to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlmodel import col, select

from bot.domain import Channel, Platform
from storage.mapping import to_channel
from storage.repos.base import NotFound, Repo
from storage.tables import ChannelRow


class ChannelRepo(Repo):
    """Channels; a channel's sector tags are set by organisers and survive re-installs."""

    async def upsert_channel(
        self,
        *,
        platform: Platform,
        workspace_id: str,
        external_id: str,
        name: str,
        reference: Mapping[str, object] | None = None,
        active: bool = True,
    ) -> Channel:
        ref = None if reference is None else dict(reference)
        insert = self._insert(ChannelRow).values(
            platform=platform.value,
            workspace_id=workspace_id,
            external_id=external_id,
            name=name,
            tags=[],
            active=active,
            reference=ref,
            created_at=datetime.now(UTC),
        )
        result = await self._db.exec(
            insert.on_conflict_do_update(
                index_elements=["platform", "workspace_id", "external_id"],
                set_={"name": name, "reference": ref, "active": active},
            ).returning(col(ChannelRow.id))
        )
        return to_channel(await self._channel_row(result.scalar_one()))

    async def get_channel(self, *, channel_id: int) -> Channel | None:
        row = await self._db.get(ChannelRow, channel_id, populate_existing=True)
        return None if row is None else to_channel(row)

    async def find_channel(
        self, *, platform: Platform, workspace_id: str, external_id: str
    ) -> Channel | None:
        result = await self._db.exec(
            select(ChannelRow)
            .where(
                col(ChannelRow.platform) == platform.value,
                col(ChannelRow.workspace_id) == workspace_id,
                col(ChannelRow.external_id) == external_id,
            )
            .execution_options(populate_existing=True)
        )
        row = result.first()
        return None if row is None else to_channel(row)

    async def list_channels(
        self,
        *,
        platform: Platform | None = None,
        tag: str | None = None,
        active_only: bool = True,
    ) -> Sequence[Channel]:
        query = select(ChannelRow).order_by(col(ChannelRow.id))
        if platform is not None:
            query = query.where(col(ChannelRow.platform) == platform.value)
        if active_only:
            query = query.where(col(ChannelRow.active))
        result = await self._db.exec(query.execution_options(populate_existing=True))
        channels = [to_channel(row) for row in result.all()]
        # Tags live in a JSON list; channels number in the hundreds, so filter here rather than
        # with backend-specific JSON operators.
        return [c for c in channels if tag is None or tag in c.tags]

    async def set_channel_tags(self, *, channel_id: int, tags: frozenset[str]) -> Channel:
        row = await self._channel_row(channel_id)
        row.tags = sorted(tags)
        await self._db.flush()
        return to_channel(row)

    async def set_channel_active(self, *, channel_id: int, active: bool) -> Channel:
        row = await self._channel_row(channel_id)
        row.active = active
        await self._db.flush()
        return to_channel(row)

    async def _channel_row(self, channel_id: int) -> ChannelRow:
        row = await self._db.get(ChannelRow, channel_id, populate_existing=True)
        if row is None:
            raise NotFound("channel", channel_id)
        return row
