"""Mount Teams on the aiohttp app: `POST /api/messages` and the Teams platform."""

from __future__ import annotations

from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.teams.auth import build_authentication
from adapters.teams.chat_commands import ChatCommands
from adapters.teams.endpoint import MessagesEndpoint
from adapters.teams.handler import EngageTeamsBot
from adapters.teams.installation import Installer
from adapters.teams.personal import PersonalChats
from adapters.teams.platform import TeamsPlatform
from adapters.teams.schedule_dialog import ScheduleDialog
from adapters.teams.tasks import Dialogs
from bot.services import Services

MESSAGES_PATH = "/api/messages"


def mount(app: web.Application, services: Services) -> None:
    """Add the Bot Framework endpoint and register Teams as a platform."""
    settings = services.settings
    auth, _credentials = build_authentication(settings)
    app_id = settings.microsoft_app_id or ""
    platform = TeamsPlatform(
        auth=auth, app_id=app_id, personal=PersonalChats(engagement=services.engagement)
    )
    bot = EngageTeamsBot(
        engagement=services.engagement,
        clock=services.clock,
        platform=platform,
        installer=Installer(engagement=services.engagement, platform=platform),
        dialogs=Dialogs(
            engagement=services.engagement,
            clock=services.clock,
            consent_text=settings.consent_text,
        ),
        schedule=ScheduleDialog(services=services, organisers=settings.teams_organisers),
        commands=ChatCommands(
            services=services, platform=platform, organisers=settings.teams_organisers
        ),
    )
    endpoint = MessagesEndpoint(adapter=CloudAdapter(auth), bot=bot, metrics=services.metrics)
    app.router.add_post(MESSAGES_PATH, endpoint.handle)
    services.register_platform(platform)
