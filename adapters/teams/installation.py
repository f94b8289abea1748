"""Which channels the bot can post to: learnt from installation and channel events.

When the app is added to a team, every channel of the team is fetched from the connector and
registered with its conversation reference (not just the one the event came from); channel
events keep the list current; removing the app marks the team's channels inactive.
"""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ConversationReference

from adapters.teams.inbound import actor, channel_data, where
from adapters.teams.platform import TeamsPlatform
from adapters.teams.references import channel_reference, team_id_of
from bot.domain import Platform
from bot.engagement import Engagement

log = logging.getLogger(__name__)

_INSTALL_EVENTS = {"teamRenamed", "teamRestored", "teamUnarchived"}
_UNINSTALL_EVENTS = {"teamDeleted", "teamHardDeleted", "teamArchived"}
_CHANNEL_EVENTS = {"channelCreated", "channelRenamed", "channelRestored"}


class Installer:
    """Registers and retires a team's channels as Teams tells the bot about them."""

    def __init__(self, *, engagement: Engagement, platform: TeamsPlatform) -> None:
        self._engagement = engagement
        self._platform = platform

    async def on_conversation_update(self, context: TurnContext) -> None:
        activity = context.activity
        data = channel_data(activity)
        bot_id = activity.recipient.id if activity.recipient else None
        added = any(m.id == bot_id for m in activity.members_added or [])
        removed = any(m.id == bot_id for m in activity.members_removed or [])
        if data.team is None:
            if added:
                await self._remember_personal(activity)
            return
        event = data.event_type or ""
        if added or event in _INSTALL_EVENTS:
            await self.install(context)
        elif removed or event in _UNINSTALL_EVENTS:
            await self.uninstall(activity)
        elif event in _CHANNEL_EVENTS and data.channel is not None:
            await self._register(context, channel_id=data.channel.id, name=data.channel.name)
        elif event == "channelDeleted" and data.channel is not None:
            await self._deactivate(activity, channel_id=data.channel.id)

    async def on_installation_update(self, context: TurnContext) -> None:
        activity = context.activity
        team = channel_data(activity).team
        action = activity.action or ""
        if action.startswith("add"):
            if team is None:
                await self._remember_personal(activity)
            else:
                await self.install(context)
        elif action.startswith("remove"):
            if team is None:
                await self._platform.forget_personal(actor(activity).user_id)
            else:
                await self.uninstall(activity)

    async def install(self, context: TurnContext) -> int:
        """Register every channel of the activity's team; returns how many."""
        data = channel_data(context.activity)
        team_id = data.team.id if data.team else None
        if not team_id:
            return 0
        channels = await self._team_channels(context, team_id)
        for channel_id, name in channels:
            await self._register(context, channel_id=channel_id, name=name)
        log.info("Teams: %d channel(s) of team %s registered", len(channels), data.team.name)
        return len(channels)

    async def uninstall(self, activity: Activity) -> int:
        """Mark every known channel of the activity's team inactive; returns how many."""
        place = where(activity)
        data = channel_data(activity)
        team_id = data.team.id if data.team else None
        if place is None or not team_id:
            return 0
        known = await self._engagement.channels(platform=Platform.TEAMS)
        mine = [c for c in known if c.workspace_id == place.tenant_id and team_id_of(c) == team_id]
        for channel in mine:
            await self._deactivate(activity, channel_id=channel.external_id)
        log.info("Teams: the app left team %s; %d channel(s) deactivated", team_id, len(mine))
        return len(mine)

    async def _team_channels(
        self, context: TurnContext, team_id: str
    ) -> list[tuple[str, str | None]]:
        try:
            connector = await TeamsInfo.get_teams_connector_client(context)
            # The Teams operations of the SDK are synchronous: keep them off the event loop.
            listing = await asyncio.to_thread(connector.teams.get_teams_channels, team_id)
            return [(c.id, c.name) for c in listing.conversations or [] if c.id]
        except Exception as error:  # the connector refused or is unreachable
            place = where(context.activity)
            log.warning(
                "Teams: could not list the channels of team %s (%s); registering only the "
                "channel the event came from. Reinstall the app to retry.", team_id, error,
            )  # fmt: skip
            return [] if place is None else [(place.channel_id, None)]

    async def _register(self, context: TurnContext, *, channel_id: str, name: str | None) -> None:
        activity = context.activity
        place = where(activity)
        data = channel_data(activity)
        if place is None or data.team is None:
            return
        team_name = data.team.name
        channel_name = name or ("General" if channel_id == data.team.id else channel_id)
        await self._engagement.register_channel(
            platform=Platform.TEAMS,
            workspace_id=place.tenant_id,
            external_id=channel_id,
            name=f"{team_name}/{channel_name}" if team_name else channel_name,
            reference=channel_reference(
                TurnContext.get_conversation_reference(activity),
                channel_id=channel_id,
                channel_name=channel_name,
                tenant_id=place.tenant_id,
                team_id=data.team.id,
                team_name=team_name,
            ),
        )

    async def _deactivate(self, activity: Activity, *, channel_id: str) -> None:
        place = where(activity)
        if place is None:
            return
        await self._engagement.deactivate_channel(
            platform=Platform.TEAMS, workspace_id=place.tenant_id, external_id=channel_id
        )

    async def _remember_personal(self, activity: Activity) -> None:
        reference: ConversationReference = TurnContext.get_conversation_reference(activity)
        await self._platform.remember_personal(actor(activity).user_id, reference)
