"""Mounting Slack on engage's aiohttp app: routes, the Bolt app, and the SlackPlatform."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.bolt_app import build_bolt, oauth_enabled, signing_secret
from adapters.slack.clients import SlackClients
from adapters.slack.feedback import Background
from adapters.slack.http import SlackRoutes
from adapters.slack.installation_tables import BOTS_TABLE, INSTALLATIONS_TABLE
from adapters.slack.manifest import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from adapters.slack.platform import SlackPlatform
from bot.services import Services
from storage.engine import create_engine, dispose_engine

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class SlackParts:
    """What the adapter builds; `close()` releases its connections."""

    bolt: AsyncApp
    clients: SlackClients
    platform: SlackPlatform
    background: Background
    engine: AsyncEngine | None

    async def close(self) -> None:
        await self.background.wait()
        await self.clients.close()
        if self.engine is not None:
            await dispose_engine(self.engine)


SLACK = web.AppKey("slack", SlackParts)


def build_parts(services: Services) -> SlackParts:
    """The Bolt app, the Web API clients and the platform, without I/O."""
    settings = services.settings
    engine = installations = None
    if oauth_enabled(settings):
        # SqlStore keeps its engine private, so the installation store gets a small engine
        # of its own on the same database (migration 0002 made its tables).
        engine = create_engine(settings.database_url)
        installations = AsyncSQLAlchemyInstallationStore(
            client_id=settings.slack_client_id or "",
            engine=engine,
            installations_table_name=INSTALLATIONS_TABLE,
            bots_table_name=BOTS_TABLE,
        )
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    clients = SlackClients(
        base_url=settings.slack_api_url, bot_token=token, installation_store=installations
    )
    background = Background()
    bolt = build_bolt(
        services, api_url=clients.base_url, installations=installations, background=background
    )
    platform = SlackPlatform(clients=clients, clock=services.clock)
    return SlackParts(
        bolt=bolt, clients=clients, platform=platform, background=background, engine=engine
    )


def mount(app: web.Application, services: Services) -> None:
    """Add the Slack routes to `app` and register the Slack platform."""
    settings = services.settings
    parts = build_parts(services)
    app[SLACK] = parts
    routes = SlackRoutes(
        bolt=parts.bolt, signing_secret=signing_secret(settings), metrics=services.metrics
    )
    oauth = (INSTALL_PATH, REDIRECT_PATH) if parts.bolt.oauth_flow is not None else None
    routes.add_to(app, events_path=EVENTS_PATH, oauth_paths=oauth)
    services.register_platform(parts.platform)

    async def lifetime(_: web.Application) -> AsyncIterator[None]:
        yield
        await parts.close()

    app.cleanup_ctx.append(lifetime)
    mode = "OAuth (multi-workspace)" if oauth else "single workspace"
    log.info("Slack is on (%s): events at %s", mode, EVENTS_PATH)
