"""A `RowPlan` as one SQL query: the database shapes every exported row, privacy included.

One SELECT over the table joined to its participants, in id order (the table's own order, so
neither database sorts). The quote preference that applies to a row is a strictness number
(`bot.quote.STRICTNESS`): the participant's stored one, and for feedback whose form asks, the
stricter of that and the choice in the answers. Cells shown only to some members test it.

The first column is the row's post id: the reader fills the post's cells in from it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from bot.ports_export import CellPlan, ExportTable, QuotePreference, RowPlan, Show, Source
from bot.quote import DEFAULT_QUOTE_PREFERENCE, QUOTE_CHOICES, STRICTNESS
from storage.repos.export_sql import iso_text, text_of

POST_SOURCES = frozenset(
    {
        Source.PAPER,
        Source.SECTION_ORDINAL,
        Source.SECTION_ID,
        Source.SECTION_TITLE,
        Source.SECTION_VERSION,
        Source.PLATFORM,
        Source.WORKSPACE,
        Source.CHANNEL,
    }
)
"""Sources the row shares with its post (filled in by the reader, not by this query)."""

_NAMED = STRICTNESS[QuotePreference.NAMED]
_NONE = STRICTNESS[QuotePreference.NONE]
_DEFAULT = STRICTNESS[DEFAULT_QUOTE_PREFERENCE]
_PEOPLE = {
    Source.PARTICIPANT_KEY: "key",
    Source.PARTICIPANT_NAME: "display_name",
    Source.PARTICIPANT_ORGANISATION: "organisation",
}


class _greater(FunctionElement[int]):
    """The greater of two numbers that are not NULL."""

    type = sa.Integer()
    inherit_cache = True


@compiles(_greater, "sqlite")
def _greater_sqlite(element: _greater, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(_greater)
def _greater_default(element: _greater, compiler: SQLCompiler, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


def _stored_level(preference: Any) -> ColumnElement[int]:
    """A participant's stored preference ("named", ...) as its strictness, NULL when unset."""
    return sa.case({p.value: n for p, n in STRICTNESS.items()}, value=preference, else_=None)


def _answer_level(answer: ColumnElement[str]) -> ColumnElement[int]:
    """A form's quote answer (a choice label, or a preference's name) as its strictness, as
    `bot.quote.parse_preference` reads it; NULL when it is neither."""
    text = sa.func.trim(answer)
    by_name = sa.case(
        {p.value: n for p, n in STRICTNESS.items()}, value=sa.func.lower(text), else_=None
    )
    return sa.case(
        {label: STRICTNESS[p] for label, p in QUOTE_CHOICES.items()}, value=text, else_=by_name
    )


def _own_columns(table: ExportTable, rows: sa.Table) -> dict[Source, Any]:
    """The raw columns a table's own cells come from."""
    at = rows.c.added_at if table is ExportTable.REACTIONS else rows.c.created_at
    columns: dict[Source, Any] = {Source.ID: rows.c.id, Source.AT: at}
    if table is ExportTable.REPLIES:
        columns |= {Source.EDITED_AT: rows.c.edited_at, Source.TEXT: rows.c.text}
    if table is ExportTable.REACTIONS:
        columns |= {Source.REMOVED_AT: rows.c.removed_at, Source.EMOJI: rows.c.emoji}
    return columns


_TIMES = frozenset({Source.AT, Source.EDITED_AT, Source.REMOVED_AT})


def shaped_query(
    table: ExportTable,
    *,
    rows: sa.Table,
    people: sa.Table,
    plan: RowPlan,
    where: list[ColumnElement[bool]],
) -> sa.Select[Any]:
    """The plan's rows of `table` in id order: the post id, then one text column per cell
    that does not come from the post."""
    level = _level(rows=rows, people=people, quote_answer=plan.quote_answer)
    own = _own_columns(table, rows)
    cells = [
        _cell(cell, own=own, rows=rows, people=people, level=level)
        for cell in plan.cells
        if cell.source not in POST_SOURCES
    ]
    return (
        sa.select(rows.c.post_id, *cells)
        .select_from(rows.join(people, people.c.id == rows.c.participant_id))
        .where(*where)
        .order_by(rows.c.id)
    )


def _level(*, rows: sa.Table, people: sa.Table, quote_answer: str | None) -> ColumnElement[int]:
    """The strictness of the quote preference that applies to a row."""
    stored = _stored_level(people.c.quote_preference)
    if quote_answer is None:
        return sa.func.coalesce(stored, _DEFAULT)
    answered = _answer_level(rows.c.answers[quote_answer].as_string())
    # Each side once (-1 standing for "unknown"), as the expression is evaluated per cell.
    stricter = sa.func.nullif(
        _greater(sa.func.coalesce(stored, -1), sa.func.coalesce(answered, -1)), -1
    )
    return sa.func.coalesce(stricter, _DEFAULT)


def _cell(
    cell: CellPlan,
    *,
    own: dict[Source, Any],
    rows: sa.Table,
    people: sa.Table,
    level: ColumnElement[int],
) -> ColumnElement[str]:
    value: ColumnElement[str]
    if cell.answer is not None:
        value = text_of(rows.c.answers[cell.answer].as_string())
    elif cell.source is Source.QUOTE_PREFERENCE:
        value = sa.case({n: p.value for p, n in STRICTNESS.items()}, value=level, else_="")
    elif cell.source in _TIMES:
        assert cell.source is not None
        value = iso_text(own[cell.source])
    elif cell.source in _PEOPLE:
        assert cell.source is not None
        value = text_of(people.c[_PEOPLE[cell.source]])
    else:
        assert cell.source is not None
        value = text_of(own[cell.source])
    if cell.show is Show.IF_NAMED:
        return sa.case((level == _NAMED, value), else_="")
    if cell.show is Show.IF_QUOTABLE:
        return sa.case((level == _NONE, ""), else_=value)
    return value
