"""Private chats: kept per member, replaced when they change, forgotten on request."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import Platform
from storage.store import SqlStore


async def test_a_private_chat_is_kept_replaced_and_forgotten(
    store: SqlStore, now: datetime
) -> None:
    async with store.transaction() as tx:
        await tx.save_private_chat(
            platform=Platform.TEAMS, workspace_id="tenant", user_id="u1",
            reference={"conversation": {"id": "a:1"}}, now=now,
        )  # fmt: skip
    async with store.transaction() as tx:
        await tx.save_private_chat(
            platform=Platform.TEAMS, workspace_id="tenant", user_id="u1",
            reference={"conversation": {"id": "a:2"}}, now=now + timedelta(days=1),
        )  # fmt: skip
        await tx.save_private_chat(
            platform=Platform.TEAMS, workspace_id="tenant", user_id="u2",
            reference={"conversation": {"id": "a:3"}}, now=now,
        )  # fmt: skip
    async with store.transaction() as tx:
        first = await tx.find_private_chat(platform=Platform.TEAMS, user_id="u1")
        other_platform = await tx.find_private_chat(platform=Platform.SLACK, user_id="u1")
        forgot = await tx.forget_private_chat(platform=Platform.TEAMS, user_id="u1")
        again = await tx.forget_private_chat(platform=Platform.TEAMS, user_id="u1")
        gone = await tx.find_private_chat(platform=Platform.TEAMS, user_id="u1")
        kept = await tx.find_private_chat(platform=Platform.TEAMS, user_id="u2")
    assert first == {"conversation": {"id": "a:2"}}
    assert other_platform is None
    assert (forgot, again, gone) == (True, False, None)
    assert kept == {"conversation": {"id": "a:3"}}
