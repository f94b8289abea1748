"""Words about a scheduled event: the dialog's closing summary, and the organiser's message
with the event's time and link under it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.localtime import local_text
from bot.prompt_input import MAX_TEXT
from bot.scheduling_types import EngagementEvent, Prompt, PromptKind


def when(event: EngagementEvent) -> str:
    """`Tuesday 10 February 2026, 14:00 GMT to 15:30 GMT`."""
    text = local_text(event.starts_at, event.timezone)
    if event.ends_at > event.starts_at:
        text += f" to {local_text(event.ends_at, event.timezone).rsplit(', ', 1)[1]}"
    return text


def announcement(event: EngagementEvent, message: str) -> str:
    """The organiser's message, then what, when and where to join."""
    details = [f"{event.title}: {when(event)}."]
    if event.link:
        details.append(f"Join: {event.link}")
    text = "\n\n".join([message.strip(), *details])
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def summary(
    event: EngagementEvent,
    *,
    prompts: Sequence[Prompt],
    names: Mapping[str, str],
    announced: bool | None,
    repeated: bool,
) -> str:
    """What was scheduled, for the organiser who pressed Schedule. `announced`: whether the
    organiser's message was scheduled (None: there was none)."""
    lead = "Already scheduled" if repeated else "Scheduled"
    places = ", ".join(names.get(t, t) for t in event.targets)
    lines = [f"{lead}: “{event.title}”, {when(event)}, in {places}."]
    reminders = [p for p in prompts if p.kind is PromptKind.REMINDER]
    follow_ups = [p for p in prompts if p.kind is PromptKind.FOLLOW_UP]
    if reminders:
        times = "; ".join(local_text(p.due_at, p.timezone) for p in reminders)
        lines.append(f"Reminders: {times}.")
    else:
        lines.append("No reminders.")
    if follow_ups:
        lines.append(f"Follow-up: {local_text(follow_ups[0].due_at, follow_ups[0].timezone)}.")
    if announced is True:
        lines.append("Your message goes to those channels within a minute.")
    elif announced is False:
        lines.append("Your message could not be scheduled: post it yourself.")
    return " ".join(lines)
