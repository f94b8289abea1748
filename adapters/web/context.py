"""What every web channel handler needs: the services, the signer and the current member."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from adapters.web import csrf
from adapters.web.admin_auth import AdminAuth
from adapters.web.formdata import read_form
from adapters.web.identity import WebIdentity, read_identity
from adapters.web.signing import Signer
from bot.domain import Channel, Platform
from bot.services import Services

PREFIX = "/web"
WORKSPACE = "local"
MAX_REPLY_CHARS = 4000


@dataclass(frozen=True, kw_only=True)
class WebContext:
    """The web channel's share of the process: services, signer, and settings it reads."""

    services: Services
    signer: Signer
    admin: AdminAuth
    reactions: tuple[str, ...]
    secure_cookies: bool


CONTEXT = web.AppKey("engage_web_context", WebContext)


def web_context(request: web.Request) -> WebContext:
    """The web channel's context, from the sub-application serving the request."""
    return request.config_dict[CONTEXT]


def member(request: web.Request) -> WebIdentity | None:
    """The member behind the request, if they have told us who they are."""
    return read_identity(request, web_context(request).signer)


def refuse(request: web.Request, *, reason: str, message: str) -> web.HTTPForbidden:
    """A 403 to raise, counted in the metrics by reason."""
    web_context(request).services.metrics.rejected_requests.labels("web", reason).inc()
    return web.HTTPForbidden(text=message)


async def web_channel(request: web.Request) -> Channel:
    """The active web channel named in the URL, or 404."""
    slug = request.match_info["channel"]
    channel = await web_context(request).services.engagement.find_channel(
        platform=Platform.WEB, workspace_id=WORKSPACE, external_id=slug
    )
    if channel is None or not channel.active:
        raise web.HTTPNotFound(text=f"There is no web channel called '{slug}'.")
    return channel


def render(
    request: web.Request, template: str, *, values: dict[str, Any], status: int = 200
) -> web.Response:
    """Render a page with what every page needs: the member and their form token."""
    ctx = web_context(request)
    me = member(request)
    page = {
        "me": me,
        "member_csrf": (
            csrf.token_for(ctx.signer, purpose=csrf.MEMBER, subject=me.user_id) if me else ""
        ),
        "csrf_field": csrf.FIELD,
        "max_reply": MAX_REPLY_CHARS,
        **values,
    }
    response = aiohttp_jinja2.render_template(template, request, page, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def require_member(request: web.Request) -> tuple[WebIdentity, MultiDictProxy[str]]:
    """The member and the form they POSTed, after checking the identity cookie and the CSRF
    token; a malformed body is a 400, a missing identity or token a 403."""
    form = await read_form(request)
    me = member(request)
    if me is None:
        raise refuse(
            request,
            reason="no_identity",
            message="Tell us your name and organisation first: open the channel page again.",
        )
    if not csrf.valid(
        web_context(request).signer,
        purpose=csrf.MEMBER,
        subject=me.user_id,
        given=form.get(csrf.FIELD),
    ):
        raise refuse(
            request,
            reason="csrf",
            message="This form has expired or did not come from this site. Reload the page "
            "and try again.",
        )
    return me, form
