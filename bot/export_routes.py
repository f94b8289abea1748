"""The download route for signed export links: GET /exports/{name}?expires=…&sig=…"""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from bot.export_chat import export_dir
from bot.services import Services
from bot.signed_links import LinkCheck, is_safe_name, verify_export_link

log = logging.getLogger(__name__)

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def mount_exports(
    app: web.Application, services: Services, *, directory: Path | None = None
) -> None:
    """Serve export files to whoever holds a valid, unexpired signed link."""
    folder = directory or export_dir(services.settings)

    async def download(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        check = verify_export_link(
            services.settings,
            name=name,
            expires=request.query.get("expires", ""),
            signature=request.query.get("sig", ""),
            now=services.clock.now(),
        )
        if check is LinkCheck.FORGED:
            log.warning("refused an export download with a bad signature for %r", name[:80])
            raise web.HTTPForbidden(text="This link is not valid: ask for a new export.")
        if check is LinkCheck.EXPIRED:
            raise web.HTTPGone(text="This link has expired: ask for a new export.")
        path = folder / name
        if not is_safe_name(name) or not path.is_file():
            raise web.HTTPGone(text="This export has been removed: ask for a new export.")
        async with services.store.transaction() as tx:
            await tx.append_audit(
                actor="link",
                action="export.download",
                detail={"file": name},
                now=services.clock.now(),
            )
        return web.FileResponse(
            path,
            headers={
                "Content-Type": _XLSX if name.endswith(".xlsx") else "application/octet-stream",
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    app.router.add_get("/exports/{name}", download)
