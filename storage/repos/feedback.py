"""Feedback form responses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from storage.repos.base import NotFound, Repo
from storage.tables import FeedbackRow, PostRow

# The paper's form names these fields `nature`/`role`, or only gives ids `mf-nature`/`mf-role`.
_NATURE_KEYS = ("nature", "mf-nature")
_ROLE_KEYS = ("role", "mf-role")


def _first(values: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    return next((values[k] for k in keys if values.get(k)), None)


class FeedbackRepo(Repo):
    """Feedback responses, filed under the section version their post carried."""

    async def add_feedback(
        self,
        *,
        post_id: int,
        participant_id: int,
        values: Mapping[str, str],
        event_id: str,
        now: datetime,
    ) -> int:
        post = await self._db.get(PostRow, post_id)
        if post is None:
            raise NotFound("post", post_id)
        row = FeedbackRow(
            post_id=post_id,
            participant_id=participant_id,
            paper_id=post.paper_id,
            section_id=post.section_id,
            section_version=post.section_version,
            answers=dict(values),
            nature=_first(values, _NATURE_KEYS),
            role=_first(values, _ROLE_KEYS),
            event_id=event_id,
            created_at=now,
        )
        self._db.add(row)
        await self._db.flush()
        assert row.id is not None
        return row.id
