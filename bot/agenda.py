"""Events and prompts for people and machines: a prompt's state in words, and the JSON of
`engage events list --json` (also what an admin page or a dialog can show)."""

from __future__ import annotations

from bot.localtime import local_iso
from bot.scheduling_types import Agenda, Prompt


def prompt_state(prompt: Prompt) -> str:
    """A prompt's state for people: when it was sent or missed, and why it failed."""
    parts = [prompt.state.value]
    if prompt.sent_at is not None:
        parts.append(f"last sent {local_iso(prompt.sent_at, prompt.timezone)}")
    if prompt.missed_at is not None:
        parts.append(f"missed (noticed {local_iso(prompt.missed_at, prompt.timezone)})")
    if prompt.last_error:
        parts.append(f"error: {prompt.last_error}")
    return "; ".join(parts)


def prompt_as_json(prompt: Prompt) -> dict[str, object]:
    """A prompt for machines."""
    return {
        "id": prompt.id,
        "event": prompt.event_id,
        "kind": prompt.kind.value,
        "state": prompt.state.value,
        "due": local_iso(prompt.due_at, prompt.timezone),
        "due_utc": prompt.due_at.isoformat(),
        "timezone": prompt.timezone,
        "recurrence": prompt.recurrence,
        "targets": list(prompt.targets),
        "sections": list(prompt.section_ids),
        "text": prompt.text,
        "sent_at": prompt.sent_at.isoformat() if prompt.sent_at else None,
        "missed_at": prompt.missed_at.isoformat() if prompt.missed_at else None,
        "last_error": prompt.last_error,
    }


def agenda_as_json(agenda: Agenda) -> dict[str, object]:
    """The machine-readable form of `engage events list --json`."""
    return {
        "events": [
            {
                "id": item.event.id,
                "title": item.event.title,
                "description": item.event.description,
                "start": local_iso(item.event.starts_at, item.event.timezone),
                "end": local_iso(item.event.ends_at, item.event.timezone),
                "timezone": item.event.timezone,
                "link": item.event.link,
                "targets": list(item.event.targets),
                "sections": list(item.event.section_ids),
                "cancelled": item.event.cancelled,
                "prompts": [prompt_as_json(p) for p in item.prompts],
            }
            for item in agenda.events
        ],
        "prompts": [prompt_as_json(p) for p in agenda.prompts],
    }
