"""How much each section has drawn, for organisers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select

from bot.domain import PostKind, PostState, SectionCounts
from storage.repos.base import Repo
from storage.tables import FeedbackRow, PostRow, ReactionRow, ReplyRow, SectionRow


class CountsRepo(Repo):
    """Per-section totals, across every version of a section id."""

    async def section_counts(self, *, paper_id: str) -> Sequence[SectionCounts]:
        sections = await self._db.exec(
            select(col(SectionRow.section_id), col(SectionRow.ordinal), col(SectionRow.title))
            .where(col(SectionRow.paper_id) == paper_id, col(SectionRow.current))
            .order_by(col(SectionRow.ordinal), col(SectionRow.id))
        )
        of_paper = col(PostRow.paper_id) == paper_id
        posts = await self._db.exec(
            select(col(PostRow.section_id), func.count())
            .where(
                of_paper,
                col(PostRow.kind) == PostKind.SECTION.value,
                col(PostRow.state) == PostState.SENT.value,
            )
            .group_by(col(PostRow.section_id))
        )
        reactions = await self._db.exec(
            select(col(PostRow.section_id), col(ReactionRow.emoji), func.count())
            .select_from(ReactionRow)
            .join(PostRow, col(PostRow.id) == col(ReactionRow.post_id))
            .where(of_paper, col(ReactionRow.removed_at).is_(None))
            .group_by(col(PostRow.section_id), col(ReactionRow.emoji))
        )
        replies = await self._db.exec(
            select(col(PostRow.section_id), func.count())
            .select_from(ReplyRow)
            .join(PostRow, col(PostRow.id) == col(ReplyRow.post_id))
            .where(of_paper, col(ReplyRow.deleted_at).is_(None))
            .group_by(col(PostRow.section_id))
        )
        feedback = await self._db.exec(
            select(col(FeedbackRow.section_id), func.count())
            .where(col(FeedbackRow.paper_id) == paper_id)
            .group_by(col(FeedbackRow.section_id))
        )
        post_counts = dict(posts.all())
        reply_counts = dict(replies.all())
        feedback_counts = dict(feedback.all())
        by_emoji: dict[str | None, dict[str, int]] = defaultdict(dict)
        for section_id, emoji, count in reactions.all():
            by_emoji[section_id][emoji] = count
        return [
            SectionCounts(
                section_id=section_id,
                ordinal=ordinal,
                title=title,
                posts=post_counts.get(section_id, 0),
                reactions=sum(by_emoji[section_id].values()),
                replies=reply_counts.get(section_id, 0),
                feedback=feedback_counts.get(section_id, 0),
                reactions_by_emoji=dict(sorted(by_emoji[section_id].items())),
            )
            for section_id, ordinal, title in sections.all()
        ]
