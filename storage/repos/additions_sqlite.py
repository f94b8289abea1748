"""`store_additions` on SQLite: the four statements in one call to the driver.

SQLite has no data-modifying CTEs, so the claim, the participants' upsert and the inserts stay
four statements; they run one after the other in one driver call (`run_on_driver`), straight on
the sqlite3 connection, without SQLAlchemy's per-statement layers in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Platform
from bot.ports import AddedReaction, AddedReply, EventKey, NewAddition, PersonKey
from storage.repos.people import new_participant_key
from storage.repos.sqlite_direct import insert_sql, run_on_driver, sqlite_time

_CLAIM_TAIL = "ON CONFLICT DO NOTHING RETURNING platform, workspace_id, event_id"
_PEOPLE_TAIL = (
    "ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET "
    "display_name = coalesce(excluded.display_name, participants.display_name), "
    "organisation = coalesce(excluded.organisation, participants.organisation) "
    "RETURNING id, platform, workspace_id, user_id"
)
_REACTIONS_TAIL = (
    "ON CONFLICT (post_id, participant_id, emoji) DO UPDATE SET "
    "removed_at = NULL, added_at = excluded.added_at, message_id = excluded.message_id "
    "WHERE reactions.removed_at IS NOT NULL"
)
_REPLIES_TAIL = "ON CONFLICT (platform, external_id) DO NOTHING RETURNING platform, external_id"

_Stored = tuple[set[EventKey], set[tuple[Platform, str]]]


async def store_sqlite(
    connection: AsyncConnection, additions: Sequence[NewAddition], *, now: datetime
) -> _Stored:
    """The event ids claimed here and the replies new here, for `additions` (one per event)."""
    work = partial(_store, additions=additions, at=sqlite_time(now))
    return await run_on_driver(connection, work, what="store_additions (SQLite)")


def _store(connection: sqlite3.Connection, *, additions: Sequence[NewAddition], at: Any) -> _Stored:
    # Sorted rows throughout, so concurrent writers (other processes) take locks in one order.
    keys = {(k.platform.value, k.workspace_id, k.event_id): k for k in (a.event for a in additions)}
    rows = sorted(keys)
    found = _fetch(
        connection,
        insert_sql(
            "processed_events",
            ("platform", "workspace_id", "event_id", "at"),
            rows=len(rows),
            tail=_CLAIM_TAIL,
        ),
        [value for row in rows for value in (*row, at)],
    )
    claimed = {keys[(p, w, e)] for p, w, e in found}
    todo = [a for a in additions if a.event in claimed]
    if not todo:
        return claimed, set()
    ids = _upsert_people(connection, todo, at=at)
    reactions: dict[tuple[int, int, str], str] = {}
    replies: dict[tuple[str, str], tuple[int, int, str]] = {}
    for addition in todo:
        participant = ids[addition.person.person]
        match addition.added:
            case AddedReaction(emoji=emoji, message_id=message_id):
                # The same reaction twice: the first stands.
                reactions.setdefault((addition.post_id, participant, emoji), message_id)
            case AddedReply(external_id=external_id, text=text):
                named = (addition.event.platform.value, external_id)
                replies.setdefault(named, (addition.post_id, participant, text))
    if reactions:
        ordered = sorted(reactions.items())
        _fetch(
            connection,
            insert_sql(
                "reactions",
                ("post_id", "participant_id", "emoji", "message_id", "added_at"),
                rows=len(ordered),
                tail=_REACTIONS_TAIL,
            ),
            [
                value
                for (post, who, emoji), message in ordered
                for value in (post, who, emoji, message, at)
            ],
        )
    new: set[tuple[Platform, str]] = set()
    if replies:
        ordered_replies = sorted(replies.items())
        found = _fetch(
            connection,
            insert_sql(
                "replies",
                ("post_id", "participant_id", "external_id", "platform", "text", "created_at"),
                rows=len(ordered_replies),
                tail=_REPLIES_TAIL,
            ),
            [
                value
                for (platform, external_id), (post, who, text) in ordered_replies
                for value in (post, who, external_id, platform, text, at)
            ],
        )
        new = {(Platform(platform), external_id) for platform, external_id in found}
    return claimed, new


def _upsert_people(
    connection: sqlite3.Connection, todo: list[NewAddition], *, at: Any
) -> dict[PersonKey, int]:
    """The participant id of each person, as `PeopleRepo.upsert_participants` stores them: a
    person given twice keeps the later name and organisation given."""
    merged: dict[PersonKey, tuple[str | None, str | None]] = {}
    for addition in todo:
        new = addition.person
        name, organisation = merged.get(new.person, (None, None))
        merged[new.person] = (
            name if new.display_name is None else new.display_name,
            organisation if new.organisation is None else new.organisation,
        )
    ordered = sorted(merged.items())
    found = _fetch(
        connection,
        insert_sql(
            "participants",
            (
                "key",
                "platform",
                "workspace_id",
                "user_id",
                "display_name",
                "organisation",
                "created_at",
            ),
            rows=len(ordered),
            tail=_PEOPLE_TAIL,
        ),
        [
            value
            for person, (name, organisation) in ordered
            for value in (
                new_participant_key(),
                person.platform.value,
                person.workspace_id,
                person.user_id,
                name,
                organisation,
                at,
            )
        ],
    )
    by_row = {(p.platform.value, p.workspace_id, p.user_id): p for p in merged}
    return {by_row[(platform, workspace, user)]: id_ for id_, platform, workspace, user in found}


def _fetch(connection: sqlite3.Connection, sql: str, parameters: list[Any]) -> list[Any]:
    cursor = connection.execute(sql, parameters)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()
