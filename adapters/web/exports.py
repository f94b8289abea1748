"""Exports made from the organiser page: one downloadable file and a signed, expiring link.

An XLSX export is one file already. CSV and JSON Lines exports are a folder (one file per
table), so they are written to a private temporary folder and packed into one ZIP, which is
renamed into the export folder only when complete. The files go where `bot.export_routes`
serves signed links from (`bot.export_chat.export_dir`); the retention job removes old ones.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.export import ExportError, ExportFormat, ExportRequest, run_export
from bot.export_chat import export_dir
from bot.services import Services
from bot.signed_links import make_export_link

FORMATS: Mapping[str, tuple[ExportFormat, str]] = {
    "csv": (ExportFormat.CSV, "CSV"),
    "xlsx": (ExportFormat.XLSX, "Excel (XLSX)"),
    "jsonl": (ExportFormat.JSONL, "JSON Lines"),
}


@dataclass(frozen=True, kw_only=True)
class ExportDone:
    """A finished export, as the organiser page announces it."""

    label: str
    filename: str
    link: str
    expires_at: datetime
    rows: Mapping[str, int]


async def export_for_download(
    services: Services,
    *,
    choice: str,
    actor: str,
    expires_in: float | None = None,
) -> ExportDone:
    """Write the export chosen by `choice` (a key of FORMATS) and sign a link to it, valid for
    `expires_in` seconds (default: ENGAGE_EXPORT_LINK_SECONDS). Raises KeyError for another
    choice and `bot.export.ExportError` when nothing could be written."""
    fmt, label = FORMATS[choice]
    if expires_in is None:
        expires_in = float(services.settings.export_link_seconds)
    now = services.clock.now()
    folder = export_dir(services.settings)
    try:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(
            f"cannot create the export folder {folder}: {error.strerror or error}; "
            "set ENGAGE_EXPORT_DIR to a folder engage can write to"
        ) from None
    stem = f"engage-export-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    if fmt is ExportFormat.XLSX:
        filename = f"{stem}.xlsx"
        result = await run_export(
            services.store,
            request=ExportRequest(format=fmt, target=folder / filename),
            actor=actor,
            now=now,
        )
    else:
        filename = f"{stem}-{choice}.zip"
        with tempfile.TemporaryDirectory(dir=folder, prefix=".web-export-") as scratch:
            tables = Path(scratch) / stem
            result = await run_export(
                services.store,
                request=ExportRequest(format=fmt, target=tables),
                actor=actor,
                now=now,
            )
            await asyncio.to_thread(_zip_folder, tables, folder / filename)
    return ExportDone(
        label=label,
        filename=filename,
        link=make_export_link(services.settings, path=filename, expires_in=expires_in, now=now),
        expires_at=now + timedelta(seconds=expires_in),
        rows={table.value: n for table, n in result.rows.items()},
    )


def _zip_folder(source: Path, target: Path) -> None:
    """Pack the files of `source` into the ZIP `target`, which appears only when complete."""
    partial = target.with_name(f".{target.name}.partial-{secrets.token_hex(4)}")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(source.iterdir()):
                archive.write(path, arcname=path.name)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
