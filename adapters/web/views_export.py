"""Exporting from the organiser page: the file is written, the page shows its signed link."""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.context import web_context
from adapters.web.exports import FORMATS, export_for_download
from adapters.web.formdata import one
from adapters.web.views_admin import dashboard, organiser_form
from bot.export import ExportError

log = logging.getLogger(__name__)


async def export(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/export: write a CSV, XLSX or JSON Lines export and show its link.

    The page is answered directly rather than redirected to, so the link is never in a URL
    the browser keeps in its history."""
    session, form = await organiser_form(request)
    choice = one(form, "format", required=False) or ""
    if choice not in FORMATS:
        return await dashboard(
            request,
            session=session,
            error="Choose one of the export buttons: CSV, XLSX or JSON Lines.",
            status=422,
        )
    try:
        done = await export_for_download(
            web_context(request).services, choice=choice, actor="web-admin"
        )
    except ExportError as error:
        log.error("export from the organiser page failed: %s", error)
        return await dashboard(
            request,
            session=session,
            error=f"The export could not be written: {error}.",
            status=500,
        )
    log.info("organiser page export %s written (%s)", done.filename, done.rows)
    return await dashboard(request, session=session, export=done)
