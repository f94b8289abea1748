"""The *Schedule an event* modal: its blocks, and a submission's values back as plain values.

Dates and times come from separate date and time pickers and are joined into a local wall time
(`2026-03-10 14:00`) that the scheduling service reads in the chosen zone, so a time the clocks
skip or repeat is caught there. Sections are offered by ordinal (option values are capped at
150 characters; ordinals never come near it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    ConversationFilter,
    ConversationMultiSelectElement,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    TimePickerElement,
    UrlInputElement,
)
from slack_sdk.models.views import View

from bot.domain import Paper
from bot.events import DEFAULT_FOLLOW_UP, MAX_DESCRIPTION, MAX_TITLE
from bot.prompt_input import MAX_TEXT

CALLBACK_ID = "engage_schedule"
ACTION_ID = "value"
MAX_CHANNELS = 10  # each unknown channel costs a conversations.info call inside the 3 s ack
MAX_OPTIONS = 100
OPTION_TEXT = 75
MAX_SECTOR = 64

COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Atlantic/Reykjavik",
    "UTC",
    "America/St_Johns",
    "America/Halifax",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Mexico_City",
    "America/Bogota",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
)


class BlockIds:
    """The modal's block ids; each is also the key of its errors in the `errors` answer."""

    TITLE = "title"
    DESCRIPTION = "description"
    START_DATE = "start_date"
    START_TIME = "start_time"
    END_DATE = "end_date"
    END_TIME = "end_time"
    TIMEZONE = "timezone"
    LINK = "link"
    CHANNELS = "channels"
    SECTOR = "sector"
    SECTIONS = "sections"
    PROMPTS = "prompts"
    MESSAGE = "message"


# The scheduling service's field names → the block that shows the message.
FIELD_BLOCKS = {
    "title": BlockIds.TITLE,
    "description": BlockIds.DESCRIPTION,
    "start": BlockIds.START_TIME,
    "end": BlockIds.END_TIME,
    "timezone": BlockIds.TIMEZONE,
    "link": BlockIds.LINK,
    "targets": BlockIds.CHANNELS,
    "sections": BlockIds.SECTIONS,
    "reminders": BlockIds.PROMPTS,
    "follow_up": BlockIds.PROMPTS,
    "text": BlockIds.MESSAGE,
    "at": BlockIds.MESSAGE,
}
DAY_BEFORE, HOUR_BEFORE, FOLLOW_UP = "day_before", "hour_before", "follow_up"
_REMINDERS = {DAY_BEFORE: timedelta(days=1), HOUR_BEFORE: timedelta(hours=1)}


@dataclass(frozen=True, kw_only=True)
class ScheduleContext:
    """Where `/engage schedule` was typed, carried in the modal's private_metadata."""

    team_id: str
    channel_id: str

    def dumps(self) -> str:
        return json.dumps({"t": self.team_id, "c": self.channel_id}, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> ScheduleContext | None:
        """The context, or None for metadata engage did not write."""
        try:
            data = json.loads(text)
            return cls(team_id=str(data["t"]), channel_id=str(data["c"]))
        except (ValueError, TypeError, KeyError):
            return None


@dataclass(frozen=True, kw_only=True)
class ScheduleValues:
    """A submitted modal as plain values; `errors` holds what the modal alone can tell is
    wrong (block id → message), before the scheduling service looks."""

    title: str
    description: str
    start: str
    end: str | None
    timezone: str
    link: str
    channels: tuple[str, ...]
    sector: str
    sections: tuple[str, ...]
    reminders: tuple[timedelta, ...]
    follow_up: timedelta | None
    message: str
    errors: Mapping[str, str] = field(default_factory=dict)


def schedule_modal(*, paper: Paper, context: ScheduleContext, default_zone: str) -> View:
    """The modal `/engage schedule` opens."""
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Reminders and the follow-up are posted to the channels you choose, "
                    "at the times shown in the time zone you pick."
                )
            ]
        ),
        _text(BlockIds.TITLE, "Title", max_length=MAX_TITLE, placeholder="Open house: the network"),
        _text(
            BlockIds.DESCRIPTION,
            "Description",
            optional=True,
            multiline=True,
            max_length=MAX_DESCRIPTION,
        ),
        _input(BlockIds.START_DATE, "Start date", DatePickerElement(action_id=ACTION_ID)),
        _input(BlockIds.START_TIME, "Start time", TimePickerElement(action_id=ACTION_ID)),
        _input(
            BlockIds.END_DATE,
            "End date",
            DatePickerElement(action_id=ACTION_ID),
            optional=True,
            hint="Leave empty for the start date.",
        ),
        _input(
            BlockIds.END_TIME,
            "End time",
            TimePickerElement(action_id=ACTION_ID),
            optional=True,
            hint="Leave both empty for a deadline (a moment, not a meeting).",
        ),
        _input(BlockIds.TIMEZONE, "Time zone", _zones(default_zone)),
        _input(
            BlockIds.LINK,
            "Link to join",
            UrlInputElement(action_id=ACTION_ID, placeholder="https://"),
            optional=True,
        ),
        _input(
            BlockIds.CHANNELS,
            "Channels",
            ConversationMultiSelectElement(
                action_id=ACTION_ID,
                placeholder="Choose channels engage is in",
                default_to_current_conversation=True,
                max_selected_items=MAX_CHANNELS,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
            optional=True,
            hint="Invite @engage to a channel before choosing it.",
        ),
        _text(
            BlockIds.SECTOR,
            "Sector tag",
            optional=True,
            max_length=MAX_SECTOR,
            placeholder="e.g. la",
            hint="Also post to every channel tagged with this sector.",
        ),
    ]
    sections = _sections(paper)
    if sections is not None:
        blocks.append(_input(BlockIds.SECTIONS, "Related sections", sections, optional=True))
    blocks += [
        _input(BlockIds.PROMPTS, "Prompts", _prompt_choices(), optional=True),
        _text(
            BlockIds.MESSAGE,
            "Announcement",
            optional=True,
            multiline=True,
            max_length=MAX_TEXT,
            hint="Posted to the same channels within a minute, in your words.",
        ),
    ]
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Schedule an event",
        submit="Schedule",
        close="Cancel",
        private_metadata=context.dumps(),
        blocks=blocks,
    )
    view.to_dict()  # raises SlackObjectFormationError if a limit is broken
    return view


