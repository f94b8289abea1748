"""Mounting the web channel: its pages under /web/ and its `ChatPlatform`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from adapters.web import (
    templates_cache,
    views_actions,
    views_admin,
    views_channel,
    views_export,
    views_feedback,
    views_privacy,
    views_schedule,
)
from adapters.web.admin_auth import AdminAuth
from adapters.web.blocks import slug
from adapters.web.context import CONTEXT, PREFIX, WebContext
from adapters.web.identity import MAX_NAME, MAX_ORGANISATION
from adapters.web.identity_form import identity_page, save_identity
from adapters.web.platform import WebPlatform
from adapters.web.present import local_time
from adapters.web.security import headers_and_errors
from adapters.web.signing import Signer
from bot.services import Services

STATIC = Path(__file__).resolve().parent / "static"
_POST = r"/c/{channel:[a-z0-9][a-z0-9-]*}/p/{post:\d+}"
_CHANNEL = r"/c/{channel:[a-z0-9][a-z0-9-]*}"


def build_web_app(services: Services) -> web.Application:
    """The web channel's own sub-application (templates, middleware and routes)."""
    settings = services.settings
    signer = Signer(settings.secret_key.get_secret_value())
    sub = web.Application(middlewares=[headers_and_errors])
    sub[CONTEXT] = WebContext(
        services=services,
        signer=signer,
        admin=AdminAuth(signer=signer, token=settings.admin_token, clock=services.clock),
        reactions=tuple(settings.web_reactions),
        secure_cookies=settings.public_url.startswith("https://"),
    )
    filters: dict[str, Callable[..., str]] = {
        "slug": slug,
        "local_time": local_time(settings.timezone),
    }
    env = aiohttp_jinja2.setup(
        sub,
        loader=jinja2.PackageLoader("adapters.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=templates_cache.SHARED,
        filters=filters,
    )
    env.globals.update(max_name=MAX_NAME, max_organisation=MAX_ORGANISATION)
    sub[aiohttp_jinja2.static_root_key] = PREFIX + "/static"
    routes = sub.router
    routes.add_get("/", views_channel.index, name="index")
    routes.add_get("/identity", identity_page, name="identity")
    routes.add_post("/identity", save_identity)
    routes.add_get(_CHANNEL, views_channel.channel_page, name="channel")
    routes.add_get(_CHANNEL + "/live.json", views_channel.live_counts, name="live")
    routes.add_get(_CHANNEL + "/s/{section}", views_channel.section_page, name="section")
    routes.add_post(_POST + "/react", views_actions.react, name="react")
    routes.add_post(_POST + "/replies", views_actions.reply, name="reply")
    routes.add_post(_POST + "/replies/{reply}/edit", views_actions.edit_reply, name="edit")
    routes.add_post(_POST + "/replies/{reply}/delete", views_actions.delete_reply, name="delete")
    routes.add_get(_POST + "/feedback", views_feedback.feedback_page, name="feedback")
    routes.add_post(_POST + "/feedback", views_feedback.submit_feedback)
    routes.add_get("/admin", views_admin.admin_page, name="admin")
    routes.add_post("/admin/login", views_admin.login, name="admin_login")
    routes.add_post("/admin/logout", views_admin.logout, name="admin_logout")
    routes.add_post("/admin/channels", views_admin.create_channel, name="admin_channels")
    routes.add_post("/admin/publish", views_admin.publish, name="admin_publish")
    routes.add_post("/admin/events", views_schedule.schedule_event, name="admin_events")
    routes.add_post(
        r"/admin/events/{event:\d{1,12}}/cancel", views_schedule.cancel_event, name="admin_cancel"
    )
    routes.add_post("/admin/export", views_export.export, name="admin_export")
    routes.add_get("/me/delete", views_privacy.delete_page, name="delete_me")
    routes.add_post("/me/delete", views_privacy.delete_data)
    routes.add_static("/static/", STATIC, name="static")
    return sub


def mount(app: web.Application, services: Services) -> None:
    """Add the web channel's pages to `app` and register the web platform."""
    app.router.add_get(PREFIX, _to_index)  # before the sub-app, which would answer 404
    app.add_subapp(PREFIX + "/", build_web_app(services))
    services.register_platform(WebPlatform())


async def _to_index(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(PREFIX + "/")
