"""The append-only audit log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import col, select

from bot.ports import AuditEntry
from storage.mapping import to_audit
from storage.repos.base import Repo
from storage.tables import AuditRow


class AuditRepo(Repo):
    """Audit lines are only ever added; nothing here updates or deletes one."""

    async def append_audit(
        self, *, actor: str, action: str, detail: Mapping[str, object], now: datetime
    ) -> AuditEntry:
        row = AuditRow(at=now, actor=actor, action=action, detail=dict(detail))
        self._db.add(row)
        await self._db.flush()
        return to_audit(row)

    async def list_audit(self, *, limit: int = 100) -> Sequence[AuditEntry]:
        result = await self._db.exec(
            select(AuditRow).order_by(col(AuditRow.id).desc()).limit(limit)
        )
        return [to_audit(row) for row in result.all()]
