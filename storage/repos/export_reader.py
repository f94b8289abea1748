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
    """One exported table: its time column, and the joins and conditions its queries share.

    Every table reaches its section and channel through its post (feedback copies the post's
    section, so the two agree)."""

    def __init__(self, table: ExportTable) -> None:
        self.table = table
        if table is ExportTable.FEEDBACK:
            self.rows: sa.Table = _FEEDBACK
            self.at = _FEEDBACK.c.created_at
        elif table is ExportTable.REPLIES:
            self.rows = _REPLIES
            self.at = _REPLIES.c.created_at
        else:
            self.rows = _REACTIONS
            self.at = _REACTIONS.c.added_at

    def joined(self) -> sa.FromClause:
        """The table joined to its post, channel, participant and section version."""
        return (
            self.rows.join(_POSTS, _POSTS.c.id == self.rows.c.post_id)
            .join(_CHANNELS, _CHANNELS.c.id == _POSTS.c.channel_id)
            .join(_PEOPLE, _PEOPLE.c.id == self.rows.c.participant_id)
            .outerjoin(_SECTIONS, _SECTION_OF_POST)
        )

    def own_columns(self) -> list[sa.ColumnElement[str]]:
        if self.table is ExportTable.FEEDBACK:
            return [sa.func.coalesce(sa.cast(_FEEDBACK.c.answers, sa.Text), "{}")]
        if self.table is ExportTable.REPLIES:
            return [iso_text(_REPLIES.c.edited_at), _REPLIES.c.text]
        return [iso_text(_REACTIONS.c.removed_at), _REACTIONS.c.emoji]

    def conditions(self, filters: ExportFilters) -> list[sa.ColumnElement[bool]]:
        """What the filters ask of the row itself (not of its post)."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.table is ExportTable.REPLIES:
            conditions.append(_REPLIES.c.deleted_at.is_(None))
        if filters.since is not None:
            conditions.append(self.at >= filters.since)
        if filters.until is not None:
            conditions.append(self.at < filters.until)
        return conditions


_SECTION_OF_POST = sa.and_(
    _SECTIONS.c.paper_id == _POSTS.c.paper_id,
    _SECTIONS.c.section_id == _POSTS.c.section_id,
    _SECTIONS.c.version == _POSTS.c.section_version,
)

# The post-level columns of `bot.ports_export.COMMON_COLUMNS` (paper_id … channel).
_POST_COLUMNS = (
    text_of(_POSTS.c.paper_id),
    text_of(_SECTIONS.c.ordinal),
    text_of(_POSTS.c.section_id),
    text_of(_SECTIONS.c.title),
    text_of(_POSTS.c.section_version),
    text_of(_CHANNELS.c.platform),
    text_of(_CHANNELS.c.workspace_id),
    text_of(_CHANNELS.c.name),
)


def _post_conditions(filters: ExportFilters) -> list[sa.ColumnElement[bool]]:
    """What the filters ask of a row's post: its paper, section and platform."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.paper_id is not None:
        conditions.append(_POSTS.c.paper_id == filters.paper_id)
    if filters.sections:
        conditions.append(_section_match(_POSTS.c.section_id, filters.sections))
    if filters.platform is not None:
        conditions.append(_CHANNELS.c.platform == filters.platform.value)
    return conditions


def _section_match(section_id: Any, named: Sequence[str]) -> sa.ColumnElement[bool]:
    ordinals = [int(n) for n in named if n.isdecimal()]
    return sa.or_(section_id.in_(list(named)), _SECTIONS.c.ordinal.in_(ordinals))


