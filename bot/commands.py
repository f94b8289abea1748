"""Organiser commands typed in chat (`help`, `post`, `status`), shared by every platform.

Adapters pass the words after the bot's command or mention and show the reply text as it is.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection
from dataclasses import dataclass

from bot.domain import OrganiserCommand
from bot.engagement import Engagement
from bot.errors import TargetError
from bot.export_chat import export_for_chat
from bot.privacy import UnknownParticipant, erase_participant, erasure_text
from bot.services import Services

HELP = """\
engage — commands
• help — this list
• delete my data — remove your name, account id, replies and answers (anyone)
Organisers:
• post <section|all> [#channel|sector:<tag>|*] — post sections (default: this channel)
• status — per-section counts of reactions, replies and feedback
• export — an Excel export of everything collected, as a private link that expires
Sections are named by number (1, 2, …) or id; `engage paper show` lists them."""

REFUSAL = (
    "Sorry, only the consultation's organisers can use this command. "
    "If you think you should be one, ask an organiser to add your user id."
)


@dataclass(frozen=True, kw_only=True)
class CommandReply:
    """The text to show, and whether the command changed anything."""

    text: str
    ok: bool = True


async def run_command(
    engagement: Engagement,
    command: OrganiserCommand,
    *,
    organisers: Collection[str],
    here: str,
    services: Services | None = None,
) -> CommandReply:
    """Run a command; `here` is the target meaning "this channel". `services` enables the
    commands that reach beyond the engagement service (export, delete my data)."""
    try:
        words = shlex.split(command.text)
    except ValueError:
        words = command.text.split()
    verb = words[0].lower() if words else "help"
    if verb == "help":
        return CommandReply(text=HELP)
    if [w.lower() for w in words] == ["delete", "my", "data"]:
        return await _delete_my_data(command, services=services)
    if command.actor.user_id not in organisers:
        return CommandReply(text=REFUSAL, ok=False)
    if verb == "export":
        if words[1:] and words[1].lower() != "xlsx":
            return CommandReply(
                text="Exports from chat are Excel workbooks (`export` or `export xlsx`); "
                "for CSV or JSON Lines run `engage export` on the server.",
                ok=False,
            )
        return await _export(command, services=services)
    if verb == "status":
        return CommandReply(text=await status_text(engagement))
    if verb == "post":
        return await _post(engagement, command, words[1:], here=here)
    return CommandReply(text=f"I don't know '{verb}'.\n{HELP}", ok=False)


async def _post(
    engagement: Engagement, command: OrganiserCommand, args: list[str], *, here: str
) -> CommandReply:
    if not args:
        return CommandReply(text="Say which section: `post 2` or `post all`.", ok=False)
    section_words = [a for a in args if not _is_target(a)]
    targets = [a for a in args if _is_target(a)]
    target = targets[0] if targets else here
    try:
        result = await engagement.publish(
            sections=section_words,
            target=target,
            platform=command.platform,
            actor=f"{command.platform}:{command.actor.user_id}",
        )
    except TargetError as error:
        return CommandReply(text=str(error), ok=False)
    channels = ", ".join(c.name for c in result.channels)
    text = f"Queued {len(result.enqueued)} post(s) to {channels}."
    if result.already:
        text += f" {len(result.already)} were posted there before and were not repeated."
    return CommandReply(text=text)


async def _delete_my_data(command: OrganiserCommand, *, services: Services | None) -> CommandReply:
    if services is None:
        return CommandReply(text=_NOT_HERE, ok=False)
    try:
        counts = await erase_participant(
            services.store,
            platform=command.platform,
            workspace_id=command.workspace_id,
            user_id=command.actor.user_id,
            actor=f"{command.platform}:{command.actor.user_id}",
            now=services.clock.now(),
        )
    except UnknownParticipant:
        return CommandReply(text="There is nothing stored about you: nothing to delete.")
    return CommandReply(text=erasure_text(counts))


async def _export(command: OrganiserCommand, *, services: Services | None) -> CommandReply:
    if services is None:
        return CommandReply(text=_NOT_HERE, ok=False)
    done = await export_for_chat(
        services, actor=f"{command.platform}:{command.actor.user_id}", is_organiser=True
    )
    return CommandReply(text=f"{done.summary}\n{done.link}")


_NOT_HERE = "That command is not available here; ask an organiser to run it on the server."


def _is_target(word: str) -> bool:
    return word.startswith(("#", "sector:")) or word == "*"


async def status_text(engagement: Engagement) -> str:
    """Per-section counts as lines of text."""
    counts = await engagement.status()
    lines = [f"{engagement.paper.title}: responses so far"]
    for c in counts:
        lines.append(
            f"{c.ordinal}. {c.title} — {c.posts} posts · {c.reactions} reactions · "
            f"{c.replies} replies · {c.feedback} feedback"
        )
    return "\n".join(lines)
