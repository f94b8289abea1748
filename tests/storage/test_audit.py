"""The audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.store import SqlStore


async def test_audit_lines_list_newest_first(store: SqlStore, now: datetime) -> None:
    async with store.transaction() as tx:
        first = await tx.append_audit(
            actor="slack:U1", action="export", detail={"format": "xlsx", "rows": 12}, now=now
        )
    async with store.transaction() as tx:
        second = await tx.append_audit(
            actor="cli", action="post", detail={"sections": ["a", "b"]}, now=now
        )
        third = await tx.append_audit(
            actor="cli", action="post", detail={}, now=now + timedelta(seconds=1)
        )
        listed = await tx.list_audit()
        newest = await tx.list_audit(limit=1)
    assert listed == [third, second, first]
    assert newest == [third]
    assert first.detail == {"format": "xlsx", "rows": 12}
    assert first.at == now
