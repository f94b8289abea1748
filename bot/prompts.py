"""The words of prompts, rendered when a prompt fires so its counts are fresh.

Plain neutral text: adapters format it for their platform. "Responses" are feedback forms and
thread replies (reactions are counted separately in a digest).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import FootnoteRef, Paper, Paragraph, Section, SectionCounts
from bot.localtime import local_text
from bot.plaintext import inline_text
from bot.scheduling_types import EngagementEvent, FeedbackTally, Prompt, PromptKind

_GIVE_FEEDBACK = "press Give feedback under its post in this channel"
_ROLES_NAMED = 4
_LEAST_HEARD = 3
_PREVIEW_CHARS = 280


@dataclass(kw_only=True)
class Facts:
    """What the texts draw on, read once per batch of prompts."""

    paper: Paper
    counts: Sequence[SectionCounts] = ()
    tallies: Sequence[FeedbackTally] = ()
    _roles: dict[str, set[str]] = field(default_factory=dict, init=False)

    def roles_heard(self, section_id: str) -> set[str]:
        """The roles that have sent feedback on a section."""
        if not self._roles:
            for tally in self.tallies:
                if tally.role:
                    self._roles.setdefault(tally.section_id, set()).add(tally.role)
        return self._roles.get(section_id, set())


def render(prompt: Prompt, *, event: EngagementEvent | None, facts: Facts, now: datetime) -> str:
    """The text of `prompt` as of `now`."""
    sections = _sections(facts.paper, prompt.section_ids or (event.section_ids if event else ()))
    match prompt.kind:
        case PromptKind.REMINDER if event is not None:
            body = reminder(event, sections=sections, now=now)
        case PromptKind.FOLLOW_UP if event is not None:
            body = follow_up(event, sections=sections)
        case PromptKind.SECTION_OF_WEEK:
            pool = sections or facts.paper.sections
            body = section_of_week(pool[prompt.rotation % len(pool)]) if pool else ""
        case PromptKind.COVERAGE:
            body = coverage(facts, among=sections)
        case PromptKind.DIGEST:
            body = digest(facts, sections=sections or facts.paper.sections)
        case _:
            body = ""
    return "\n\n".join(part for part in (prompt.text.strip(), body) if part)


def reminder(event: EngagementEvent, *, sections: Sequence[Section], now: datetime) -> str:
    """Before an event: when it is, where to join, what to read first."""
    when = local_text(event.starts_at, event.timezone)
    if event.ends_at > event.starts_at:
        when += f" to {local_text(event.ends_at, event.timezone).rsplit(', ', 1)[1]}"
    lead = (
        f"Reminder: {event.title} starts {_relative(event.starts_at, now)}: {when}."
        if event.starts_at > now
        else f"Reminder: {event.title} has started: {when}."
    )
    lines = [lead]
    if event.description:
        lines.append(event.description.strip())
    if event.link:
        lines.append(f"Join: {event.link}")
    if sections:
        lines.append("Worth reading first:\n" + _bullets(sections))
    return "\n\n".join(lines)


def follow_up(event: EngagementEvent, *, sections: Sequence[Section]) -> str:
    """After an event: point to the sections' Give feedback."""
    if not sections:
        return (
            f"Thank you for joining {event.title}. Tell us what you think: press Give feedback "
            "under any section's post in this channel."
        )
    return (
        f"Thank you for joining {event.title}. Tell us what you think of what we discussed: "
        f"for each section, {_GIVE_FEEDBACK}.\n\n" + _bullets(sections)
    )


def section_of_week(section: Section) -> str:
    """One section, with the start of its text."""
    first = next((b for b in section.blocks if isinstance(b, Paragraph)), None)
    # Footnote markers mean nothing without the footnotes, which a prompt does not carry.
    words = [] if first is None else [n for n in first.children if not isinstance(n, FootnoteRef)]
    preview = " ".join(inline_text(words).split())
    if len(preview) > _PREVIEW_CHARS:
        preview = preview[:_PREVIEW_CHARS].rsplit(" ", 1)[0] + " …"
    lines = [f"Section of the week: {_name(section)}"]
    if preview:
        lines.append(preview)
    lines.append(f"Read it and tell us what you think: {_GIVE_FEEDBACK}.")
    return "\n\n".join(lines)


