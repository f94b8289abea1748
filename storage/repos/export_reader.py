"""`SqlExportReader`: the export queries, streamed from a read-only snapshot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain import FormField
from bot.ports_export import (
    DayCount,
    ExportFilters,
    ExportTable,
    SectionInfo,
    Tally,
    TallyCount,
    TextRow,
)
from storage.codec import decode_form
from storage.repos.export_sql import day_utc, iso_text, text_of
from storage.tables import (
    ChannelRow,
    FeedbackRow,
    PaperRow,
    ParticipantRow,
    PostRow,
    ReactionRow,
    ReplyRow,
    SectionRow,
)


def _table(row: type[Any]) -> sa.Table:
    table = sa.inspect(row).local_table
    assert isinstance(table, sa.Table)
    return table


# Core tables, not ORM entities: rows stream as plain tuples, with no objects to build.
_FEEDBACK = _table(FeedbackRow)
_REPLIES = _table(ReplyRow)
_REACTIONS = _table(ReactionRow)
_POSTS = _table(PostRow)
_CHANNELS = _table(ChannelRow)
_PEOPLE = _table(ParticipantRow)
_SECTIONS = _table(SectionRow)
_PAPERS = _table(PaperRow)


class _Source:
    """One exported table with the columns its filters and section join go through."""

    def __init__(self, table: ExportTable) -> None:
        self.table = table
        if table is ExportTable.FEEDBACK:
            self.rows: sa.Table = _FEEDBACK
            self.at = _FEEDBACK.c.created_at
            self.paper_id = _FEEDBACK.c.paper_id
            self.section_id = _FEEDBACK.c.section_id
            self.section_version = _FEEDBACK.c.section_version
        else:
            replies = table is ExportTable.REPLIES
            self.rows = _REPLIES if replies else _REACTIONS
            self.at = _REPLIES.c.created_at if replies else _REACTIONS.c.added_at
            self.paper_id = _POSTS.c.paper_id
            self.section_id = _POSTS.c.section_id
            self.section_version = _POSTS.c.section_version

    def joined(self) -> sa.FromClause:
        """The table joined to its post, channel, participant and section version."""
        return (
            self.rows.join(_POSTS, _POSTS.c.id == self.rows.c.post_id)
            .join(_CHANNELS, _CHANNELS.c.id == _POSTS.c.channel_id)
            .join(_PEOPLE, _PEOPLE.c.id == self.rows.c.participant_id)
            .outerjoin(
                _SECTIONS,
                sa.and_(
                    _SECTIONS.c.paper_id == self.paper_id,
                    _SECTIONS.c.section_id == self.section_id,
                    _SECTIONS.c.version == self.section_version,
                ),
            )
        )

    def common_columns(self) -> list[sa.ColumnElement[str]]:
        """The text of `bot.ports_export.COMMON_COLUMNS`, in order."""
        return [
            text_of(self.rows.c.id),
            iso_text(self.at),
            text_of(self.paper_id),
            text_of(_SECTIONS.c.ordinal),
            text_of(self.section_id),
            text_of(_SECTIONS.c.title),
            text_of(self.section_version),
            text_of(_CHANNELS.c.platform),
            text_of(_CHANNELS.c.workspace_id),
            text_of(_CHANNELS.c.name),
            text_of(_PEOPLE.c.key),
            text_of(_PEOPLE.c.display_name),
            text_of(_PEOPLE.c.organisation),
            text_of(_PEOPLE.c.quote_preference),
        ]

    def own_columns(self) -> list[sa.ColumnElement[str]]:
        if self.table is ExportTable.FEEDBACK:
            return [sa.func.coalesce(sa.cast(_FEEDBACK.c.answers, sa.Text), "{}")]
        if self.table is ExportTable.REPLIES:
            return [iso_text(_REPLIES.c.edited_at), _REPLIES.c.text]
        return [iso_text(_REACTIONS.c.removed_at), _REACTIONS.c.emoji]

    def conditions(self, filters: ExportFilters) -> list[sa.ColumnElement[bool]]:
        conditions: list[sa.ColumnElement[bool]] = []
        if self.table is ExportTable.REPLIES:
            conditions.append(_REPLIES.c.deleted_at.is_(None))
        if filters.paper_id is not None:
            conditions.append(self.paper_id == filters.paper_id)
        if filters.sections:
            conditions.append(_section_match(self.section_id, filters.sections))
        if filters.since is not None:
            conditions.append(self.at >= filters.since)
        if filters.until is not None:
            conditions.append(self.at < filters.until)
        if filters.platform is not None:
            conditions.append(_CHANNELS.c.platform == filters.platform.value)
        return conditions


def _section_match(section_id: Any, named: Sequence[str]) -> sa.ColumnElement[bool]:
    ordinals = [int(n) for n in named if n.isdecimal()]
    return sa.or_(section_id.in_(list(named)), _SECTIONS.c.ordinal.in_(ordinals))


class SqlExportReader:
    """`ExportReader` over one connection holding a read-only transaction."""

    def __init__(self, connection: AsyncConnection, *, filters: ExportFilters) -> None:
        self._db = connection
        self._filters = filters

    async def papers(self) -> Sequence[tuple[str, str]]:
        query = sa.select(_PAPERS.c.id, _PAPERS.c.title).order_by(_PAPERS.c.id)
        if self._filters.paper_id is not None:
            query = query.where(_PAPERS.c.id == self._filters.paper_id)
        return [(paper_id, title) for paper_id, title in await self._db.execute(query)]

    async def people(self) -> int:
        who = []
        for table in ExportTable:
            source = _Source(table)
            who.append(
                sa.select(source.rows.c.participant_id.label("participant_id"))
                .select_from(source.joined())
                .where(*source.conditions(self._filters))
            )
        everyone = sa.union(*who).subquery()
        return int(
            (await self._db.execute(sa.select(sa.func.count()).select_from(everyone))).scalar_one()
        )

    async def sections(self) -> Sequence[SectionInfo]:
        query = sa.select(
            _SECTIONS.c.paper_id, _SECTIONS.c.section_id, _SECTIONS.c.ordinal, _SECTIONS.c.title
        ).where(_SECTIONS.c.current)
        if self._filters.paper_id is not None:
            query = query.where(_SECTIONS.c.paper_id == self._filters.paper_id)
        if self._filters.sections:
            query = query.where(_section_match(_SECTIONS.c.section_id, self._filters.sections))
        result = await self._db.execute(
            query.order_by(_SECTIONS.c.paper_id, _SECTIONS.c.ordinal, _SECTIONS.c.id)
        )
        return [SectionInfo(paper_id=p, section_id=s, ordinal=o, title=t) for p, s, o, t in result]

    async def unknown_sections(self) -> Sequence[str]:
        known = await self.sections()
        ids = {s.section_id for s in known}
        ordinals = {str(s.ordinal) for s in known}
        return [n for n in self._filters.sections if n not in ids and n not in ordinals]

    async def form_fields(self) -> Sequence[FormField]:
        query = sa.select(_SECTIONS.c.content)
        if self._filters.paper_id is not None:
            query = query.where(_SECTIONS.c.paper_id == self._filters.paper_id)
        if self._filters.sections:
            query = query.where(_section_match(_SECTIONS.c.section_id, self._filters.sections))
        result = await self._db.execute(
            query.order_by(_SECTIONS.c.paper_id, _SECTIONS.c.ordinal, _SECTIONS.c.id)
        )
        fields: dict[str, FormField] = {}
        for (content,) in result:
            for field in decode_form(content["form"]).fields:
                fields.setdefault(field.name, field)
        return list(fields.values())

    async def count(self, table: ExportTable) -> int:
        source = _Source(table)
        query = (
            sa.select(sa.func.count())
            .select_from(source.joined())
            .where(*source.conditions(self._filters))
        )
        return int((await self._db.execute(query)).scalar_one())

    async def rows(
        self, table: ExportTable, *, batch_size: int
    ) -> AsyncIterator[Sequence[TextRow]]:
        source = _Source(table)
        query = (
            sa.select(*source.common_columns(), *source.own_columns())
            .select_from(source.joined())
            .where(*source.conditions(self._filters))
            .order_by(source.rows.c.id)
        )
        result = await self._db.stream(query, execution_options={"yield_per": batch_size})
        async for partition in result.partitions(batch_size):
            yield partition

    async def tallies(self, what: Tally) -> Sequence[TallyCount]:
        if what is Tally.EMOJI:
            source = _Source(ExportTable.REACTIONS)
            category: Any = _REACTIONS.c.emoji
            extra = [_REACTIONS.c.removed_at.is_(None)]
        else:
            source = _Source(ExportTable.FEEDBACK)
            category = _FEEDBACK.c.nature if what is Tally.NATURE else _FEEDBACK.c.role
            extra = []
        query = (
            sa.select(source.paper_id, source.section_id, category, sa.func.count())
            .select_from(source.joined())
            .where(*source.conditions(self._filters), *extra)
            .group_by(source.paper_id, source.section_id, category)
        )
        result = await self._db.execute(query)
        return [
            TallyCount(paper_id=p, section_id=s, category=c, count=int(n)) for p, s, c, n in result
        ]

    async def per_day(self, table: ExportTable) -> Sequence[DayCount]:
        source = _Source(table)
        day = day_utc(source.at)
        query = (
            sa.select(source.paper_id, source.section_id, day, sa.func.count())
            .select_from(source.joined())
            .where(*source.conditions(self._filters))
            .group_by(source.paper_id, source.section_id, day)
        )
        result = await self._db.execute(query)
        return [
            DayCount(paper_id=p, section_id=s, day=date.fromisoformat(d), count=int(n))
            for p, s, d, n in result
        ]