class SqlExportReader:
    """`ExportReader` over one connection holding a read-only transaction.

    Rows stream from their own table joined only to participants; what they share with their
    post (paper, section, channel) is read once per post and filled in here. There are few
    posts and very many rows, and those three joins per row were most of the database's work.
    """

    def __init__(self, connection: AsyncConnection, *, filters: ExportFilters) -> None:
        self._db = connection
        self._filters = filters
        self._posts: dict[int, tuple[str, ...]] | None = None

    def _where(self, source: _Source) -> list[sa.ColumnElement[bool]]:
        return [*_post_conditions(self._filters), *source.conditions(self._filters)]

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
                .where(*self._where(source))
            )
        everyone = sa.union(*who).subquery()
        query = sa.select(sa.func.count()).select_from(everyone)
        return int((await self._db.execute(query)).scalar_one())

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

    async def _post_columns(self) -> dict[int, tuple[str, ...]]:
        """Post id → its paper, section and channel columns, for the posts the filters cover."""
        if self._posts is None:
            query = (
                sa.select(_POSTS.c.id, *_POST_COLUMNS)
                .select_from(
                    _POSTS.join(_CHANNELS, _CHANNELS.c.id == _POSTS.c.channel_id).outerjoin(
                        _SECTIONS, _SECTION_OF_POST
                    )
                )
                .where(*_post_conditions(self._filters))
            )
            self._posts = {row[0]: tuple(row[1:]) for row in await self._db.execute(query)}
        return self._posts

    async def _streamed(self, source: _Source, *columns: Any) -> sa.Select[Any]:
        """The table joined to participants only, narrowed to the covered posts."""
        query = (
            sa.select(*columns)
            .select_from(source.rows.join(_PEOPLE, _PEOPLE.c.id == source.rows.c.participant_id))
            .where(*source.conditions(self._filters))
        )
        if _post_conditions(self._filters):
            query = query.where(source.rows.c.post_id.in_(list(await self._post_columns())))
        return query

    async def count(self, table: ExportTable) -> int:
        query = await self._streamed(_Source(table), sa.func.count())
        return int((await self._db.execute(query)).scalar_one())

    async def rows(
        self, table: ExportTable, *, batch_size: int
    ) -> AsyncIterator[Sequence[TextRow]]:
        source = _Source(table)
        posts = await self._post_columns()
        query = await self._streamed(
            source,
            text_of(source.rows.c.id),
            iso_text(source.at),
            source.rows.c.post_id,
            text_of(_PEOPLE.c.key),
            text_of(_PEOPLE.c.display_name),
            text_of(_PEOPLE.c.organisation),
            text_of(_PEOPLE.c.quote_preference),
            *source.own_columns(),
        )
        result = await self._db.stream(
            query.order_by(source.rows.c.id), execution_options={"yield_per": batch_size}
        )
        async for partition in result.partitions(batch_size):
            yield [(r[0], r[1], *posts[r[2]], *r[3:]) for r in partition]

    async def tallies(self, what: Tally) -> Sequence[TallyCount]:
        if what is Tally.EMOJI:
            source = _Source(ExportTable.REACTIONS)
            category: Any = _REACTIONS.c.emoji
            extra = [_REACTIONS.c.removed_at.is_(None)]
        else:
            source = _Source(ExportTable.FEEDBACK)
            category = _FEEDBACK.c.nature if what is Tally.NATURE else _FEEDBACK.c.role
            extra = []
        paper, section = _POSTS.c.paper_id, _POSTS.c.section_id
        query = (
            sa.select(paper, section, category, sa.func.count())
            .select_from(source.joined())
            .where(*self._where(source), *extra)
            .group_by(paper, section, category)
        )
        result = await self._db.execute(query)
        return [
            TallyCount(paper_id=p, section_id=s, category=c, count=int(n)) for p, s, c, n in result
        ]

    async def per_day(self, table: ExportTable) -> Sequence[DayCount]:
        source = _Source(table)
        day = day_utc(source.at)
        paper, section = _POSTS.c.paper_id, _POSTS.c.section_id
        query = (
            sa.select(paper, section, day, sa.func.count())
            .select_from(source.joined())
            .where(*self._where(source))
            .group_by(paper, section, day)
        )
        result = await self._db.execute(query)
        return [
            DayCount(paper_id=p, section_id=s, day=date.fromisoformat(d), count=int(n))
            for p, s, d, n in result
        ]
