"""Exports: feedback, replies and reactions as CSV, XLSX or JSON Lines, streamed.

`run_export` reads one consistent snapshot in batches (shaped by the database, see
`bot.export_rows`), writes each batch on a worker thread while the next one is fetched, writes
into a hidden file or folder beside the target and renames it into place at the end, and
records the export in the audit log. Memory stays flat
whatever the row count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from bot.export_csv import CsvTable
from bot.export_jsonl import JsonlTable
from bot.export_rows import TableShape, shapes, text_rows
from bot.export_staging import ExportError, Staging
from bot.ports import Store, StoreSession
from bot.ports_export import ExportFilters, ExportReader, ExportTable
from bot.summary import SummaryFacts, crosstabs

BATCH_SIZE = 5000

__all__ = ["ExportError", "ExportFormat", "ExportRequest", "ExportResult", "run_export"]


class ExportFormat(StrEnum):
    """The formats an export can be written in."""

    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"


@dataclass(frozen=True, kw_only=True)
class ExportRequest:
    """What to export, where, and how much personal data to include."""

    format: ExportFormat
    target: Path
    filters: ExportFilters = field(default_factory=ExportFilters)
    include_personal_data: bool = False
    overwrite: bool = False


@dataclass(frozen=True, kw_only=True)
class ExportResult:
    """A finished export: where it is and how many rows each table has."""

    target: Path
    format: ExportFormat
    rows: Mapping[ExportTable, int]


class ExportProgress(Protocol):
    """Told about an export as it goes (the CLI shows a progress bar)."""

    def start(self, table: ExportTable, total: int) -> None:
        """A table is about to be written with `total` rows."""
        ...

    def advance(self, table: ExportTable, rows: int) -> None:
        """`rows` more rows of a table were written."""
        ...


class _RowSink(Protocol):
    def write(self, rows: Sequence[Sequence[str | None]]) -> None: ...

    def close(self) -> None: ...


class _Sink(Protocol):
    def write(self, batch: pa.RecordBatch) -> None: ...

    def close(self) -> None: ...


class _Rows:
    """A sink that takes rows (XLSX, JSON Lines), fed record batches."""

    def __init__(self, sink: _RowSink) -> None:
        self._sink = sink

    def write(self, batch: pa.RecordBatch) -> None:
        self._sink.write(text_rows(batch))

    def close(self) -> None:
        self._sink.close()


def check_filters(filters: ExportFilters) -> None:
    """Refuse filters that can match nothing by construction."""
    if filters.since and filters.until and filters.since >= filters.until:
        raise ExportError(
            f"--since ({filters.since.isoformat()}) is not before --until "
            f"({filters.until.isoformat()}): swap them or widen the range"
        )


async def check_sections(tx: StoreSession, filters: ExportFilters) -> None:
    """Refuse section names that match no section, listing the ones there are."""
    if not filters.sections:
        return
    async with tx.export_reader(filters=filters) as reader:
        unknown = await reader.unknown_sections()
    if not unknown:
        return
    async with tx.export_reader(filters=replace(filters, sections=())) as reader:
        known = ", ".join(f"{s.ordinal} ({s.section_id})" for s in await reader.sections())
    names = ", ".join(repr(n) for n in unknown)
    raise ExportError(f"no section {names}; sections are: {known or 'none loaded yet'}")


async def run_export(
    store: Store,
    *,
    request: ExportRequest,
    actor: str,
    now: datetime,
    progress: ExportProgress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ExportResult:
    """Write the export and audit it; raises ExportError (nothing written) when it cannot."""
    check_filters(request.filters)
    # Arrow's default allocator (jemalloc) keeps tens of MB it has freed, per thread; an export
    # needs a few MB at a time, so the C library's allocator holds the peak down.
    pa.set_memory_pool(pa.system_memory_pool())
    staging = Staging(
        request.target, folder=request.format is not ExportFormat.XLSX, overwrite=request.overwrite
    )
    staging.check()
    staging.create()
    try:
        async with store.transaction() as tx:
            await check_sections(tx, request.filters)
            async with tx.export_reader(filters=request.filters) as reader:
                counts = await _write(reader, request, staging.path, progress, batch_size, now)
            await tx.append_audit(
                actor=actor, action="export", detail=_audit_detail(request, counts), now=now
            )
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return ExportResult(target=request.target, format=request.format, rows=counts)


def _audit_detail(request: ExportRequest, counts: Mapping[ExportTable, int]) -> dict[str, Any]:
    filters = {k: v for k, v in asdict(request.filters).items() if v not in (None, ())}
    return {
        "format": request.format.value,
        "target": str(request.target),
        "personal_data": request.include_personal_data,
        "filters": {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items()},
        "rows": {table.value: n for table, n in counts.items()},
    }


async def _write(
    reader: ExportReader,
    request: ExportRequest,
    path: Path,
    progress: ExportProgress | None,
    batch_size: int,
    now: datetime,
) -> dict[ExportTable, int]:
    tables = shapes(fields=await reader.form_fields(), personal=request.include_personal_data)
    totals = {table: await reader.count(table) for table in tables}
    workbook = None
    if request.format is ExportFormat.XLSX:
        from bot.export_xlsx import XlsxWorkbook  # openpyxl only when needed

        workbook = XlsxWorkbook(path)
        tabs = await crosstabs(reader)
        workbook.add_summary(_facts(request, totals, now), list(tabs.values()))
    try:
        for table, shape in tables.items():
            if progress is not None:
                progress.start(table, totals[table])
            if workbook is not None:
                sink: _Sink = _Rows(workbook.add_table(table.value, shape.columns))
            elif request.format is ExportFormat.CSV:
                sink = await asyncio.to_thread(CsvTable, path / f"{table.value}.csv", shape.columns)
            else:
                jsonl = await asyncio.to_thread(
                    JsonlTable, path / f"{table.value}.jsonl", shape.columns
                )
                sink = _Rows(jsonl)
            await _stream(reader, table, shape, sink, progress, batch_size)
        if workbook is not None:
            await asyncio.to_thread(workbook.save)
    except BaseException:
        if workbook is not None:
            workbook.abandon()
        raise
    return totals


async def _stream(
    reader: ExportReader,
    table: ExportTable,
    shape: TableShape,
    sink: _Sink,
    progress: ExportProgress | None,
    batch_size: int,
) -> None:
    """Write each batch on a worker thread while the next batch is fetched."""
    pending: asyncio.Future[None] | None = None
    try:
        async for batch in reader.rows(table, plan=shape.plan, batch_size=batch_size):
            if pending is not None:
                await pending
            pending = asyncio.ensure_future(asyncio.to_thread(sink.write, batch))
            if progress is not None:
                progress.advance(table, batch.num_rows)
        if pending is not None:
            await pending
            pending = None
    finally:
        if pending is not None:
            await asyncio.wait([pending])
        await asyncio.to_thread(sink.close)


def _facts(
    request: ExportRequest, totals: Mapping[ExportTable, int], now: datetime
) -> SummaryFacts:
    f = request.filters
    lines = [
        ("Exported (UTC)", now.strftime("%Y-%m-%d %H:%M")),
        ("Paper", f.paper_id or "all"),
        ("Sections", ", ".join(f.sections) or "all"),
        ("Platform", f.platform.value if f.platform else "all"),
        ("From (UTC)", f.since.strftime("%Y-%m-%d %H:%M") if f.since else "the start"),
        ("Until, not including (UTC)", f.until.strftime("%Y-%m-%d %H:%M") if f.until else "now"),
        ("Names and emails", "included" if request.include_personal_data else "left out"),
        *((f"Rows in '{table.value}'", str(n)) for table, n in totals.items()),
        ("Times", "All times are UTC."),
    ]
    return SummaryFacts(title="engage export", lines=tuple(lines))
