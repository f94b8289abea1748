"""The organisers' scheduling API: engagement events, their reminders and follow-ups, and
standalone prompts (one-off or recurring). The CLI and every adapter's form call this.

Every method takes plain values and either stores everything it was asked to or nothing,
raising `SchedulingError` with a message per bad field. Firing is `bot.scheduler`'s job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain import Paper
from bot.events import (
    DEFAULT_FOLLOW_UP,
    DEFAULT_REMINDERS,
    MAX_DESCRIPTION,
    EventChanges,
    EventInput,
    check_targets,
    event_prompts,
    merge,
    validate_event,
)
from bot.ical import read_ics
from bot.localtime import zone
from bot.ports import Clock, Store, StoreSession, read_transaction
from bot.prompt_input import validate_prompt
from bot.scheduling_types import (
    Agenda,
    Anchor,
    EngagementEvent,
    EventAgenda,
    ImportResult,
    Prompt,
    PromptKind,
    PromptState,
    SchedulingError,
)

if TYPE_CHECKING:
    from bot.services import Services


class Scheduling:
    """Schedules, edits, cancels and lists engagement events and prompts."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        paper: Callable[[], Paper],
        default_zone: str,
        on_changed: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._paper = paper
        self._default_zone = default_zone
        self._on_changed = on_changed

    @classmethod
    def from_services(
        cls, services: Services, *, on_changed: Callable[[], None] | None = None
    ) -> Scheduling:
        """The API over a running app's store, clock, paper and settings."""
        return cls(
            store=services.store,
            clock=services.clock,
            paper=lambda: services.engagement.paper,
            default_zone=services.settings.timezone,
            on_changed=on_changed,
        )

    # Events -------------------------------------------------------------------------------

    async def schedule_event(
        self,
        *,
        title: str,
        start: str | datetime,
        targets: Sequence[str],
        end: str | datetime | None = None,
        timezone: str | None = None,
        sections: Sequence[str] = (),
        description: str | None = None,
        link: str | None = None,
        fold: int | None = None,
        reminders: Sequence[timedelta] = DEFAULT_REMINDERS,
        follow_up: timedelta | None = DEFAULT_FOLLOW_UP,
        actor: str = "cli",
    ) -> EngagementEvent:
        """Schedule an event with reminders before its start (default: 1 day and 1 hour) and
        a follow-up after its end (default: 1 hour after)."""
        values = EventInput(
            title=title,
            start=start,
            end=end,
            timezone=timezone,
            targets=targets,
            sections=sections,
            description=description,
            link=link,
            fold=fold,
            reminders=reminders,
            follow_up=follow_up,
        )
        return await self.schedule_input(values, actor=actor)

    async def schedule_input(self, values: EventInput, *, actor: str = "cli") -> EngagementEvent:
        """`schedule_event` for callers that already hold the event's values (chat forms
        validate them first)."""
        (event,) = await self._add_events([values], actor=actor, action="event.schedule")
        return event

    async def edit_event(
        self, event_id: int, *, changes: EventChanges, actor: str = "cli"
    ) -> EngagementEvent:
        """Change an event. When its times move, its reminders and follow-up still to come
        are scheduled afresh for the new times (one already sent is sent again before the new
        time); a change of words alone reaches prompts when they fire."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            event = await self._open_event(tx, event_id)
            values = merge(event, changes)
            new = validate_event(
                values,
                now=now,
                default_zone=self._default_zone,
                paper=self._paper(),
                require_future=changes.moves_time,
            )
            await check_targets(tx, new.targets)
            updated = await tx.update_event(event_id=event_id, new=new)
            moved = (new.starts_at, new.ends_at) != (event.starts_at, event.ends_at)
            if moved or changes.reminders is not None or changes.follow_up is not None:
                await self._replan(tx, updated, changes, now)
            await tx.append_audit(
                actor=actor, action="event.edit", detail=_event_detail(updated), now=now
            )
        self._changed()
        return updated

    async def cancel_event(self, event_id: int, *, actor: str = "cli") -> EngagementEvent:
        """Cancel an event and the prompts of it not yet sent."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            event = await self._open_event(tx, event_id)
            cancelled = await tx.cancel_event(event_id=event.id, now=now)
            pending = await tx.list_prompts(event_id=event.id, states=[PromptState.SCHEDULED])
            count = await tx.cancel_prompts(prompt_ids=[p.id for p in pending])
            await tx.append_audit(
                actor=actor,
                action="event.cancel",
                detail={"event": event.id, "title": event.title, "prompts_cancelled": count},
                now=now,
            )
        self._changed()
        return cancelled

    async def import_ics(
        self,
        data: bytes,
        *,
        targets: Sequence[str],
        sections: Sequence[str] = (),
        timezone: str | None = None,
        skip_past: bool = False,
        reminders: Sequence[timedelta] = DEFAULT_REMINDERS,
        follow_up: timedelta | None = DEFAULT_FOLLOW_UP,
        actor: str = "cli",
    ) -> ImportResult:
        """Schedule the events of an iCalendar file, all or none. An event already scheduled
        (same title and start) is skipped, and so are past ones when `skip_past` says so."""
        default_zone = zone(timezone or self._default_zone).key
        found = read_ics(data, default_zone=default_zone)
        async with self._store.transaction() as tx:
            known = {(e.title, e.starts_at) for e in await tx.list_events(include_cancelled=False)}
        now = self._clock.now()
        inputs: list[EventInput] = []
        skipped: list[str] = []
        for number, item in enumerate(found, 1):
            if (item.title, item.start) in known:
                skipped.append(f"{item.title}: already scheduled")
                continue
            if skip_past and item.start <= now:
                skipped.append(f"{item.title}: already started")
                continue
            description = item.description
            if description and len(description) > MAX_DESCRIPTION:
                description = description[: MAX_DESCRIPTION - 1] + "…"
            values = EventInput(
                title=item.title,
                start=item.start,
                end=item.end,
                timezone=item.timezone,
                targets=targets,
                sections=sections,
                description=description,
                link=item.link,
                reminders=reminders,
                follow_up=follow_up,
            )
            try:
                validate_event(
                    values,
                    now=now,
                    default_zone=default_zone,
                    paper=self._paper(),
                    require_future=True,
                )
            except SchedulingError as error:
                name = f"event {number}" + (f" ('{item.title}')" if item.title else "")
                raise SchedulingError("ics", f"{name}: {error}") from None
            inputs.append(values)
        scheduled = await self._add_events(inputs, actor=actor, action="event.import")
        return ImportResult(scheduled=tuple(scheduled), skipped=tuple(skipped))

    # Standalone prompts ---------------------------------------------------------------------

    async def schedule_prompt(
        self,
        *,
        kind: PromptKind | str,
        targets: Sequence[str] = (),
        at: str | datetime | None = None,
        recurrence: str | None = None,
        timezone: str | None = None,
        sections: Sequence[str] = (),
        text: str = "",
        fold: int | None = None,
        event_id: int | None = None,
        actor: str = "cli",
    ) -> Prompt:
        """Schedule a prompt once (`at`, a local time) or on a recurrence (`recurrence`, a
        crontab line such as `0 9 * * mon`, read in `timezone`). A prompt of an event uses the
        event's targets and sections unless it is given its own."""
        now = self._clock.now()
        new = validate_prompt(
            kind=kind,
            targets=targets,
            at=at,
            recurrence=recurrence,
            timezone=timezone,
            sections=sections,
            text=text,
            fold=fold,
            event_id=event_id,
            now=now,
            default_zone=self._default_zone,
            paper=self._paper(),
        )
        async with self._store.transaction() as tx:
            if event_id is not None:
                await self._open_event(tx, event_id)
            elif not new.targets:
                raise SchedulingError("targets", "say where to post: sector:<tag>, #channel or *.")
            await check_targets(tx, new.targets)
            prompt = await tx.add_prompt(new=new, now=now)
            await tx.append_audit(
                actor=actor,
                action="prompt.schedule",
                detail={"prompt": prompt.id, "kind": prompt.kind.value, "due": _iso(prompt.due_at)},
                now=now,
            )
        self._changed()
        return prompt

    async def cancel_prompt(self, prompt_id: int, *, actor: str = "cli") -> Prompt:
        """Cancel a prompt that has not been sent (a recurring one stops recurring)."""
        now = self._clock.now()
        async with self._store.transaction() as tx:
            prompt = await tx.get_prompt(prompt_id=prompt_id)
            if prompt is None:
                raise SchedulingError(
                    "prompt", f"there is no prompt {prompt_id}; `engage events list` shows them."
                )
            if not await tx.cancel_prompts(prompt_ids=[prompt_id]):
                raise SchedulingError(
                    "prompt",
                    f"prompt {prompt_id} is {prompt.state.value}, so it cannot be cancelled.",
                )
            await tx.append_audit(
                actor=actor, action="prompt.cancel", detail={"prompt": prompt_id}, now=now
            )
        self._changed()
        return replace(prompt, state=PromptState.CANCELLED)

    # Listing ------------------------------------------------------------------------------

    async def agenda(self, *, include_cancelled: bool = True) -> Agenda:
        """Events with their prompts (and each prompt's state, missed ones included), then the
        prompts of no event."""
        async with read_transaction(self._store) as tx:
            events = await tx.list_events(include_cancelled=include_cancelled)
            items = [
                EventAgenda(event=e, prompts=tuple(await tx.list_prompts(event_id=e.id)))
                for e in events
            ]
            loose = await tx.list_prompts(standalone=True)
        if not include_cancelled:
            loose = [p for p in loose if p.state is not PromptState.CANCELLED]
        return Agenda(events=tuple(items), prompts=tuple(loose))

    # Helpers --------------------------------------------------------------------------------

    async def _add_events(
        self, inputs: Sequence[EventInput], *, actor: str, action: str
    ) -> list[EngagementEvent]:
        now = self._clock.now()
        news = [
            validate_event(
                values,
                now=now,
                default_zone=self._default_zone,
                paper=self._paper(),
                require_future=True,
            )
            for values in inputs
        ]
        events: list[EngagementEvent] = []
        async with self._store.transaction() as tx:
            for target in {t for new in news for t in new.targets}:
                await check_targets(tx, [target])
            for values, new in zip(inputs, news, strict=True):
                event = await tx.add_event(new=new, now=now)
                planned = event_prompts(
                    event, reminders=values.reminders, follow_up=values.follow_up, now=now
                )
                for prompt in planned:
                    await tx.add_prompt(new=prompt, now=now)
                await tx.append_audit(
                    actor=actor, action=action, detail=_event_detail(event), now=now
                )
                events.append(event)
        if events:
            self._changed()
        return events

    async def _replan(
        self, tx: StoreSession, event: EngagementEvent, changes: EventChanges, now: datetime
    ) -> None:
        existing = await tx.list_prompts(event_id=event.id)
        timed = [p for p in existing if p.anchor is not None and p.offset_seconds is not None]
        reminders = changes.reminders
        if reminders is None:
            reminders = sorted(
                {
                    timedelta(seconds=-(p.offset_seconds or 0))
                    for p in timed
                    if p.anchor is Anchor.START
                }
            )
        follow_up = changes.follow_up
        if follow_up is None:
            follow_up = next(
                (timedelta(seconds=p.offset_seconds or 0) for p in timed if p.anchor is Anchor.END),
                None,
            )
        await tx.cancel_prompts(
            prompt_ids=[p.id for p in timed if p.state is PromptState.SCHEDULED]
        )
        for prompt in event_prompts(event, reminders=reminders, follow_up=follow_up, now=now):
            await tx.add_prompt(new=prompt, now=now)

    async def _open_event(self, tx: StoreSession, event_id: int) -> EngagementEvent:
        event = await tx.get_event(event_id=event_id)
        if event is None:
            raise SchedulingError(
                "event", f"there is no event {event_id}; `engage events list` shows them."
            )
        if event.cancelled:
            raise SchedulingError("event", f"event {event_id} ('{event.title}') was cancelled.")
        return event

    def _changed(self) -> None:
        if self._on_changed is not None:
            self._on_changed()


def _iso(instant: datetime) -> str:
    return instant.isoformat()


def _event_detail(event: EngagementEvent) -> dict[str, object]:
    return {
        "event": event.id,
        "title": event.title,
        "start": _iso(event.starts_at),
        "end": _iso(event.ends_at),
        "timezone": event.timezone,
        "targets": list(event.targets),
        "sections": list(event.section_ids),
    }
