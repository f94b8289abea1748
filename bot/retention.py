"""Retention: after `ENGAGE_RETENTION_DAYS`, what members said is reduced to anonymous counts.

Once a day: reply texts and edit history, and feedback answers other than nature and role, older
than the retention period are dropped; members who have done nothing for that long are erased
(`bot.privacy`); chat export files older than a day are deleted. Each run is audited. Running it
twice, or on two replicas at once, changes nothing the second time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.export_chat import export_dir
from bot.ports import Store
from bot.services import BackgroundJob, Services

log = logging.getLogger(__name__)

PURGE_INTERVAL_SECONDS = 24 * 3600.0
EXPORT_FILE_SECONDS = 24 * 3600.0


@dataclass(frozen=True, kw_only=True)
class PurgeReport:
    """What one purge did."""

    replies: int
    revisions: int
    feedback: int
    participants: int


async def purge_expired(store: Store, *, retention_days: int, now: datetime) -> PurgeReport:
    """Reduce everything older than `retention_days` to anonymous counts, and audit it."""
    if retention_days < 1:
        raise ValueError("retention_days must be 1 or more (ENGAGE_RETENTION_DAYS)")
    cutoff = now - timedelta(days=retention_days)
    async with store.transaction() as tx:
        stripped = await tx.strip_responses(before=cutoff)
        idle = await tx.idle_participants(before=cutoff)
        for participant_id in idle:
            await tx.erase_participant(participant_id=participant_id, now=now)
        report = PurgeReport(
            replies=stripped.replies,
            revisions=stripped.revisions,
            feedback=stripped.feedback,
            participants=len(idle),
        )
        await tx.append_audit(
            actor="retention",
            action="retention.purge",
            detail={"before": cutoff.isoformat(), **report.__dict__},
            now=now,
        )
    return report


def remove_old_exports(folder: Path, *, older_than: float, now: float | None = None) -> int:
    """Delete export files in `folder` last written more than `older_than` seconds ago."""
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - older_than
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def run_once(services: Services) -> None:
    """One purge (if a retention period is set) and one sweep of old export files; a failure
    is logged, never raised, so the job lives on to try again."""
    days = services.settings.retention_days
    try:
        if days is not None:
            report = await purge_expired(
                services.store, retention_days=days, now=services.clock.now()
            )
            log.info("retention purge: %s", report)
        removed = await asyncio.to_thread(
            remove_old_exports, export_dir(services.settings), older_than=EXPORT_FILE_SECONDS
        )
        if removed:
            log.info("removed %d expired export file(s)", removed)
    except Exception:
        log.exception("the retention purge failed; it will be tried again tomorrow")


def retention_job(services: Services, *, interval: float = PURGE_INTERVAL_SECONDS) -> BackgroundJob:
    """The daily job: it runs at start, then every `interval` seconds, until `stop` is set."""

    async def job(stop: asyncio.Event) -> None:
        while True:
            await run_once(services)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            except TimeoutError:
                continue

    return job


def register_retention(services: Services) -> None:
    """Add the daily purge to the app's background jobs (a misconfigured period is logged)."""
    days = services.settings.retention_days
    if days is not None and days < 1:
        log.error("ENGAGE_RETENTION_DAYS=%s: set it to 1 or more, or unset it; no purge runs", days)
        return
    services.background.append(retention_job(services))
