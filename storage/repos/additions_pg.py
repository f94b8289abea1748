"""`store_additions` on PostgreSQL: one statement whatever the number of additions.

The additions go out as one array per column and come back in through `unnest`; data-modifying
CTEs then claim the event ids, upsert the participants of the events claimed, and insert their
reactions and replies, each step reading what the one before returned. One statement text for
every batch size, so it is prepared once per connection (a multi-row VALUES list is a statement
of its own for each row count). The rules are those of `claim_events`, `upsert_participants`,
`add_reactions` and `add_reply`: the later name given wins, the first copy of a reaction or
reply stands, and rows are written in key order so concurrent writers lock in one order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import Platform
from bot.ports import AddedReaction, EventKey, NewAddition
from storage.repos.people import new_participant_key

# $1..$15: the columns of `input`, one array each; $16: the time of the batch.
STORE_ADDITIONS = """
WITH input AS (
    SELECT * FROM unnest(
        $1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[],
        $14::text[], $15::text[]
    ) AS t(i, platform, workspace_id, event_id, person_platform, person_workspace_id,
           user_id, display_name, organisation, key, post_id, emoji, message_id, reply_id,
           body)
),
claimed AS (
    INSERT INTO processed_events (platform, workspace_id, event_id, at)
    SELECT platform, workspace_id, event_id, $16::timestamptz FROM input
    ORDER BY platform, workspace_id, event_id
    ON CONFLICT DO NOTHING
    RETURNING platform, workspace_id, event_id
),
todo AS (
    SELECT input.* FROM input JOIN claimed USING (platform, workspace_id, event_id)
),
people AS (
    INSERT INTO participants AS p
        (key, platform, workspace_id, user_id, display_name, organisation, created_at)
    SELECT (array_agg(key ORDER BY i))[1], person_platform, person_workspace_id, user_id,
           (array_agg(display_name ORDER BY i DESC)
                FILTER (WHERE display_name IS NOT NULL))[1],
           (array_agg(organisation ORDER BY i DESC)
                FILTER (WHERE organisation IS NOT NULL))[1],
           $16::timestamptz
    FROM todo
    GROUP BY person_platform, person_workspace_id, user_id
    ORDER BY person_platform, person_workspace_id, user_id
    ON CONFLICT (platform, workspace_id, user_id) DO UPDATE SET
        display_name = coalesce(excluded.display_name, p.display_name),
        organisation = coalesce(excluded.organisation, p.organisation)
    RETURNING p.id, p.platform, p.workspace_id, p.user_id
),
acting AS (
    SELECT todo.*, people.id AS participant_id
    FROM todo JOIN people ON people.platform = todo.person_platform
        AND people.workspace_id = todo.person_workspace_id AND people.user_id = todo.user_id
),
reactions AS (
    INSERT INTO reactions AS r (post_id, participant_id, emoji, message_id, added_at)
    SELECT DISTINCT ON (post_id, participant_id, emoji)
        post_id, participant_id, emoji, message_id, $16::timestamptz
    FROM acting WHERE emoji IS NOT NULL
    ORDER BY post_id, participant_id, emoji, i
    ON CONFLICT (post_id, participant_id, emoji) DO UPDATE SET
        removed_at = NULL, added_at = excluded.added_at, message_id = excluded.message_id
        WHERE r.removed_at IS NOT NULL
),
replies AS (
    INSERT INTO replies (post_id, participant_id, external_id, platform, text, created_at)
    SELECT DISTINCT ON (platform, reply_id)
        post_id, participant_id, reply_id, platform, body, $16::timestamptz
    FROM acting WHERE reply_id IS NOT NULL
    ORDER BY platform, reply_id, i
    ON CONFLICT (platform, external_id) DO NOTHING
    RETURNING platform, external_id
)
SELECT i, NULL, NULL FROM todo
UNION ALL
SELECT NULL, platform, external_id FROM replies
"""

_Stored = tuple[set[EventKey], set[tuple[Platform, str]]]


async def store_pg(
    connection: AsyncConnection, additions: Sequence[NewAddition], *, now: datetime
) -> _Stored:
    """The event ids claimed here and the replies new here, for `additions` (one per event)."""
    columns: list[list[Any]] = [[] for _ in range(15)]
    for i, addition in enumerate(additions):
        event, person, added = addition.event, addition.person, addition.added
        if isinstance(added, AddedReaction):
            what: tuple[str | None, ...] = (added.emoji, added.message_id, None, None)
        else:
            what = (None, None, added.external_id, added.text)
        row = (
            i,
            event.platform.value,
            event.workspace_id,
            event.event_id,
            person.person.platform.value,
            person.person.workspace_id,
            person.person.user_id,
            person.display_name,
            person.organisation,
            new_participant_key(),
            addition.post_id,
            *what,
        )
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    # The driver's own SQL with its own parameters: the statement is not SQLAlchemy's to
    # compile, but errors, disconnects and the prepared-statement cache are still handled by it.
    result = await connection.exec_driver_sql(STORE_ADDITIONS, (*columns, now.astimezone(UTC)))
    claimed: set[EventKey] = set()
    new: set[tuple[Platform, str]] = set()
    rows: Sequence[Any] = result.all()
    for i, platform, external_id in rows:
        if i is not None:
            claimed.add(additions[i].event)
        else:
            new.add((Platform(platform), external_id))
    return claimed, new
