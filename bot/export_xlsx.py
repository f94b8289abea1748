"""An Excel workbook: a summary sheet, then one sheet per table as an Excel table.

openpyxl's write-only mode streams rows to disk, so memory stays flat however many rows there
are. Cells are typed (numbers, dates in UTC), text that would run as a formula gets a leading
`'`, characters XML cannot carry are dropped, and text past Excel's 32,767-character cell limit
is cut with a note. A table longer than a sheet (1,048,576 rows) continues on "name (2)".
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from bot.export_csv import FORMULA_STARTS
from bot.export_rows import Column, ColumnKind
from bot.summary import CrossTab, SummaryFacts

MAX_SHEET_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
TRUNCATED = " … [cut at Excel's cell limit: the CSV or JSON Lines export has all of it]"
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_WIDE = {"text", "summary", "details", "section_title", "answer"}

Cell = str | int | datetime | None


def excel_text(value: str | None) -> str | None:
    """Text as a safe cell: None when empty, formulas neutralised, illegal characters dropped,
    cut to fit a cell."""
    if not value:
        return None
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    if len(value) > MAX_CELL_CHARS:
        value = value[: MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return value


def _as_int(value: str | None) -> int | None:
    return int(value) if value else None


def _as_time(value: str | None) -> datetime | None:
    # "2026-01-05T09:00:00Z": Excel has no time zones, so the cell holds the UTC time.
    return datetime.fromisoformat(value.removesuffix("Z")) if value else None


def _converter(kind: ColumnKind) -> Callable[[str | None], Cell]:
    if kind is ColumnKind.INT:
        return _as_int
    if kind is ColumnKind.TIME:
        return _as_time
    return excel_text


class XlsxWorkbook:
    """A workbook being written; `save` writes the file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._book = Workbook(write_only=True)
        self._bold = Font(bold=True)

    def add_summary(self, facts: SummaryFacts, tabs: Sequence[CrossTab]) -> None:
        """The first sheet: what was exported, and counts by section."""
        sheet = self._book.create_sheet("Summary")
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEFGHIJKLMNOPQRSTU":
            sheet.column_dimensions[letter].width = 16
        sheet.append([self._cell(sheet, facts.title, Font(bold=True, size=14))])
        for label, value in facts.lines:
            sheet.append([self._cell(sheet, label, self._bold), excel_text(value)])
        for tab in tabs:
            sheet.append([])
            sheet.append([self._cell(sheet, tab.title, Font(bold=True, size=12))])
            header = ["Section", *tab.categories, "Total"]
            sheet.append([self._cell(sheet, excel_text(h), self._bold, wrap=True) for h in header])
            for row in tab.rows:
                sheet.append([excel_text(row.label), *row.counts, row.total])
            sheet.append(
                [
                    self._cell(sheet, "Total", self._bold),
                    *(self._cell(sheet, n, self._bold) for n in tab.column_totals),
                    self._cell(sheet, tab.total, self._bold),
                ]
            )

    def add_table(self, name: str, columns: Sequence[Column]) -> XlsxTable:
        """A sheet (or several) holding one table."""
        return XlsxTable(self, name, columns)

    def sheet(self, title: str, columns: Sequence[Column]) -> Any:
        """A new sheet with the columns' widths, a frozen bold header row."""
        sheet = self._book.create_sheet(title)
        for index, column in enumerate(columns, 1):
            wide = column.name in _WIDE or column.name.startswith("answer")
            width = 20 if column.kind is ColumnKind.TIME else 60 if wide else 18
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([self._cell(sheet, c.name, self._bold) for c in columns])
        return sheet

    def save(self) -> None:
        self._book.save(self._path)

    def abandon(self) -> None:
        """Close every sheet's stream after a failure, in order (left to the garbage collector,
        lxml complains about streams closed the wrong way round)."""
        for sheet in self._book.worksheets:
            with contextlib.suppress(Exception):
                sheet.close()

    @staticmethod
    def _cell(sheet: Any, value: Cell, font: Font, *, wrap: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = font
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell


class XlsxTable:
    """Rows of one table, spread over as many sheets as they need."""

    def __init__(self, book: XlsxWorkbook, name: str, columns: Sequence[Column]) -> None:
        self._book = book
        self._name = name
        self._columns = list(columns)
        self._convert = [_converter(c.kind) for c in columns]
        self._parts = 0
        self._rows_in_sheet = 0
        self._sheet: Any = None
        self._start_sheet()

    def _start_sheet(self) -> None:
        self._finish_sheet()
        self._parts += 1
        title = self._name if self._parts == 1 else f"{self._name} ({self._parts})"
        self._sheet = self._book.sheet(title, self._columns)
        self._rows_in_sheet = 0

    def _finish_sheet(self) -> None:
        if self._sheet is None:
            return
        last = get_column_letter(len(self._columns))
        ref = f"A1:{last}{self._rows_in_sheet + 1}"
        if self._rows_in_sheet == 0:
            # Excel refuses a table without a data row; a filter on the header does instead.
            self._sheet.auto_filter.ref = ref
            return
        display = self._name if self._parts == 1 else f"{self._name}_{self._parts}"
        table = Table(
            displayName=display,
            ref=ref,
            autoFilter=AutoFilter(ref=ref),
            tableStyleInfo=TableStyleInfo(name="TableStyleMedium2", showRowStripes=True),
        )
        # Write-only sheets cannot read the header cells back, so the columns are named here.
        table.tableColumns = [
            TableColumn(id=i, name=c.name) for i, c in enumerate(self._columns, 1)
        ]
        with warnings.catch_warnings():
            # openpyxl warns on every write-only table; the columns are named just above.
            warnings.filterwarnings("ignore", "In write-only mode", UserWarning)
            self._sheet.add_table(table)

    def write(self, rows: Sequence[Sequence[str | None]]) -> None:
        convert = self._convert
        room = MAX_SHEET_ROWS - 1 - self._rows_in_sheet
        if len(rows) > room:
            self.write(rows[:room])
            self._start_sheet()
            self.write(rows[room:])
            return
        append = self._sheet.append
        for row in rows:
            append([f(cell) for f, cell in zip(convert, row, strict=True)])
        self._rows_in_sheet += len(rows)

    def close(self) -> None:
        self._finish_sheet()
