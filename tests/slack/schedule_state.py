"""`view.state.values` of a submitted *Schedule an event* modal, in the shapes Slack sends for
each element type."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.slack.schedule_form import ACTION_ID, DAY_BEFORE, FOLLOW_UP, HOUR_BEFORE

ALL_PROMPTS = (DAY_BEFORE, HOUR_BEFORE, FOLLOW_UP)


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def schedule_state(
    *,
    title: str = "Open house: the network",
    description: str | None = "An hour with the team.",
    start_date: str | None = "2026-03-10",
    start_time: str | None = "14:00",
    end_date: str | None = None,
    end_time: str | None = "15:00",
    timezone: str | None = "Europe/London",
    link: str | None = "https://meet.example.org/open-house",
    channels: Sequence[str] = ("C0GENERAL",),
    sector: str | None = None,
    sections: Sequence[str] = ("1",),
    prompts: Sequence[str] = ALL_PROMPTS,
    message: str | None = None,
) -> dict[str, Any]:
    """The state of a filled-in modal (every block present, as Slack sends it)."""
    state = {
        "title": {"type": "plain_text_input", "value": title},
        "description": {"type": "plain_text_input", "value": description},
        "start_date": {"type": "datepicker", "selected_date": start_date},
        "start_time": {"type": "timepicker", "selected_time": start_time},
        "end_date": {"type": "datepicker", "selected_date": end_date},
        "end_time": {"type": "timepicker", "selected_time": end_time},
        "timezone": {
            "type": "static_select",
            "selected_option": _option(timezone) if timezone is not None else None,
        },
        "link": {"type": "url_text_input", "value": link},
        "channels": {
            "type": "multi_conversations_select",
            "selected_conversations": list(channels),
        },
        "sector": {"type": "plain_text_input", "value": sector},
        "sections": {
            "type": "multi_static_select",
            "selected_options": [_option(s) for s in sections],
        },
        "prompts": {"type": "checkboxes", "selected_options": [_option(p) for p in prompts]},
        "message": {"type": "plain_text_input", "value": message},
    }
    return {block: {ACTION_ID: value} for block, value in state.items()}
