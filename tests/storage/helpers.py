"""Shortcuts for setting up rows the contract tests act on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.sql import Executable

from bot.domain import Channel, Participant, Platform, Post, PostKind
from bot.ports import NewPost
from storage.engine import create_engine, dispose_engine
from storage.session import SqlStoreSession


async def channel(
    tx: SqlStoreSession,
    *,
    platform: Platform = Platform.SLACK,
    workspace_id: str = "T1",
    external_id: str = "C1",
) -> Channel:
    return await tx.upsert_channel(
        platform=platform, workspace_id=workspace_id, external_id=external_id, name=external_id
    )


async def sent_post(
    tx: SqlStoreSession,
    *,
    on: Channel,
    key: str,
    now: datetime,
    message_ids: Sequence[str] = ("m1",),
    paper_id: str = "example",
    section_id: str = "costs",
    section_version: str = "v1",
) -> Post:
    """A section post that has been delivered as `message_ids`."""
    post, _ = await tx.enqueue_post(
        new=NewPost(
            kind=PostKind.SECTION,
            channel_id=on.id,
            idempotency_key=key,
            paper_id=paper_id,
            section_id=section_id,
            section_version=section_version,
        ),
        now=now,
    )
    return await tx.mark_post_sent(post_id=post.id, message_ids=message_ids, now=now)


async def member(tx: SqlStoreSession, *, user_id: str, now: datetime) -> Participant:
    return await tx.upsert_participant(
        platform=Platform.SLACK,
        workspace_id="T1",
        user_id=user_id,
        display_name=None,
        organisation=None,
        now=now,
    )


async def query(url: str, statement: Executable) -> list[Row[Any]]:
    """Rows read straight from the tables, on a connection of its own (to check what is
    really stored, not what the store reports)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(statement)).all())
    finally:
        await dispose_engine(engine)


class Ticks:
    """How many turns of the event loop a task of its own has had (see `ticking`)."""

    count = 0


@asynccontextmanager
async def ticking(*, every: float = 0) -> AsyncIterator[Ticks]:
    """A task that counts its turns of the event loop (sleeping `every` seconds between them)
    while the block runs: to see whether something holds the loop, or hands it back."""
    ticks = Ticks()

    async def tick() -> None:
        while True:
            ticks.count += 1
            await asyncio.sleep(every)

    task = asyncio.create_task(tick())
    try:
        yield ticks
    finally:
        task.cancel()
