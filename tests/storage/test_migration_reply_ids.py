"""Migration 0006: replies stored before it get ids scoped to their channel, as the Slack and
Teams adapters name them now; ids that were unique already are left as they were."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import col

from bot.domain import Platform
from storage.migrate import upgrade
from storage.store import SqlStore
from storage.tables import ReplyRow
from tests.storage.helpers import channel, query, sent_post

BEFORE = "0005"


async def _reply(
    store: SqlStore, *, platform: Platform, channel_id: str, external_id: str, now: datetime
) -> None:
    async with store.transaction() as tx:
        on = await channel(tx, platform=platform, external_id=channel_id)
        post = await sent_post(tx, on=on, key=f"{channel_id}:{external_id}", now=now)
        person = await tx.upsert_participant(
            platform=platform,
            workspace_id="T1",
            user_id="U1",
            display_name=None,
            organisation=None,
            now=now,
        )
        await tx.add_reply(
            post_id=post.id, participant_id=person.id, external_id=external_id, text="hi", now=now
        )


async def test_replies_from_before_get_their_channel_in_their_id(
    empty_database_url: str, now: datetime
) -> None:
    upgrade(empty_database_url, to=BEFORE)
    store = SqlStore.open(empty_database_url)
    try:
        # The same Slack ts in two channels could not be stored twice before; one each here.
        await _reply(
            store, platform=Platform.SLACK, channel_id="C1", external_id="1700.0001", now=now
        )
        await _reply(
            store, platform=Platform.SLACK, channel_id="C2", external_id="1700.0002", now=now
        )
        await _reply(
            store, platform=Platform.TEAMS, channel_id="19:a@thread", external_id="171", now=now
        )
        await _reply(
            store,
            platform=Platform.TEAMS,
            channel_id="19:b@thread",
            external_id="dialog:ev-1",
            now=now,
        )
        await _reply(
            store, platform=Platform.WEB, channel_id="general", external_id="ab12", now=now
        )
    finally:
        await store.close()

    upgrade(empty_database_url)
    upgrade(empty_database_url)  # a second run changes nothing

    rows = await query(
        empty_database_url,
        select(col(ReplyRow.platform), col(ReplyRow.external_id)).order_by(col(ReplyRow.id)),
    )
    assert [tuple(r) for r in rows] == [
        ("slack", "C1/1700.0001"),
        ("slack", "C2/1700.0002"),
        ("teams", "19:a@thread/171"),
        ("teams", "dialog:ev-1"),
        ("web", "ab12"),
    ]
