"""The organisers' `/engage` slash command, answered privately in the acknowledgement.

`schedule` (a modal) and `export` (files in a DM) are Slack's own; every other verb goes to the
core's `run_command`, which all platforms share.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.export import start_export
from adapters.slack.feedback import Background
from adapters.slack.mrkdwn import escape
from adapters.slack.schedule import open_schedule_modal
from bot.commands import REFUSAL, run_command
from bot.domain import Actor, OrganiserCommand, Platform
from bot.services import Services

log = logging.getLogger(__name__)

COMMAND = "/engage"
# With "escape channels, users and links" on, Slack sends `#general` as `<#C123|general>`.
_CHANNEL_REF = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
SLACK_HELP = {
    "schedule": "• schedule — a form to schedule an event with reminders and a follow-up",
    "export": "• export [csv|xlsx|jsonl] — the responses as files, sent to you in a DM",
}


def register_slash(bolt: AsyncApp, services: Services, *, background: Background) -> None:
    """Add the `/engage` listener to a Bolt app."""
    organisers = frozenset(services.settings.slack_organisers)

    async def engage(
        ack: Callable[..., Awaitable[Any]], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
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
        words = str(body.get("text", "")).split()
        verb = words[0].lower() if words else ""
        if verb == "schedule":
            # Ours, not the core's: the modal needs Slack's trigger id.
            problem = REFUSAL if user not in organisers else None
            if problem is None:
                problem = await open_schedule_modal(
                    client,
                    services,
                    trigger_id=str(body.get("trigger_id", "")),
                    team=team,
                    channel=channel,
                )
            if problem:
                await ack(response_type="ephemeral", text=escape(problem))
            else:
                await ack()  # the modal is the answer
            return
        if verb == "export":
            # Ours even if the core learns `export`: Slack sends the file itself, not a link.
            text = await start_export(
                client,
                services,
                background=background,
                user=user,
                channel=channel,
                args=words[1:],
                is_organiser=user in organisers,
            )
            await ack(response_type="ephemeral", text=text)
            return
        command = OrganiserCommand(
            platform=Platform.SLACK,
            workspace_id=team,
            channel_id=channel,
            actor=Actor(user_id=user, display_name=body.get("user_name")),
            text=channel_refs(str(body.get("text", ""))),
        )
        reply = await run_command(
            services.engagement,
            command,
            organisers=organisers,
            here=channel,
            services=services,  # `delete my data` erases through the store
        )
        text = slack_help(reply.text) if verb in ("", "help") else reply.text
        await ack(response_type="ephemeral", text=escape(text))

    bolt.command(COMMAND)(engage)


def slack_help(core_help: str) -> str:
    """The core's command list with Slack's own `schedule` and `export` in place of any lines
    the core has for them (Slack's export sends the file, not a link)."""
    kept = [
        line
        for line in core_help.splitlines()
        if not line.lstrip("•- ").startswith(tuple(SLACK_HELP))
    ]
    bullets = [i for i, line in enumerate(kept) if line.startswith("•")]
    at = bullets[-1] + 1 if bullets else len(kept)
    return "\n".join([*kept[:at], *SLACK_HELP.values(), *kept[at:]])


def channel_refs(text: str) -> str:
    """`<#C123|general>` becomes `#C123`, a target the core resolves by the channel's id."""
    return _CHANNEL_REF.sub(lambda m: f"#{m.group(1)}", text)
