"""CSV files for Excel: UTF-8 with a byte-order mark, every cell quoted, formulas neutralised.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
spreadsheet shows it as text instead of running it (CSV injection).

Rendering is the hot path of a million-row export, so a batch of rows is joined into one string
with control-character separators and quoted with a handful of `str.replace` passes that run in C,
instead of a Python call per cell. A batch whose text itself contains a separator character (it
never does in practice) falls back to the `csv` module, which writes the same bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CELL = "\x1f"  # unit separator
_ROW = "\x1e"  # record separator
_NEWLINE = "\r\n"


def neutralise(value: str) -> str:
    """`value`, prefixed with `'` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def render_rows(rows: Sequence[Sequence[str]]) -> str:
    """CSV text for rows of text: every cell quoted, formulas neutralised, CRLF line ends."""
    if not rows:
        return ""
    width = len(rows[0])
    text = _ROW.join([_CELL.join(row) for row in rows])
    if text.count(_CELL) != len(rows) * (width - 1) or text.count(_ROW) != len(rows) - 1:
        return _render_slowly(rows)
    for start in FORMULA_STARTS:
        if start in text:
            text = text.replace(_CELL + start, _CELL + "'" + start)
            text = text.replace(_ROW + start, _ROW + "'" + start)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    text = text.replace('"', '""').replace(_CELL, '","').replace(_ROW, '"' + _NEWLINE + '"')
    return '"' + text + '"' + _NEWLINE


class _Buffer:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)


def _render_slowly(rows: Sequence[Sequence[str]]) -> str:
    buffer = _Buffer()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=_NEWLINE)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return "".join(buffer.parts)


class CsvTable:
    """One table as a CSV file; the header row is written on opening."""

    def __init__(self, path: Path, headers: Sequence[str]) -> None:
        # utf-8-sig: the byte-order mark is how Excel knows the file is UTF-8.
        self._file: TextIO = path.open("w", encoding="utf-8-sig", newline="")
        self._file.write(render_rows([list(headers)]))

    def write(self, rows: Sequence[Sequence[str]]) -> None:
        self._file.write(render_rows(rows))

    def close(self) -> None:
        self._file.close()
