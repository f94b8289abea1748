"""`engage serve --demo`: a web channel with the whole paper in it, on one machine."""

from __future__ import annotations

import asyncio

from adapters.web.context import PREFIX, WORKSPACE
from bot.domain import Platform
from bot.paper import load_paper
from bot.services import Services

DEMO_CHANNEL = "general"


async def prepare_demo(services: Services, *, channel: str = DEMO_CHANNEL) -> str:
    """Register the web channel `channel`, post every section to it (a second run posts
    nothing new), and return the channel page's path. The web platform's outbox sender delivers
    the posts within one poll interval."""
    engagement = services.engagement
    if not engagement.has_paper:
        await engagement.load_paper(await asyncio.to_thread(load_paper, services.settings.paper))
    await engagement.register_channel(
        platform=Platform.WEB, workspace_id=WORKSPACE, external_id=channel, name=channel
    )
    await engagement.publish(
        sections=["all"], target=f"{Platform.WEB.value}/{channel}", actor="demo"
    )
    return f"{PREFIX}/c/{channel}"
