"""Events API listeners: reactions, thread replies, and the bot joining or leaving channels.

Each listener returns only after the core has stored the event, and Bolt runs with
`process_before_response=True`, so Slack gets its 200 only once the event is safe; a failure
answers 500 and Slack retries (the event id dedupes the retry).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import translate
from bot.domain import Platform
from bot.services import Services

log = logging.getLogger(__name__)


def register_events(
    bolt: AsyncApp, services: Services, *, installations: AsyncInstallationStore | None
) -> None:
    """Add the event listeners to a Bolt app; a catch-all last acknowledges the rest."""
    engagement = services.engagement

    async def on_reaction(body: dict[str, Any]) -> None:
        event = translate.reaction(body)
        if event is not None:
            outcome = await engagement.record(event)
            log.debug("%s %s: %s", body["event"]["type"], body["event_id"], outcome)

    async def on_message(body: dict[str, Any], context: AsyncBoltContext) -> None:
        event = translate.message(body, bot_user_id=context.bot_user_id)
        if event is not None:
            outcome = await engagement.record(event)
            log.debug("message %s: %s", body["event_id"], outcome)

    async def on_member_joined(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        event = body["event"]
        if event.get("user") != context.bot_user_id:
            return
        channel = str(event["channel"])
        name = await _channel_name(client, channel)
        await engagement.register_channel(
            platform=Platform.SLACK, workspace_id=body["team_id"], external_id=channel, name=name
        )
        log.info("registered Slack channel #%s (%s) in %s", name, channel, body["team_id"])

    async def on_member_left(body: dict[str, Any], context: AsyncBoltContext) -> None:
        event = body["event"]
        if event["type"] == "member_left_channel" and event.get("user") != context.bot_user_id:
            return
        await _deactivate(services, body["team_id"], str(event.get("channel", "")))

    async def on_uninstall(body: dict[str, Any]) -> None:
        event = body["event"]
        if event["type"] == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return  # only user tokens were revoked; the bot can still post
        team = body["team_id"]
        async with services.store.transaction() as tx:
            channels = await tx.list_channels(platform=Platform.SLACK)
        for channel in channels:
            if channel.workspace_id == team:
                await _deactivate(services, team, channel.external_id)
        if installations is not None:
            await installations.async_delete_installation(enterprise_id=None, team_id=team)
            await installations.async_delete_bot(enterprise_id=None, team_id=team)
        log.warning("engage was removed from Slack workspace %s: its channels are inactive", team)

    async def on_other(body: dict[str, Any]) -> None:
        log.debug("ignored Slack event %s (%s)", body["event"].get("type"), body.get("event_id"))

    bolt.event("reaction_added")(on_reaction)
    bolt.event("reaction_removed")(on_reaction)
    bolt.event("message")(on_message)
    bolt.event("member_joined_channel")(on_member_joined)
    for kind in ("member_left_channel", "channel_left", "group_left"):
        bolt.event(kind)(on_member_left)
    bolt.event("app_uninstalled")(on_uninstall)
    bolt.event("tokens_revoked")(on_uninstall)
    bolt.event(re.compile(".*"))(on_other)


async def _channel_name(client: AsyncWebClient, channel: str) -> str:
    try:
        info = await client.conversations_info(channel=channel)
    except SlackApiError as error:
        log.warning("conversations.info %s failed (%s): using the id as its name", channel, error)
        return channel
    return str((info.get("channel") or {}).get("name") or channel)


async def _deactivate(services: Services, team: str, channel: str) -> None:
    found = await services.engagement.deactivate_channel(
        platform=Platform.SLACK, workspace_id=team, external_id=channel
    )
    if found is not None:
        log.info("Slack channel %s in %s is inactive: engage will not post there", channel, team)
