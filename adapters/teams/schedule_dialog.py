"""The organisers' *Schedule an event* dialog: `task/fetch` opens the form, `task/submit`
schedules through the scheduling service or shows the form again with an error per field.

Only organisers (ENGAGE_TEAMS_ORGANISERS, Azure AD object ids) get the form; anyone else gets
the polite refusal, on open and on submit, and nothing is scheduled. A submit that repeats an
event already scheduled (same title, start and channels; Teams may deliver an invoke twice)
closes with the event as it is instead of scheduling it again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any, TypeGuard

from botbuilder.schema import Activity
from botbuilder.schema.teams import TaskModuleResponse

from adapters.teams.dialogs import error_card
from adapters.teams.inbound import actor
from adapters.teams.schedule_card import (
    COMMON_ZONES,
    ROUTE,
    ScheduleChoices,
    schedule_card,
)
from adapters.teams.schedule_form import ScheduleRequest, Submission, fold_choices, read_submission
from adapters.teams.schedule_summary import announcement, summary
from adapters.teams.task_responses import close, show
from bot.commands import REFUSAL
from bot.domain import Platform
from bot.events import EventInput, validate_event
from bot.localtime import zone
from bot.ports import read_transaction
from bot.scheduling import Scheduling
from bot.scheduling_types import EngagementEvent, PromptKind, SchedulingError
from bot.services import Services

log = logging.getLogger(__name__)

TITLE = "Schedule an event"
# The service's names for fields the card shows under another input.
_CARD_FIELD = {"targets": "channels", "follow_up": "reminders"}
# An announcement goes out with the scheduler's next round, not at the very instant.
ANNOUNCE_AFTER = timedelta(seconds=30)


def is_schedule(data: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether invoke data belongs to the schedule dialog."""
    return isinstance(data, Mapping) and data.get("engage") == ROUTE


class ScheduleDialog:
    """Answers the schedule dialog's `task/fetch` and `task/submit`."""

    def __init__(self, *, services: Services, organisers: Collection[str]) -> None:
        self._services = services
        self._organisers = organisers
        self._scheduling = Scheduling.from_services(services)

    async def fetch(self, activity: Activity) -> TaskModuleResponse:
        if not self._is_organiser(activity):
            return show(error_card(REFUSAL), title="engage", height="small")
        return show(schedule_card(await self._choices()), title=TITLE)

    async def submit(self, activity: Activity, data: Mapping[str, Any]) -> TaskModuleResponse:
        who = actor(activity).user_id
        if not self._is_organiser(activity):
            log.warning("Teams: %s, not an organiser, submitted the schedule dialog; refused", who)
            return show(error_card(REFUSAL), title="engage", height="small")
        choices = await self._choices(extra_zone=_string(data.get("sch_timezone")))
        submission = read_submission(data, choices=choices)
        request = submission.request
        if request is None:
            return self._again(choices, submission)
        try:
            event, repeated = await self._schedule(request, actor=f"teams:{who}")
        except SchedulingError as error:
            for name, message in error.errors.items():
                submission.errors.setdefault(_card_field(name, message), message)
            return self._again(choices, submission)
        announced = None
        if request.message and not repeated:
            announced = await self._announce(event, request.message, actor=f"teams:{who}")
        agenda = await self._scheduling.agenda(include_cancelled=False)
        prompts = next((a.prompts for a in agenda.events if a.event.id == event.id), ())
        text = summary(
            event,
            prompts=prompts,
            names=dict(choices.channels),
            announced=announced,
            repeated=repeated,
        )
        return close(text)

    async def _schedule(
        self, request: ScheduleRequest, *, actor: str
    ) -> tuple[EngagementEvent, bool]:
        """The event, scheduled now, or the same event scheduled before (True)."""
        services = self._services
        # Validated here first only to find a repeat; the service validates again, and all
        # bad input raises SchedulingError from either.
        new = validate_event(
            EventInput(
                title=request.title,
                start=request.start,
                end=request.end,
                timezone=request.timezone,
                targets=request.targets,
                sections=request.sections,
                description=request.description,
                link=request.link,
                fold=request.fold,
            ),
            now=services.clock.now(),
            default_zone=services.settings.timezone,
            paper=services.engagement.paper,
            require_future=True,
        )
        async with read_transaction(services.store) as tx:
            known = await tx.list_events(include_cancelled=False)
        for event in known:
            same = (event.title, event.starts_at, event.targets)
            if same == (new.title, new.starts_at, new.targets):
                return event, True
        event = await self._scheduling.schedule_event(
            title=request.title,
            start=request.start,
            end=request.end,
            timezone=request.timezone,
            fold=request.fold,
            targets=request.targets,
            sections=request.sections,
            description=request.description,
            link=request.link,
            reminders=request.reminders,
            follow_up=request.follow_up,
            actor=actor,
        )
        return event, False

    async def _announce(self, event: EngagementEvent, message: str, *, actor: str) -> bool:
        """Schedule the organiser's message for the event's channels; False if it was refused
        (the event stays scheduled and the summary says so)."""
        try:
            await self._scheduling.schedule_prompt(
                kind=PromptKind.MESSAGE,
                event_id=event.id,
                at=self._services.clock.now() + ANNOUNCE_AFTER,
                timezone=event.timezone,
                text=announcement(event, message),
                actor=actor,
            )
        except SchedulingError as error:
            log.warning("Teams: the message for event %s was not scheduled: %s", event.id, error)
            return False
        return True

    def _again(self, choices: ScheduleChoices, submission: Submission) -> TaskModuleResponse:
        if submission.ambiguous is not None:
            zone_name = submission.values.get("timezone") or choices.default_zone
            choices = ScheduleChoices(
                channels=choices.channels,
                sectors=choices.sectors,
                sections=choices.sections,
                zones=choices.zones,
                default_zone=choices.default_zone,
                fold=fold_choices(submission.ambiguous, zone(zone_name).key),
            )
        content = schedule_card(choices, values=submission.values, errors=submission.errors)
        return show(content, title=TITLE)

    async def _choices(self, *, extra_zone: str | None = None) -> ScheduleChoices:
        services = self._services
        async with read_transaction(services.store) as tx:
            everywhere = await tx.list_channels()
        teams = [c for c in everywhere if c.platform is Platform.TEAMS]
        sectors = sorted({tag for c in everywhere for tag in c.tags})
        paper = services.engagement.paper
        zones = list(COMMON_ZONES)
        if extra_zone and extra_zone not in zones and _is_zone(extra_zone):
            zones.append(extra_zone)
        return ScheduleChoices(
            channels=[(f"teams/{c.external_id}", c.name) for c in teams],
            sectors=sectors,
            sections=[(s.id, f"{s.ordinal}. {s.title}") for s in paper.sections],
            zones=zones,
            default_zone=services.settings.timezone,
        )

    def _is_organiser(self, activity: Activity) -> bool:
        return actor(activity).user_id in self._organisers


def _card_field(name: str, message: str) -> str:
    if name == "targets" and "sector" in message.lower():
        return "sector"
    return _CARD_FIELD.get(name, name)


def _string(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def _is_zone(name: str) -> bool:
    try:
        zone(name)
    except SchedulingError:
        return False
    return True
