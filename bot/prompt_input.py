"""Standalone prompts from plain values: kind, once or recurring, words, sections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain import Paper
from bot.errors import TargetError
from bot.localtime import parse_instant, zone
from bot.recurrence import check_recurrence
from bot.scheduling_types import NewPrompt, PromptKind, SchedulingError
from bot.targets import resolve_sections

MAX_TEXT = 3000
EVENT_ONLY = frozenset({PromptKind.REMINDER, PromptKind.FOLLOW_UP})


def validate_prompt(
    *,
    kind: PromptKind | str,
    targets: Sequence[str],
    at: str | datetime | None,
    recurrence: str | None,
    timezone: str | None,
    sections: Sequence[str],
    text: str,
    fold: int | None,
    event_id: int | None,
    now: datetime,
    default_zone: str,
    paper: Paper,
) -> NewPrompt:
    """The prompt to store, or a SchedulingError naming the bad field."""
    try:
        the_kind = PromptKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in PromptKind if k not in EVENT_ONLY)
        raise SchedulingError("kind", f"'{kind}' is not a kind of prompt: {choices}.") from None
    if the_kind in EVENT_ONLY:
        raise SchedulingError(
            "kind", "reminders and follow-ups come with an event: `engage events add`."
        )
    text = text.strip()
    if the_kind is PromptKind.MESSAGE and not text:
        raise SchedulingError("text", "a message prompt needs its text.")
    if len(text) > MAX_TEXT:
        raise SchedulingError("text", f"keep the text under {MAX_TEXT} characters.")
    tz = zone(timezone or default_zone)
    expr = (recurrence or "").strip() or None
    if (at is None) == (expr is None):
        raise SchedulingError("at", "give either a time (at) or a recurrence, not both.")
    if expr is not None:
        due = check_recurrence(expr, tz, after=now)
    else:
        assert at is not None
        due = parse_instant(at, tz=tz, field="at", fold=fold)
        if due <= now:
            raise SchedulingError("at", "the time is in the past; give a time still to come.")
    try:
        section_ids = (
            tuple(s.id for s in resolve_sections(paper, list(sections))) if sections else ()
        )
    except TargetError as error:
        raise SchedulingError("sections", str(error)) from None
    return NewPrompt(
        kind=the_kind,
        event_id=event_id,
        due_at=due,
        recurrence=expr,
        timezone=tz.key,
        targets=tuple(t.strip() for t in targets if t.strip()),
        section_ids=section_ids,
        text=text,
    )
