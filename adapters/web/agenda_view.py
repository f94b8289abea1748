"""The scheduling agenda as the organiser page lists it: each event with its prompts, every
time in the zone it was given in, and each prompt's state in words (missed ones included)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.agenda import prompt_state
from bot.domain import Paper, Platform
from bot.localtime import local_text
from bot.scheduling_types import Agenda, EngagementEvent, Prompt, PromptKind, PromptState

KIND_LABELS = {
    PromptKind.REMINDER: "Reminder",
    PromptKind.FOLLOW_UP: "Follow-up",
    PromptKind.MESSAGE: "Message",
    PromptKind.SECTION_OF_WEEK: "Section of the week",
    PromptKind.COVERAGE: "Coverage nudge",
    PromptKind.DIGEST: "Digest",
}

_PLATFORMS = frozenset(p.value for p in Platform)


@dataclass(frozen=True, kw_only=True)
class PromptView:
    """One prompt: what it is, when it is due, and what became of it."""

    id: int
    kind: str
    due: str
    state: str
    state_text: str
    text: str


@dataclass(frozen=True, kw_only=True)
class EventView:
    """One event and its prompts."""

    id: int
    title: str
    when: str
    timezone: str
    targets: str
    sections: str
    link: str | None
    description: str | None
    cancelled: bool
    prompts: tuple[PromptView, ...]


@dataclass(frozen=True, kw_only=True)
class AgendaView:
    """Events (newest start last) and prompts of no event."""

    events: tuple[EventView, ...]
    prompts: tuple[PromptView, ...]

    def event(self, event_id: int | None) -> EventView | None:
        """The event with this id, if listed."""
        return next((e for e in self.events if e.id == event_id), None)


def agenda_view(agenda: Agenda, *, paper: Paper) -> AgendaView:
    """The agenda in the words and times the page shows."""
    return AgendaView(
        events=tuple(
            _event(item.event, item.prompts, paper=paper)
            for item in sorted(agenda.events, key=lambda i: i.event.starts_at)
        ),
        prompts=tuple(_prompt(p) for p in agenda.prompts),
    )


def _event(event: EngagementEvent, prompts: tuple[Prompt, ...], *, paper: Paper) -> EventView:
    when = local_text(event.starts_at, event.timezone)
    if event.ends_at > event.starts_at:
        end = local_text(event.ends_at, event.timezone)
        same_day = end.rsplit(", ", 1)[0] == when.rsplit(", ", 1)[0]
        when += f" to {end.rsplit(', ', 1)[1] if same_day else end}"
    titles = {s.id: f"{s.ordinal}. {s.title}" for s in paper.sections}
    return EventView(
        id=event.id,
        title=event.title,
        when=when,
        timezone=event.timezone,
        targets=", ".join(_target_words(t) for t in event.targets),
        sections=", ".join(titles.get(s, s) for s in event.section_ids) or "All sections",
        link=event.link,
        description=event.description,
        cancelled=event.cancelled,
        prompts=tuple(_prompt(p) for p in sorted(prompts, key=lambda p: p.due_at)),
    )


def _target_words(target: str) -> str:
    """`web/general` as `#general (web)`; other targets (`sector:la`, `#name`) as given."""
    platform, slash, name = target.partition("/")
    return f"#{name} ({platform})" if slash and platform in _PLATFORMS else target


def _prompt(prompt: Prompt) -> PromptView:
    return PromptView(
        id=prompt.id,
        kind=KIND_LABELS.get(prompt.kind, prompt.kind.value),
        due=local_text(prompt.due_at, prompt.timezone),
        state=prompt.state.value,
        state_text=_state_words(prompt),
        text=prompt.text,
    )


def _state_words(prompt: Prompt) -> str:
    words = prompt_state(prompt)
    if prompt.state is PromptState.MISSED:
        # The core's words say when it was noticed; say what it means for the organiser.
        return f"{words}: not sent, because engage was not running when it fell due"
    return words
