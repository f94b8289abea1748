"""The organiser page: create web channels, post sections to them, schedule engagement events,
export the responses, and watch the counts."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from multidict import MultiDictProxy

from adapters.web import csrf
from adapters.web.admin_auth import ADMIN_PATH
from adapters.web.agenda_view import agenda_view
from adapters.web.context import WORKSPACE, refuse, render, web_context
from adapters.web.event_form import REMINDERS, EventForm, EventFormState, zone_choices
from adapters.web.exports import FORMATS, ExportDone
from adapters.web.formdata import one, read_form
from adapters.web.identity_form import anonymous_form_token, check_anonymous
from bot.domain import Platform
from bot.errors import TargetError
from bot.feed import platform_channels
from bot.scheduling import Scheduling

log = logging.getLogger(__name__)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
NOT_CONFIGURED = (
    "The organiser page is switched off because no organiser token is set. "
    "Set ENGAGE_ADMIN_TOKEN and restart engage to use it."
)


def _enabled(request: web.Request) -> None:
    if not web_context(request).admin.enabled:
        raise refuse(request, reason="admin_disabled", message=NOT_CONFIGURED)


async def organiser_form(request: web.Request) -> tuple[str, MultiDictProxy[str]]:
    """The organiser's session and the POSTed form, once the session and the form's CSRF token
    are checked; 403 for anyone else."""
    _enabled(request)
    form = await read_form(request)
    ctx = web_context(request)
    session = ctx.admin.session(request)
    if session is None:
        raise refuse(
            request, reason="no_admin_session", message="Sign in on the organiser page first."
        )
    if not csrf.valid(ctx.signer, purpose=csrf.ADMIN, subject=session, given=form.get(csrf.FIELD)):
        raise refuse(
            request,
            reason="csrf",
            message="This form has expired or did not come from this site. Reload the "
            "organiser page and try again.",
        )
    return session, form


async def dashboard(
    request: web.Request,
    *,
    session: str,
    error: str | None = None,
    status: int = 200,
    schedule: EventFormState | None = None,
    export: ExportDone | None = None,
) -> web.Response:
    """The organiser page, with a problem, the scheduling form as sent, or an export's link."""
    ctx = web_context(request)
    engagement = ctx.services.engagement
    zone = ctx.services.settings.timezone
    query = request.query
    state = schedule or EventFormState(form=EventForm(timezone=zone))
    agenda = await Scheduling.from_services(ctx.services).agenda()
    return render(
        request,
        "admin.html",
        values={
            "admin_csrf": csrf.token_for(ctx.signer, purpose=csrf.ADMIN, subject=session),
            "channels": await platform_channels(ctx.services.store, platform=Platform.WEB),
            "sections": engagement.paper.sections,
            "paper": engagement.paper,
            "counts": await engagement.status(),
            "error": error,
            "created": query.get("created") if SLUG.match(query.get("created", "")) else None,
            "published": _int(query.get("published")),
            "already": _int(query.get("already")),
            "published_to": query.get("to") if SLUG.match(query.get("to", "")) else None,
            "schedule": state,
            "zones": zone_choices(zone, state.form.timezone),
            "reminder_choices": {k: label for k, (_, label) in REMINDERS.items()},
            "agenda": agenda_view(agenda, paper=engagement.paper),
            "scheduled": _int(query.get("scheduled")),
            "cancelled": _int(query.get("cancelled")),
            "export_formats": {k: label for k, (_, label) in FORMATS.items()},
            "export": export,
            "consultation_zone": zone,
        },
        status=status,
    )


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _login(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    anonymous = anonymous_form_token(request)
    response = render(
        request,
        "admin_login.html",
        values={"anonymous_csrf": anonymous.token, "error": error},
        status=status,
    )
    anonymous.attach(response)
    return response


async def admin_page(request: web.Request) -> web.Response:
    """GET /web/admin: the dashboard, or the sign-in form."""
    _enabled(request)
    session = web_context(request).admin.session(request)
    if session is None:
        return _login(request)
    return await dashboard(request, session=session)


async def login(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/login: check the organiser token and open a session."""
    _enabled(request)
    form = await read_form(request)
    check_anonymous(request, form.get(csrf.FIELD))
    ctx = web_context(request)
    if not ctx.admin.token_matches(one(form, "token") or ""):
        ctx.services.metrics.rejected_requests.labels("web", "admin_token").inc()
        log.warning("organiser sign-in refused from %s: wrong token", request.remote)
        return _login(
            request,
            error="That is not the organiser token. Check ENGAGE_ADMIN_TOKEN and try again.",
            status=401,
        )
    response = web.HTTPSeeOther(ADMIN_PATH)
    ctx.admin.open_session(response, secure=ctx.secure_cookies)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/logout."""
    await organiser_form(request)
    response = web.HTTPSeeOther(ADMIN_PATH)
    web_context(request).admin.close_session(response)
    raise response


async def create_channel(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/channels: register a web channel named by a slug."""
    session, form = await organiser_form(request)
    slug = (one(form, "slug") or "").strip().lower()
    if not SLUG.match(slug):
        return await dashboard(
            request,
            session=session,
            error="A channel name is 1–40 lower-case letters, digits or hyphens, starting "
            "with a letter or digit (for example: general, la-leads).",
            status=422,
        )
    await web_context(request).services.engagement.register_channel(
        platform=Platform.WEB, workspace_id=WORKSPACE, external_id=slug, name=slug
    )
    raise web.HTTPSeeOther(f"{ADMIN_PATH}?created={slug}")


async def publish(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/publish: post one section, or all, to a web channel."""
    session, form = await organiser_form(request)
    slug = one(form, "channel") or ""
    section = one(form, "section") or ""
    try:
        result = await web_context(request).services.engagement.publish(
            sections=[section], target=f"{Platform.WEB.value}/{slug}", actor="web-admin"
        )
    except TargetError as error:
        return await dashboard(request, session=session, error=str(error), status=422)
    raise web.HTTPSeeOther(
        f"{ADMIN_PATH}?published={len(result.enqueued)}&already={len(result.already)}&to={slug}"
    )
