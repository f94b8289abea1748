"""The bot: a TeamsActivityHandler that translates activities and hands them to the core.

Messages in one of our threads are replies (the bot's @mention removed); other messages that
@mention the bot, and messages in a personal chat, are organiser commands.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import MessageReaction

from adapters.teams import inbound
from adapters.teams.chat_commands import ChatCommands
from adapters.teams.installation import Installer
from adapters.teams.platform import TeamsPlatform
from adapters.teams.schedule_dialog import ScheduleDialog, is_schedule
from adapters.teams.tasks import Dialogs
from bot.domain import Outcome
from bot.engagement import Engagement
from bot.ports import Clock

log = logging.getLogger(__name__)


class EngageTeamsBot(TeamsActivityHandler):  # type: ignore[misc]
    """engage in Teams: reactions, replies, edits, deletions, dialogs, installs, commands."""

    def __init__(
        self,
        *,
        engagement: Engagement,
        clock: Clock,
        platform: TeamsPlatform,
        installer: Installer,
        dialogs: Dialogs,
        schedule: ScheduleDialog,
        commands: ChatCommands,
    ) -> None:
        super().__init__()
        self._engagement = engagement
        self._clock = clock
        self._platform = platform
        self._installer = installer
        self._dialogs = dialogs
        self._schedule = schedule
        self._commands = commands

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        sender = activity.from_property.id if activity.from_property else None
        if activity.recipient is not None and sender == activity.recipient.id:
            return
        text = inbound.text_without_bot_mention(activity)
        conversation = activity.conversation
        if conversation is not None and conversation.conversation_type == "personal":
            reference = TurnContext.get_conversation_reference(activity)
            await self._platform.remember_personal(inbound.actor(activity).user_id, reference)
            await self._command(turn_context, text, here="")
            return
        place = inbound.where(activity)
        if place is None:
            log.debug("Teams: a message outside team channels and personal chats was ignored")
            return
        mentioned = inbound.mentions_bot(activity)
        body = text or ("(attachment)" if activity.attachments else "")
        reply = inbound.reply_posted(activity, place, text=body, now=self._clock.now())
        if reply is not None and body:
            outcome = await self._engagement.record(reply)
            if outcome is not Outcome.IGNORED:
                return
        if mentioned:
            await self._command(turn_context, text, here=place.channel_id)

    async def on_reactions_added(
        self, message_reactions: list[MessageReaction], turn_context: TurnContext
    ) -> None:
        await self._reactions(turn_context, added=True)

    async def on_reactions_removed(
        self, message_reactions: list[MessageReaction], turn_context: TurnContext
    ) -> None:
        await self._reactions(turn_context, added=False)

    async def _reactions(self, turn_context: TurnContext, *, added: bool) -> None:
        place = inbound.where(turn_context.activity)
        if place is None:
            return
        now = self._clock.now()
        for event in inbound.reactions(turn_context.activity, place, added=added, now=now):
            await self._engagement.record(event)

    async def on_teams_message_edit(self, turn_context: TurnContext) -> None:
        place = inbound.where(turn_context.activity)
        event = (
            None
            if place is None
            else inbound.reply_edited(turn_context.activity, place, now=self._clock.now())
        )
        if event is not None:
            await self._engagement.record(event)

    async def on_teams_message_soft_delete(self, turn_context: TurnContext) -> None:
        place = inbound.where(turn_context.activity)
        event = (
            None
            if place is None
            else inbound.reply_deleted(turn_context.activity, place, now=self._clock.now())
        )
        if event is not None:
            await self._engagement.record(event)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Handled here rather than by the SDK's dispatch, which looks up every added member
        # with an extra connector call the bot does not need.
        await self._installer.on_conversation_update(turn_context)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        await self._installer.on_installation_update(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name in ("task/fetch", "task/submit"):
            # Read the payload ourselves: the SDK's model binding fails with a 500 on odd input.
            value = activity.value
            data = value.get("data") if isinstance(value, dict) else None
            if is_schedule(data):
                if activity.name == "task/fetch":
                    answer = await self._schedule.fetch(activity)
                else:
                    answer = await self._schedule.submit(activity, data)
            elif activity.name == "task/fetch":
                answer = await self._dialogs.fetch(activity, data)
            else:
                answer = await self._dialogs.submit(activity, data)
            return InvokeResponse(status=int(HTTPStatus.OK), body=serializer_helper(answer))
        return await super().on_invoke_activity(turn_context)

    async def _command(self, turn_context: TurnContext, text: str, *, here: str) -> None:
        await self._commands.run(turn_context, text, here=here)