def coverage(facts: Facts, *, among: Sequence[Section] = ()) -> str:
    """The sections with the fewest responses, and who we have not heard from on each."""
    chosen = {s.id for s in among}
    counts = [c for c in facts.counts if not chosen or c.section_id in chosen]
    if not counts:
        return ""
    least = sorted(counts, key=lambda c: (c.feedback + c.replies, c.ordinal))[:_LEAST_HEARD]
    lines = ["Some sections have heard little so far. Your view would help most on:"]
    for counted in least:
        section = facts.paper.section(counted.section_id)
        responses = counted.feedback + counted.replies
        line = f"• {counted.ordinal}. {counted.title}: {_plural(responses, 'response')}"
        missing = _roles_not_heard(section, facts.roles_heard(counted.section_id))
        if missing:
            named = ", ".join(missing[:_ROLES_NAMED])
            more = len(missing) - _ROLES_NAMED
            line += f". Not yet heard from: {named}" + (
                f" and {_plural(more, 'more role')}" if more > 0 else ""
            )
        lines.append(line + ".")
    lines.append("To respond, press Give feedback under the section's post in this channel.")
    return "\n".join(lines)


def digest(facts: Facts, *, sections: Sequence[Section]) -> str:
    """What we have heard so far: counts per section, by nature and by role."""
    counts = {c.section_id: c for c in facts.counts}
    natures: dict[str, Counter[str]] = defaultdict(Counter)
    roles: dict[str, Counter[str]] = defaultdict(Counter)
    for tally in facts.tallies:
        natures[tally.section_id][tally.nature or "not given"] += tally.count
        roles[tally.section_id][tally.role or "not given"] += tally.count
    blocks = []
    for section in sections:
        counted = counts.get(section.id)
        feedback = counted.feedback if counted else 0
        replies = counted.replies if counted else 0
        reactions = counted.reactions if counted else 0
        heard = (
            f"{_plural(feedback, 'feedback response')}, {_plural(replies, 'reply', 'replies')}, "
            f"{_plural(reactions, 'reaction')}"
        )
        lines = [f"What we have heard so far on {_name(section)}: {heard}."]
        if natures[section.id]:
            lines.append("By reflection: " + _tally(natures[section.id]))
        if roles[section.id]:
            lines.append("By role: " + _tally(roles[section.id]))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _roles_not_heard(section: Section | None, heard: set[str]) -> list[str]:
    if section is None:
        return []
    role_field = next(
        (f for f in section.form.fields if f.name == "role" or f.name.endswith("-role")), None
    )
    if role_field is None:
        return []
    return [option for option in role_field.options if option not in heard]


def _sections(paper: Paper, ids: Sequence[str]) -> tuple[Section, ...]:
    found = (paper.section(i) for i in ids)
    return tuple(s for s in found if s is not None)


def _name(section: Section) -> str:
    return f"{section.ordinal}. {section.title}"


def _bullets(sections: Sequence[Section]) -> str:
    return "\n".join(f"• {_name(s)}" for s in sections)


def _tally(counter: Counter[str]) -> str:
    return "; ".join(f"{name} {count}" for name, count in counter.most_common())


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _relative(start: datetime, now: datetime) -> str:
    minutes = round((start - now).total_seconds() / 60)
    if minutes >= 24 * 60:
        return f"in {_plural(round(minutes / (24 * 60)), 'day')}"
    if minutes >= 60:
        return f"in {_plural(round(minutes / 60), 'hour')}"
    return f"in {_plural(max(minutes, 1), 'minute')}"
