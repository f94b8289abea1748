"""Exports, reports, erasure and retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, or_, select

from bot.ports import AuditEntry
from bot.ports_export import ExportFilters, ExportReader
from storage.arrow_snapshot import ArrowSnapshot
from storage.mapping import to_audit
from storage.repos.export_reader import SqlExportReader
from storage.repos.privacy import PrivacyRepo
from storage.tables import AuditRow


class ExportRepo(PrivacyRepo):
    """Repository operations for exports and privacy."""

    @asynccontextmanager
    async def export_reader(self, *, filters: ExportFilters) -> AsyncIterator[ExportReader]:
        # A connection of its own, so an export that streams for minutes neither holds this
        # transaction's write lock (SQLite) nor sees rows change under it; an Arrow one, so
        # rows reach the file without a Python object each (`storage.arrow_snapshot`).
        engine = self._db.bind
        if not isinstance(engine, AsyncEngine):
            raise RuntimeError("export_reader needs a session bound to an AsyncEngine")
        snapshot = await asyncio.to_thread(ArrowSnapshot.open, engine.url)
        try:
            yield SqlExportReader(snapshot, filters=filters)
        finally:
            await asyncio.to_thread(snapshot.close)

    async def find_audit(
        self, *, action: str | None = None, limit: int = 100
    ) -> Sequence[AuditEntry]:
        query = select(AuditRow).order_by(col(AuditRow.id).desc()).limit(limit)
        if action is not None:
            query = query.where(
                or_(col(AuditRow.action) == action, col(AuditRow.action).startswith(action + "."))
            )
        result = await self._db.exec(query)
        return [to_audit(row) for row in result.all()]
