"""The shape of each exported table: its columns, and the plan (privacy rules included) that the
database fills them from.

One place decides what an export may show, so CSV, XLSX and JSON Lines agree:
- participants appear by pseudonymous key; names, organisations and personal form fields (email
  fields, and fields named like `org` or `email`) only with `include_personal_data`, and then only
  for members whose quote preference is *named*;
- a member who chose *not at all* has their free text (text and textarea answers, reply texts)
  left out, though the row and its categorical answers stay, so counts add up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import pyarrow as pa

from bot.domain import FieldKind, FormField
from bot.ports_export import CellPlan, ExportTable, RowPlan, Show, Source
from bot.quote import QUOTE_FIELD

PERSONAL_FIELD_NAMES = frozenset(
    {"org", "organisation", "organization", "name", "full_name", "email", "phone"}
)
FREE_TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.TEXTAREA})


class ColumnKind(StrEnum):
    """How a column's text is typed in formats that have types (XLSX, JSON)."""

    TEXT = "text"
    INT = "int"
    TIME = "time"


@dataclass(frozen=True)
class Column:
    """A column of an exported table."""

    name: str
    kind: ColumnKind = ColumnKind.TEXT


@dataclass(frozen=True, kw_only=True)
class TableShape:
    """An exported table: its columns, and the plan the database fills them from."""

    table: ExportTable
    columns: tuple[Column, ...]
    plan: RowPlan


_Planned = tuple[Column, CellPlan]


def _cell(
    name: str, source: Source, kind: ColumnKind = ColumnKind.TEXT, show: Show = Show.ALWAYS
) -> _Planned:
    return Column(name, kind), CellPlan(source=source, show=show)


def _shared(table: ExportTable, *, personal: bool) -> list[_Planned]:
    noun, verb = {
        ExportTable.FEEDBACK: ("feedback", "submitted"),
        ExportTable.REPLIES: ("reply", "posted"),
        ExportTable.REACTIONS: ("reaction", "added"),
    }[table]
    cells = [
        _cell(f"{noun}_id", Source.ID, ColumnKind.INT),
        _cell(f"{verb}_at", Source.AT, ColumnKind.TIME),
        _cell("paper", Source.PAPER),
        _cell("section_number", Source.SECTION_ORDINAL, ColumnKind.INT),
        _cell("section_id", Source.SECTION_ID),
        _cell("section_title", Source.SECTION_TITLE),
        _cell("section_version", Source.SECTION_VERSION),
        _cell("platform", Source.PLATFORM),
        _cell("workspace", Source.WORKSPACE),
        _cell("channel", Source.CHANNEL),
        _cell("participant", Source.PARTICIPANT_KEY),
    ]
    if personal:
        cells += [
            _cell("participant_name", Source.PARTICIPANT_NAME, show=Show.IF_NAMED),
            _cell("participant_organisation", Source.PARTICIPANT_ORGANISATION, show=Show.IF_NAMED),
        ]
    return cells


def _shape(
    table: ExportTable, cells: list[_Planned], *, quote_answer: str | None = None
) -> TableShape:
    return TableShape(
        table=table,
        columns=tuple(column for column, _ in cells),
        plan=RowPlan(cells=tuple(plan for _, plan in cells), quote_answer=quote_answer),
    )


def is_personal(field: FormField) -> bool:
    """A form field that identifies the member (their email or organisation)."""
    return field.kind is FieldKind.EMAIL or field.name.lower() in PERSONAL_FIELD_NAMES


def feedback_shape(*, fields: Sequence[FormField], personal: bool) -> TableShape:
    """Feedback responses: one column per form field (personal ones only with `personal`)."""
    cells = [
        *_shared(ExportTable.FEEDBACK, personal=personal),
        _cell("quote_preference", Source.QUOTE_PREFERENCE),
    ]
    taken = {column.name for column, _ in cells}
    for field in fields:
        if is_personal(field):
            if not personal:
                continue
            show = Show.IF_NAMED
        elif field.kind in FREE_TEXT_KINDS:
            show = Show.IF_QUOTABLE
        else:
            show = Show.ALWAYS
        name = f"answer_{field.name}" if field.name in taken else field.name
        cells.append((Column(name), CellPlan(answer=field.name, show=show)))
    asks_quote = any(f.name == QUOTE_FIELD.name for f in fields)
    return _shape(
        ExportTable.FEEDBACK, cells, quote_answer=QUOTE_FIELD.name if asks_quote else None
    )


def replies_shape(*, personal: bool) -> TableShape:
    """Thread replies (deleted ones are not exported): the text unless the member said no."""
    cells = [
        *_shared(ExportTable.REPLIES, personal=personal),
        _cell("quote_preference", Source.QUOTE_PREFERENCE),
        _cell("edited_at", Source.EDITED_AT, ColumnKind.TIME),
        _cell("text", Source.TEXT, show=Show.IF_QUOTABLE),
    ]
    return _shape(ExportTable.REPLIES, cells)


def reactions_shape(*, personal: bool) -> TableShape:
    """Emoji reactions, withdrawn ones included with `removed_at` set."""
    cells = [
        *_shared(ExportTable.REACTIONS, personal=personal),
        _cell("removed_at", Source.REMOVED_AT, ColumnKind.TIME),
        _cell("emoji", Source.EMOJI),
    ]
    return _shape(ExportTable.REACTIONS, cells)


def shapes(*, fields: Sequence[FormField], personal: bool) -> Mapping[ExportTable, TableShape]:
    """Every exported table, in the order they are written."""
    return {
        ExportTable.FEEDBACK: feedback_shape(fields=fields, personal=personal),
        ExportTable.REPLIES: replies_shape(personal=personal),
        ExportTable.REACTIONS: reactions_shape(personal=personal),
    }


def text_rows(batch: pa.RecordBatch) -> list[tuple[str | None, ...]]:
    """A batch of text columns as rows, for the formats written row by row."""
    return list(zip(*(column.to_pylist() for column in batch.columns), strict=True))
