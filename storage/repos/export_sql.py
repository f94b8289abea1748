"""SQL expressions exports need that SQLite and PostgreSQL spell differently.

Exports format timestamps in the database: the text comes back ready to write, which is much
cheaper than parsing a datetime per row in Python and formatting it again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class iso_utc(FunctionElement[str]):
    """A UtcDateTime column as ISO 8601 text in UTC to the second ("2026-01-05T09:00:00Z")."""

    type = sa.String()
    inherit_cache = True


class quarter_utc(FunctionElement[str]):
    """The quarter hour a UtcDateTime column falls in, in UTC, as "YYYY-MM-DD HH:MM"."""

    type = sa.String()
    inherit_cache = True


# SQLite stores UtcDateTime as naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff" (storage.types).
@compiles(iso_utc, "sqlite")
def _iso_sqlite(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"(substr({column}, 1, 10) || 'T' || substr({column}, 12, 8) || 'Z')"


@compiles(iso_utc, "postgresql")
def _iso_postgresql(element: iso_utc, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(({column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


@compiles(quarter_utc, "sqlite")
def _quarter_sqlite(element: quarter_utc, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    minute = f"CAST(substr({column}, 15, 2) AS INTEGER) / 15 * 15"
    return f"(substr({column}, 1, 14) || printf('%02d', {minute}))"


@compiles(quarter_utc, "postgresql")
def _quarter_postgresql(element: quarter_utc, compiler: SQLCompiler, **kw: Any) -> str:
    utc = f"(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC')"
    start = (
        f"date_trunc('hour', {utc}) "
        f"+ floor(extract(minute FROM {utc}) / 15) * interval '15 minutes'"
    )
    return f"to_char({start}, 'YYYY-MM-DD HH24:MI')"


def text_of(expression: Any) -> ColumnElement[str]:
    """Any column as text, "" for NULL."""
    return sa.func.coalesce(sa.cast(expression, sa.Text), "")


def iso_text(expression: Any) -> ColumnElement[str]:
    """A timestamp column as ISO 8601 UTC text, "" for NULL."""
    return sa.func.coalesce(iso_utc(expression), "")
