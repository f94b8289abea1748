"""`SqlExportReader`: the export queries, run on a read-only Arrow snapshot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from bot.domain import FormField
from bot.ports_export import (
    ExportFilters,
    ExportTable,
    QuarterCount,
    RowPlan,
    SectionInfo,
    Source,
    Tally,
    TallyCount,
)
from storage.arrow_snapshot import ArrowSnapshot
from storage.codec import decode_form
from storage.repos.export_plan import POST_SOURCES, shaped_query
from storage.repos.export_sql import quarter_utc, text_of
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

# What a row shares with its post, read once per post (there are few posts, very many rows).
_POST_COLUMNS: dict[Source, sa.ColumnElement[str]] = {
    Source.PAPER: text_of(_POSTS.c.paper_id),
    Source.SECTION_ORDINAL: text_of(_SECTIONS.c.ordinal),
    Source.SECTION_ID: text_of(_POSTS.c.section_id),
    Source.SECTION_TITLE: text_of(_SECTIONS.c.title),
    Source.SECTION_VERSION: text_of(_POSTS.c.section_version),
    Source.PLATFORM: text_of(_CHANNELS.c.platform),
    Source.WORKSPACE: text_of(_CHANNELS.c.workspace_id),
    Source.CHANNEL: text_of(_CHANNELS.c.name),
}
assert set(_POST_COLUMNS) == POST_SOURCES


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
    """`ExportReader` over an `ArrowSnapshot` (one read-only transaction).

    Rows stream from their own table joined only to participants, shaped by the database
    (`storage.repos.export_plan`); what they share with their post (paper, section, channel) is
    read once per post and filled in with Arrow's `take`. There are few posts and very many
    rows, and those three joins per row were most of the database's work.
    """

    def __init__(self, snapshot: ArrowSnapshot, *, filters: ExportFilters) -> None:
        self._snapshot = snapshot
        self._filters = filters
        self._posts: pa.Table | None = None

    async def _all(self, query: sa.Executable) -> list[tuple[Any, ...]]:
        return await asyncio.to_thread(self._snapshot.all, query)

    def _where(self, source: _Source) -> list[sa.ColumnElement[bool]]:
        return [*_post_conditions(self._filters), *source.conditions(self._filters)]

    async def papers(self) -> Sequence[tuple[str, str]]:
        query = sa.select(_PAPERS.c.id, _PAPERS.c.title).order_by(_PAPERS.c.id)
        if self._filters.paper_id is not None:
            query = query.where(_PAPERS.c.id == self._filters.paper_id)
        return [(paper_id, title) for paper_id, title in await self._all(query)]

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
        return int((await self._all(query))[0][0])

    async def sections(self) -> Sequence[SectionInfo]:
        query = sa.select(
            _SECTIONS.c.paper_id, _SECTIONS.c.section_id, _SECTIONS.c.ordinal, _SECTIONS.c.title
        ).where(_SECTIONS.c.current)
        if self._filters.paper_id is not None:
            query = query.where(_SECTIONS.c.paper_id == self._filters.paper_id)
        if self._filters.sections:
            query = query.where(_section_match(_SECTIONS.c.section_id, self._filters.sections))
        result = await self._all(
            query.order_by(_SECTIONS.c.paper_id, _SECTIONS.c.ordinal, _SECTIONS.c.id)
        )
        return [
            SectionInfo(paper_id=p, section_id=s, ordinal=int(o), title=t) for p, s, o, t in result
        ]

    async def unknown_sections(self) -> Sequence[str]:
        known = await self.sections()
        ids = {s.section_id for s in known}
        ordinals = {str(s.ordinal) for s in known}
        return [n for n in self._filters.sections if n not in ids and n not in ordinals]

    async def form_fields(self) -> Sequence[FormField]:
        query = sa.select(sa.cast(_SECTIONS.c.content, sa.Text))
        if self._filters.paper_id is not None:
            query = query.where(_SECTIONS.c.paper_id == self._filters.paper_id)
        if self._filters.sections:
            query = query.where(_section_match(_SECTIONS.c.section_id, self._filters.sections))
        result = await self._all(
            query.order_by(_SECTIONS.c.paper_id, _SECTIONS.c.ordinal, _SECTIONS.c.id)
        )
        fields: dict[str, FormField] = {}
        for (content,) in result:
            for field in decode_form(orjson.loads(content)["form"]).fields:
                fields.setdefault(field.name, field)
        return list(fields.values())

    async def _post_columns(self) -> pa.Table:
        """The posts the filters cover: their ids, then one text column per post source."""
        if self._posts is None:
            query = (
                sa.select(_POSTS.c.id, *_POST_COLUMNS.values())
                .select_from(
                    _POSTS.join(_CHANNELS, _CHANNELS.c.id == _POSTS.c.channel_id).outerjoin(
                        _SECTIONS, _SECTION_OF_POST
                    )
                )
                .where(*_post_conditions(self._filters))
                .order_by(_POSTS.c.id)
            )
            rows = await self._all(query)
            names = ["id", *(source.value for source in _POST_COLUMNS)]
            columns: list[pa.Array[Any]] = [pa.array([row[0] for row in rows], type=pa.int64())]
            columns += [
                pa.array([str(row[i]) for row in rows], type=pa.string())
                for i in range(1, len(names))
            ]
            self._posts = pa.Table.from_arrays(columns, names=names)
        return self._posts

    async def _narrowed(self, source: _Source) -> list[sa.ColumnElement[bool]]:
        """The row conditions, and the covered posts when the filters narrow the posts."""
        conditions = source.conditions(self._filters)
        if _post_conditions(self._filters):
            posts = await self._post_columns()
            conditions.append(source.rows.c.post_id.in_(posts.column("id").to_pylist()))
        return conditions

    async def count(self, table: ExportTable) -> int:
        source = _Source(table)
        query = (
            sa.select(sa.func.count()).select_from(source.rows).where(*await self._narrowed(source))
        )
        return int((await self._all(query))[0][0])

    async def rows(
        self, table: ExportTable, *, plan: RowPlan, batch_size: int
    ) -> AsyncIterator[pa.RecordBatch]:
        source = _Source(table)
        posts = await self._post_columns()
        query = shaped_query(
            table,
            rows=source.rows,
            people=_PEOPLE,
            plan=plan,
            where=await self._narrowed(source),
        )
        batches = await asyncio.to_thread(self._snapshot.batches, query, batch_rows=batch_size)
        done = object()
        while (batch := await asyncio.to_thread(next, batches, done)) is not done:
            assert isinstance(batch, pa.RecordBatch)
            yield _with_post_columns(batch, posts=posts, plan=plan)

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
        result = await self._all(query)
        return [
            TallyCount(paper_id=p, section_id=s, category=c, count=int(n)) for p, s, c, n in result
        ]

    async def per_quarter_hour(self, table: ExportTable) -> Sequence[QuarterCount]:
        source = _Source(table)
        quarter = quarter_utc(source.at)
        paper, section = _POSTS.c.paper_id, _POSTS.c.section_id
        query = (
            sa.select(paper, section, quarter, sa.func.count())
            .select_from(source.joined())
            .where(*self._where(source))
            .group_by(paper, section, quarter)
        )
        result = await self._all(query)
        return [
            QuarterCount(paper_id=p, section_id=s, start=_utc(q), count=int(n))
            for p, s, q, n in result
        ]


def _utc(quarter: str) -> datetime:
    return datetime.strptime(quarter, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _with_post_columns(batch: pa.RecordBatch, *, posts: pa.Table, plan: RowPlan) -> pa.RecordBatch:
    """The batch's `post_id` column (its first) replaced by the post cells of the plan."""
    at = pc.index_in(batch.column(0), value_set=posts.column("id"))
    columns: list[pa.Array[Any]] = []
    own = 1
    for cell in plan.cells:
        if cell.source in POST_SOURCES:
            assert cell.source is not None
            columns.append(pc.take(posts.column(cell.source.value), at).combine_chunks())
        else:
            columns.append(batch.column(own))
            own += 1
    names = [f"c{i}" for i in range(len(columns))]
    return pa.RecordBatch.from_arrays(columns, names=names)
