"""Commands typed to the bot (an @mention in a channel, or a personal chat).

Most go to the core's `run_command` and are answered where they were typed. Teams adds:
- `schedule` (organisers): a card whose button opens the schedule dialog;
- private answers: `export` carries a signed download link and `delete my data` lists what
  was erased, so typed in a channel they are answered in the member's personal chat with the
  bot, and the thread only hears where to look. Without a known personal chat, the command is
  not run at all (no link is made), and the thread says how to open one.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Collection

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from adapters.teams import inbound
from adapters.teams.cards import CARD_CONTENT_TYPE
from adapters.teams.platform import TeamsPlatform
from adapters.teams.schedule_card import launcher_card
from bot.commands import REFUSAL, run_command
from bot.domain import OrganiserCommand, Platform
from bot.errors import DeliveryError, PermanentDeliveryError
from bot.services import Services

log = logging.getLogger(__name__)

ERASE = ["delete", "my", "data"]
TEAMS_HELP = "• schedule — a form to schedule an engagement event, its reminders and follow-up"
SENT_PRIVATELY = "I've sent you the {what} in our personal chat."
OPEN_A_CHAT = (
    "I only send the {what} in a personal chat, and we haven't had one yet: open a chat with "
    "engage (search for engage in Chat, or select it under Apps), then send `{command}` there."
)


class ChatCommands:
    """Runs typed commands and answers them, privately where the answer is private."""

    def __init__(
        self, *, services: Services, platform: TeamsPlatform, organisers: Collection[str]
    ) -> None:
        self._services = services
        self._platform = platform
        self._organisers = organisers

    async def run(self, turn_context: TurnContext, text: str, *, here: str) -> None:
        """Answer `text`; `here` is the channel it was typed in ("" in a personal chat)."""
        try:
            await self._answer(turn_context, text, here=here)
        finally:
            if _words(text) == ERASE:
                # The erasure dropped the stored personal chat; this process forgets it too.
                member = inbound.actor(turn_context.activity).user_id
                await self._platform.forget_personal(member)

    async def _answer(self, turn_context: TurnContext, text: str, *, here: str) -> None:
        activity = turn_context.activity
        words = _words(text)
        member = inbound.actor(activity).user_id
        organiser = member in self._organisers
        if words[:1] == ["schedule"]:
            if not organiser:
                await _say(turn_context, REFUSAL)
                return
            card = Attachment(content_type=CARD_CONTENT_TYPE, content=launcher_card())
            await turn_context.send_activity(MessageFactory.attachment(card))
            return
        private = _private_answer(words, organiser=organiser)
        if here and private is not None:
            await self._answer_privately(turn_context, text, here=here, what=private)
            return
        answer = await self._run(activity, text, here=here)
        if words[:1] in ([], ["help"]):
            answer = _with_teams_help(answer)
        await _say(turn_context, answer)

    async def _answer_privately(
        self, turn_context: TurnContext, text: str, *, here: str, what: str
    ) -> None:
        member = inbound.actor(turn_context.activity).user_id
        command = " ".join(_words(text))
        if not await self._platform.knows_personal(member):
            log.info("Teams: '%s' in a channel from %s, who has no personal chat", command, member)
            await _say(turn_context, OPEN_A_CHAT.format(what=what, command=command))
            return
        answer = await self._run(turn_context.activity, text, here=here)
        try:
            await self._platform.send_personal(member, _markdown(answer))
        except DeliveryError as error:
            log.warning(
                "Teams: the answer to '%s' could not reach %s's personal chat (%s); the thread "
                "was told to open one",
                command, member, error,
            )  # fmt: skip
            if isinstance(error, PermanentDeliveryError):  # the member removed the app
                await self._platform.forget_personal(member)
            await _say(turn_context, OPEN_A_CHAT.format(what=what, command=command))
            return
        await _say(turn_context, SENT_PRIVATELY.format(what=what))

    async def _run(self, activity: Activity, text: str, *, here: str) -> str:
        command = OrganiserCommand(
            platform=Platform.TEAMS,
            workspace_id=inbound.tenant_of(activity) or "",
            channel_id=here,
            actor=inbound.actor(activity),
            text=text,
        )
        reply = await run_command(
            self._services.engagement,
            command,
            organisers=self._organisers,
            here=here,
            services=self._services,
        )
        return reply.text


def _private_answer(words: list[str], *, organiser: bool) -> str | None:
    """What the private answer carries, for commands answered privately; None otherwise. A
    non-organiser's `export` is refused in place: the refusal holds nothing private."""
    if words[:1] == ["export"] and organiser:
        return "link"
    if words == ERASE:
        return "details"
    return None


def _with_teams_help(help_text: str) -> str:
    """The core's command list with the Teams-only command among the organisers' ones (before
    the closing note on naming sections, when there is one)."""
    lines = help_text.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("Sections")), len(lines))
    return "\n".join([*lines[:at], TEAMS_HELP, *lines[at:]])


def _words(text: str) -> list[str]:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return [w.lower() for w in words]


def _markdown(text: str) -> str:
    # Teams markdown needs a blank line to break a line.
    return text.replace("\n", "\n\n")


async def _say(turn_context: TurnContext, text: str) -> None:
    await turn_context.send_activity(MessageFactory.text(_markdown(text)))
