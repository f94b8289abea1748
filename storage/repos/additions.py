"""Reactions added and replies posted, stored with their event ids and participants in one go.

A group commit of inbound events used to send four statements in turn (claim the event ids,
upsert the participants, insert the reactions, insert the replies), each a round trip that
waits for a busy event loop to come round. Here the whole run costs ONE trip: on PostgreSQL a
single statement whose data-modifying CTEs chain the four steps (`additions_pg`); on SQLite,
which has no such CTEs, one driver call that runs the four statements straight on the sqlite3
connection (`additions_sqlite`). Both return the same two facts, from which `store_additions`
decides which additions were stored; the rules are those of `claim_events`,
`upsert_participants`, `add_reactions` and `add_reply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.ports import AddedReply, EventKey, NewAddition
from storage.repos.additions_pg import store_pg
from storage.repos.additions_sqlite import store_sqlite
from storage.repos.base import Repo


class AdditionsRepo(Repo):
    """`store_additions`: a run of reactions and replies in one round trip."""

    async def store_additions(
        self, *, additions: Sequence[NewAddition], now: datetime
    ) -> list[bool]:
        return await store_additions_on(
            await self._db.connection(), dialect=self._dialect, additions=additions, now=now
        )


async def store_additions_on(
    connection: AsyncConnection, *, dialect: str, additions: Sequence[NewAddition], now: datetime
) -> list[bool]:
    """`StoreSession.store_additions` on `connection`, in the transaction it is in (or, on
    PostgreSQL in autocommit mode, in the one statement's own)."""
    # A delivery given twice in the list: only its first copy counts.
    first: dict[EventKey, int] = {}
    for index, addition in enumerate(additions):
        first.setdefault(addition.event, index)
    if not first:
        return []
    unique = [additions[index] for index in first.values()]
    if dialect == "sqlite":
        claimed, new_replies = await store_sqlite(connection, unique, now=now)
    else:
        claimed, new_replies = await store_pg(connection, unique, now=now)
    stored = [False] * len(additions)
    for index in first.values():
        addition = additions[index]
        if addition.event not in claimed:
            continue  # a retry of a delivery stored before
        if isinstance(addition.added, AddedReply):
            named = (addition.event.platform, addition.added.external_id)
            # A reply we had already (under another event id, or twice here): a duplicate.
            if named not in new_replies:
                continue
            new_replies.discard(named)
        stored[index] = True
    return stored