def read_values(state: Mapping[str, Any]) -> ScheduleValues:
    """The plain values of `view.state.values`; missing or odd entries read as empty."""
    errors: dict[str, str] = {}

    def entry(block: str) -> Mapping[str, Any]:
        found = state.get(block)
        found = found.get(ACTION_ID) if isinstance(found, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def text(block: str) -> str:
        return str(entry(block).get("value") or "").strip()

    def chosen(block: str, key: str = "selected_options") -> list[str]:
        items = entry(block).get(key) or []
        if not isinstance(items, list):
            return []
        return [str(i.get("value", "")) if isinstance(i, Mapping) else str(i) for i in items]

    start_date = str(entry(BlockIds.START_DATE).get("selected_date") or "")
    start_time = str(entry(BlockIds.START_TIME).get("selected_time") or "")
    end_date = str(entry(BlockIds.END_DATE).get("selected_date") or "")
    end_time = str(entry(BlockIds.END_TIME).get("selected_time") or "")
    if not start_date:
        errors[BlockIds.START_DATE] = "Choose the day the event starts."
    if not start_time:
        errors[BlockIds.START_TIME] = "Choose the time the event starts."
    end = None
    if end_time:
        end = f"{end_date or start_date} {end_time}"
    elif end_date:
        errors[BlockIds.END_TIME] = "Choose the end time too, or clear the end date."
    zone = entry(BlockIds.TIMEZONE).get("selected_option")
    prompts = set(chosen(BlockIds.PROMPTS))
    return ScheduleValues(
        title=text(BlockIds.TITLE),
        description=text(BlockIds.DESCRIPTION),
        start=f"{start_date} {start_time}",
        end=end,
        timezone=str(zone.get("value", "")) if isinstance(zone, Mapping) else "",
        link=text(BlockIds.LINK),
        channels=tuple(dict.fromkeys(chosen(BlockIds.CHANNELS, "selected_conversations"))),
        sector=text(BlockIds.SECTOR).removeprefix("sector:").strip().lower(),
        sections=tuple(chosen(BlockIds.SECTIONS)),
        reminders=tuple(offset for key, offset in _REMINDERS.items() if key in prompts),
        follow_up=DEFAULT_FOLLOW_UP if FOLLOW_UP in prompts else None,
        message=text(BlockIds.MESSAGE),
        errors=errors,
    )


def field_errors(errors: Mapping[str, str]) -> dict[str, str]:
    """The scheduling service's per-field messages keyed by the blocks that show them; a
    field the modal has no block for is shown on the title, named."""
    shown: dict[str, str] = {}
    for name, message in errors.items():
        block = FIELD_BLOCKS.get(name)
        text = _for_the_modal(message) if block is not None else f"{name}: {message}"
        block = block or BlockIds.TITLE
        shown[block] = f"{shown[block]} {text}" if block in shown else text
    return shown


def _for_the_modal(message: str) -> str:
    # The service tells CLI users to pass fold=0/1 for a repeated hour; the modal has no such
    # control, so ask for another time instead.
    head, marker, _ = message.partition(" Say which with fold=")
    return f"{head} Choose a time outside the repeated hour." if marker else message


def _input(
    block_id: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None
) -> InputBlock:
    return InputBlock(block_id=block_id, label=label, element=element, optional=optional, hint=hint)


def _text(
    block_id: str,
    label: str,
    *,
    optional: bool = False,
    multiline: bool = False,
    max_length: int | None = None,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    element = PlainTextInputElement(
        action_id=ACTION_ID,
        multiline=multiline,
        max_length=max_length,
        placeholder=placeholder,
    )
    return _input(block_id, label, element, optional=optional, hint=hint)


def _zones(default_zone: str) -> StaticSelectElement:
    names = list(dict.fromkeys((default_zone, *COMMON_ZONES)))[:MAX_OPTIONS]
    options = [Option(text=_clip(n.replace("_", " ")), value=n) for n in names]
    return StaticSelectElement(
        action_id=ACTION_ID, placeholder="Time zone", options=options, initial_option=options[0]
    )


def _sections(paper: Paper) -> StaticMultiSelectElement | None:
    if not paper.sections:
        return None
    options = [
        Option(text=_clip(f"{s.ordinal}. {s.title}"), value=str(s.ordinal))
        for s in paper.sections[:MAX_OPTIONS]
    ]
    return StaticMultiSelectElement(
        action_id=ACTION_ID, placeholder="Sections to read first", options=options
    )


def _prompt_choices() -> CheckboxesElement:
    options = [
        Option(text="A reminder 1 day before", value=DAY_BEFORE),
        Option(text="A reminder 1 hour before", value=HOUR_BEFORE),
        Option(text="A follow-up 1 hour after it ends", value=FOLLOW_UP),
    ]
    return CheckboxesElement(action_id=ACTION_ID, options=options, initial_options=options)


def _clip(text: str, limit: int = OPTION_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
