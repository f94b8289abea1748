"""CSV files for Excel: UTF-8 with a byte-order mark, every cell quoted, formulas neutralised.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet shows it as text instead of running it (CSV injection).

Rows arrive as Arrow record batches of text (`bot.ports_export`) and Arrow's CSV writer, in
C++, writes them: quoting, neutralising and encoding a million rows costs no Python per row.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from bot.export_rows import Column, ColumnKind

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_STARTS = pa.array(FORMULA_STARTS, type=pa.string())
_NUMBERS_AND_TIMES = frozenset({ColumnKind.INT, ColumnKind.TIME})
_NEWLINE = "\r\n"
# pyarrow-stubs lag behind pyarrow, which has had `eol` since version 16.
_OPTIONS = pa_csv.WriteOptions(  # type: ignore[call-arg]
    include_header=False, quoting_style="all_valid", eol=_NEWLINE
)


def neutralise(value: str) -> str:
    """`value`, prefixed with `'` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def neutralised(column: pa.Array[Any]) -> pa.Array[Any]:
    """A column of text with every formula-like cell prefixed with `'` (nulls stay null)."""
    if column.type != pa.string():
        column = column.cast(pa.string())
    formula = pc.is_in(pc.utf8_slice_codeunits(column, 0, 1), value_set=_FORMULA_STARTS)
    if not pc.any(formula).as_py():  # the usual case, and the cheap one
        return column
    quoted = pc.utf8_replace_slice(column, start=0, stop=0, replacement="'")
    chosen: pa.Array[Any] = pc.if_else(formula, quoted, column)
    return chosen


def header_line(headers: Sequence[str]) -> str:
    """The header row as CSV text, quoted like the rows."""
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator=_NEWLINE).writerow(
        [neutralise(h) for h in headers]
    )
    return text.getvalue()


class CsvTable:
    """One table as a CSV file; the header row is written on opening."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file = pa.OSFile(str(path), "wb")
        # The byte-order mark is how Excel knows the file is UTF-8.
        self._file.write(codecs.BOM_UTF8 + header_line([c.name for c in columns]).encode())
        self._names = [f"c{i}" for i in range(len(columns))]
        # Ids, numbers and our own timestamps cannot start like a formula.
        self._text = [c.kind not in _NUMBERS_AND_TIMES for c in columns]
        self._writer: pa_csv.CSVWriter | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        """Append a batch of rows (one text column per column)."""
        columns = [
            neutralised(column) if text else column
            for column, text in zip(batch.columns, self._text, strict=True)
        ]
        rows = pa.RecordBatch.from_arrays(columns, names=self._names)
        if self._writer is None:
            self._writer = pa_csv.CSVWriter(
                self._file,  # type: ignore[arg-type]  # any Arrow stream will do
                rows.schema,
                write_options=_OPTIONS,
            )
        self._writer.write_batch(rows)

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        finally:
            self._file.close()
