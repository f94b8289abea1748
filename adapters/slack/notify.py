"""Telling one person something privately: an ephemeral message where they are, else a DM."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


async def open_dm(client: AsyncWebClient, user: str) -> str:
    """The id of the bot's direct-message conversation with `user` (opened if need be)."""
    opened = await client.conversations_open(users=[user])
    return str(opened["channel"]["id"])


async def tell(client: AsyncWebClient, *, user: str, channel: str | None, text: str) -> bool:
    """Show `text` (mrkdwn) to `user` only: ephemerally in `channel`, or in a direct message
    when that fails (the bot is not in the channel, or the command came from a DM). False when
    neither worked; the reason is logged."""
    if channel:
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, link_names=False)
            return True
        except SlackApiError as error:
            log.info(
                "ephemeral message to %s in %s failed (%s); sending a DM", user, channel, error
            )
    try:
        dm = await open_dm(client, user)
        await client.chat_postMessage(channel=dm, text=text, link_names=False, unfurl_links=False)
        return True
    except SlackApiError as error:
        log.warning(
            "could not tell %s privately (%s): check the app has the im:write and chat:write "
            "scopes",
            user,
            error,
        )
        return False
