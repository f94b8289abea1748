"""JSON Lines files: one JSON object per row, typed (numbers, null), text exactly as stored.

Nothing is neutralised here: JSON Lines is for programs, which read text as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

from bot.export_rows import Column, ColumnKind

JsonValue = str | int | None


def _typed(kind: ColumnKind) -> Callable[[str | None], JsonValue]:
    if kind is ColumnKind.INT:
        return lambda text: int(text) if text else None
    return lambda text: text or None


class JsonlTable:
    """One table as a JSON Lines file (UTF-8, no byte-order mark, one object a line)."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self._file: BinaryIO = path.open("wb")
        self._names = [c.name for c in columns]
        self._types = [_typed(c.kind) for c in columns]

    def write(self, rows: Sequence[Sequence[str | None]]) -> None:
        names, types = self._names, self._types
        lines = [
            orjson.dumps(
                {n: convert(cell) for n, convert, cell in zip(names, types, row, strict=True)}
            )
            for row in rows
        ]
        if lines:
            self._file.write(b"\n".join(lines) + b"\n")

    def close(self) -> None:
        self._file.close()
