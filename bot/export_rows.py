"""The shape of each exported table: its columns, and the rows as text with privacy applied.

One place decides what an export may show, so CSV, XLSX and JSON Lines agree:
- participants appear by pseudonymous key; names, organisations and personal form fields (email
  fields, and fields named like `org` or `email`) only with `include_personal_data`, and then only
  for members whose quote preference is *named*;
- a member who chose *not at all* has their free text (text and textarea answers, reply texts)
  left out, though the row and its categorical answers stay, so counts add up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import orjson

from bot.domain import FieldKind, FormField
from bot.ports_export import ExportTable, QuotePreference, TextRow
from bot.quote import QUOTE_FIELD, parse_preference, strictest

PERSONAL_FIELD_NAMES = frozenset(
    {"org", "organisation", "organization", "name", "full_name", "email", "phone"}
)
FREE_TEXT_KINDS = frozenset({FieldKind.TEXT, FieldKind.TEXTAREA})

# Indexes into the rows of `bot.ports_export` (COMMON_COLUMNS, then each table's own).
_SHARED = slice(0, 11)  # id … participant_key
_NAME, _ORGANISATION, _PREFERENCE, _OWN = 11, 12, 13, 14

ShapedRow = tuple[str, ...]


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
    """An exported table: its columns and how to turn a batch of query rows into its rows."""

    table: ExportTable
    columns: tuple[Column, ...]
    shape: Callable[[Sequence[TextRow]], list[ShapedRow]]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _shared_columns(table: ExportTable, *, personal: bool) -> list[Column]:
    noun, verb = {
        ExportTable.FEEDBACK: ("feedback", "submitted"),
        ExportTable.REPLIES: ("reply", "posted"),
        ExportTable.REACTIONS: ("reaction", "added"),
    }[table]
    columns = [
        Column(f"{noun}_id", ColumnKind.INT),
        Column(f"{verb}_at", ColumnKind.TIME),
        Column("paper"),
        Column("section_number", ColumnKind.INT),
        Column("section_id"),
        Column("section_title"),
        Column("section_version"),
        Column("platform"),
        Column("workspace"),
        Column("channel"),
        Column("participant"),
    ]
    if personal:
        columns += [Column("participant_name"), Column("participant_organisation")]
    return columns


def is_personal(field: FormField) -> bool:
    """A form field that identifies the member (their email or organisation)."""
    return field.kind is FieldKind.EMAIL or field.name.lower() in PERSONAL_FIELD_NAMES


def _preference(stored: str) -> QuotePreference | None:
    return QuotePreference(stored) if stored else None


def feedback_shape(*, fields: Sequence[FormField], personal: bool) -> TableShape:
    """Feedback responses: one column per form field (personal ones only with `personal`)."""
    shown = [f for f in fields if personal or not is_personal(f)]
    columns = [
        *_shared_columns(ExportTable.FEEDBACK, personal=personal),
        Column("quote_preference"),
    ]
    taken = {c.name for c in columns}
    columns += [Column(f"answer_{f.name}" if f.name in taken else f.name) for f in shown]
    names = [f.name for f in shown]
    free = [i for i, f in enumerate(shown) if f.kind in FREE_TEXT_KINDS and not is_personal(f)]
    private = [i for i, f in enumerate(shown) if is_personal(f)]
    asks_quote = any(f.name == QUOTE_FIELD.name for f in fields)
    named, none = QuotePreference.NAMED, QuotePreference.NONE
    loads = orjson.loads  # a third of the time json.loads takes, on the hottest line

    def shape(rows: Sequence[TextRow]) -> list[ShapedRow]:
        out: list[ShapedRow] = []
        for row in rows:
            answers = loads(row[_OWN])
            stored = _preference(row[_PREFERENCE])
            preference = (
                strictest(stored, parse_preference(answers.get(QUOTE_FIELD.name)))
                if asks_quote
                else stored or strictest()
            )
            get = answers.get
            values = [str(get(name) or "") for name in names]
            if preference is none:
                for i in free:
                    values[i] = ""
            shows_name = personal and preference is named
            if not shows_name:
                for i in private:
                    values[i] = ""
            if personal:
                who = (row[_NAME], row[_ORGANISATION]) if shows_name else ("", "")
                out.append((*row[_SHARED], *who, preference.value, *values))
            else:
                out.append((*row[_SHARED], preference.value, *values))
        return out

    return TableShape(table=ExportTable.FEEDBACK, columns=tuple(columns), shape=shape)


def replies_shape(*, personal: bool) -> TableShape:
    """Thread replies (deleted ones are not exported): the text unless the member said no."""
    columns = [
        *_shared_columns(ExportTable.REPLIES, personal=personal),
        Column("quote_preference"),
        Column("edited_at", ColumnKind.TIME),
        Column("text"),
    ]
    named, none = QuotePreference.NAMED, QuotePreference.NONE

    def shape(rows: Sequence[TextRow]) -> list[ShapedRow]:
        out: list[ShapedRow] = []
        for row in rows:
            preference = _preference(row[_PREFERENCE]) or strictest()
            text = "" if preference is none else row[_OWN + 1]
            if personal:
                who = (row[_NAME], row[_ORGANISATION]) if preference is named else ("", "")
                out.append((*row[_SHARED], *who, preference.value, row[_OWN], text))
            else:
                out.append((*row[_SHARED], preference.value, row[_OWN], text))
        return out

    return TableShape(table=ExportTable.REPLIES, columns=tuple(columns), shape=shape)


def reactions_shape(*, personal: bool) -> TableShape:
    """Emoji reactions, withdrawn ones included with `removed_at` set."""
    columns = [
        *_shared_columns(ExportTable.REACTIONS, personal=personal),
        Column("removed_at", ColumnKind.TIME),
        Column("emoji"),
    ]
    named = QuotePreference.NAMED

    def shape(rows: Sequence[TextRow]) -> list[ShapedRow]:
        if not personal:
            return [(*row[_SHARED], row[_OWN], row[_OWN + 1]) for row in rows]
        out: list[ShapedRow] = []
        for row in rows:
            shows_name = (_preference(row[_PREFERENCE]) or strictest()) is named
            who = (row[_NAME], row[_ORGANISATION]) if shows_name else ("", "")
            out.append((*row[_SHARED], *who, row[_OWN], row[_OWN + 1]))
        return out

    return TableShape(table=ExportTable.REACTIONS, columns=tuple(columns), shape=shape)


def shapes(*, fields: Sequence[FormField], personal: bool) -> Mapping[ExportTable, TableShape]:
    """Every exported table, in the order they are written."""
    return {
        ExportTable.FEEDBACK: feedback_shape(fields=fields, personal=personal),
        ExportTable.REPLIES: replies_shape(personal=personal),
        ExportTable.REACTIONS: reactions_shape(personal=personal),
    }
