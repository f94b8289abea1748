"""Reply ids scoped to their channel: Slack's and Teams' message ids are unique only there.

A Slack reply's `ts`, and a Teams reply's activity id, name a message within one channel: two
channels can each hold a reply with the same one, and keyed on it alone the second was taken
for a copy of the first (and an edit or deletion in one channel reached the other's reply).
The adapters now store `<channel>/<id>`; this rewrites the replies stored before. Teams
replies given through the feedback dialog (`dialog:<event id>`) and web replies (random ids)
were unique already and keep their ids.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel's id as the platform gives it, for the reply's post. Old ids hold no "/" (Slack
# timestamps, Teams activity ids), new ones always do: a second run changes nothing.
_SCOPE = """
UPDATE replies SET external_id = (
    SELECT channels.external_id FROM posts JOIN channels ON channels.id = posts.channel_id
    WHERE posts.id = replies.post_id
) || '/' || external_id
WHERE external_id NOT LIKE '%/%' AND (
    platform = 'slack' OR (platform = 'teams' AND external_id NOT LIKE 'dialog:%')
)
"""

_UNSCOPE = """
UPDATE replies SET external_id = substr(
    external_id, length((
        SELECT channels.external_id FROM posts JOIN channels ON channels.id = posts.channel_id
        WHERE posts.id = replies.post_id
    )) + 2
)
WHERE platform IN ('slack', 'teams') AND external_id LIKE '%/%'
"""


def upgrade() -> None:
    op.execute(sa.text(_SCOPE))


def downgrade() -> None:
    op.execute(sa.text(_UNSCOPE))
