"""Exports asked for in chat: an XLSX file in the export folder, and a signed link to it.

Slack uploads the file to the organiser's direct messages; Teams and the web channel send the
link privately. Names and emails are never included in a chat export (the CLI has
--include-personal-data for that).
"""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.export import ExportFormat, ExportRequest, run_export
from bot.ports_export import ExportFilters, ExportTable
from bot.privacy import require_organiser
from bot.services import Services
from bot.signed_links import DEFAULT_LINK_SECONDS, make_export_link


def export_dir(settings: Settings) -> Path:
    """Where chat exports are written and served from: ENGAGE_EXPORT_DIR, else
    `engage-exports` in the system's temporary folder."""
    return settings.export_dir or Path(tempfile.gettempdir()) / "engage-exports"


@dataclass(frozen=True, kw_only=True)
class ChatExport:
    """A finished chat export: the file, its name, a signed link, and the row counts."""

    path: Path
    filename: str
    link: str
    expires_at: datetime
    rows: dict[ExportTable, int] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        """One line for the chat message that carries the file or link."""
        counts = ", ".join(f"{n} {table.value}" for table, n in self.rows.items())
        return f"Your export ({counts}); the link works until {self.expires_at:%Y-%m-%d %H:%M} UTC."


async def export_for_chat(
    services: Services,
    *,
    actor: str,
    is_organiser: bool,
    filters: ExportFilters | None = None,
    directory: Path | None = None,
    expires_in: float = DEFAULT_LINK_SECONDS,
) -> ChatExport:
    """Write an XLSX export for an organiser in chat; NotAllowed (audited) for anyone else."""
    now = services.clock.now()
    if not is_organiser:
        async with services.store.transaction() as tx:
            await tx.append_audit(actor=actor, action="export.refused", detail={}, now=now)
        require_organiser(False, action="export responses")
    folder = directory or export_dir(services.settings)
    folder.mkdir(parents=True, exist_ok=True)
    filename = f"engage-export-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.xlsx"
    result = await run_export(
        services.store,
        request=ExportRequest(
            format=ExportFormat.XLSX,
            target=folder / filename,
            filters=filters or ExportFilters(),
        ),
        actor=actor,
        now=now,
    )
    return ChatExport(
        path=result.target,
        filename=filename,
        link=make_export_link(services.settings, path=filename, expires_in=expires_in, now=now),
        expires_at=now + timedelta(seconds=expires_in),
        rows=dict(result.rows),
    )
