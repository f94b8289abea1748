"""The organisers' `/engage` slash command, answered privately in the acknowledgement."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack.mrkdwn import escape
from bot.commands import run_command
from bot.domain import Actor, OrganiserCommand, Platform
from bot.services import Services

log = logging.getLogger(__name__)

COMMAND = "/engage"
# With "escape channels, users and links" on, Slack sends `#general` as `<#C123|general>`.
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def register_slash(bolt: AsyncApp, services: Services) -> None:
    """Add the `/engage` listener to a Bolt app."""
    organisers = frozenset(services.settings.slack_organisers)

    async def engage(ack: Callable[..., Awaitable[Any]], body: dict[str, Any]) -> None:
        team, channel = str(body.get("team_id", "")), str(body.get("channel_id", ""))
        user = str(body.get("user_id", ""))
        if user in organisers and channel[:1] in ("C", "G"):
            # An organiser's first command in a channel makes it a place engage can post to.
            await services.engagement.register_channel(
                platform=Platform.SLACK,
                workspace_id=team,
                external_id=channel,
                name=str(body.get("channel_name") or channel),
            )
        command = OrganiserCommand(
            platform=Platform.SLACK,
            workspace_id=team,
            channel_id=channel,
            actor=Actor(user_id=user, display_name=body.get("user_name")),
            text=channel_refs(str(body.get("text", ""))),
        )
        reply = await run_command(services.engagement, command, organisers=organisers, here=channel)
        await ack(response_type="ephemeral", text=escape(reply.text))

    bolt.command(COMMAND)(engage)


def channel_refs(text: str) -> str:
    """`<#C123|general>` becomes `#C123`, a target the core resolves by the channel's id."""
    return _CHANNEL_REF.sub(lambda m: f"#{m.group(1)}", text)
