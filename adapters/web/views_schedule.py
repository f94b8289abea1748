"""Scheduling from the organiser page: an engagement event (with its reminders, follow-up and
an optional message), and cancelling one. The core's `Scheduling` does the work."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from adapters.web.admin_auth import ADMIN_PATH
from adapters.web.context import web_context
from adapters.web.event_form import EventForm, EventFormState, check
from adapters.web.views_admin import dashboard, organiser_form
from bot.scheduling import Scheduling
from bot.scheduling_types import PromptKind, SchedulingError
from bot.services import Services

log = logging.getLogger(__name__)

ACTOR = "web-admin"
# The message goes out on the scheduler's next look at the table (every few seconds); a
# prompt must be due after "now" when it is stored.
MESSAGE_DELAY = timedelta(seconds=1)


async def _schedule(services: Services, form: EventForm) -> int:
    """Store the event, its reminders and follow-up, and the message (if any); the event id."""
    scheduling = Scheduling.from_services(services)
    event = await scheduling.schedule_event(
        title=form.title,
        start=form.start_text,
        end=form.end_text,
        timezone=form.timezone,
        targets=form.targets,
        sections=form.sections,
        description=form.description or None,
        link=form.link or None,
        fold=form.fold_value,
        reminders=form.reminder_offsets,
        follow_up=form.follow_up_offset,
        actor=ACTOR,
    )
    if form.message:
        await scheduling.schedule_prompt(
            kind=PromptKind.MESSAGE,
            event_id=event.id,
            at=services.clock.now() + MESSAGE_DELAY,
            text=form.message,
            actor=ACTOR,
        )
    return event.id


async def schedule_event(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/events: schedule, or show the form again with an error per field."""
    session, body = await organiser_form(request)
    services = web_context(request).services
    form = EventForm.read(body)
    state = check(
        form,
        now=services.clock.now(),
        default_zone=services.settings.timezone,
        paper=services.engagement.paper,
    )
    if not state.errors:
        try:
            event_id = await _schedule(services, form)
        except SchedulingError as error:
            # What only the database can tell (a target naming no channel) comes here.
            state = EventFormState(form=form, errors=dict(error.errors))
        else:
            raise web.HTTPSeeOther(f"{ADMIN_PATH}?scheduled={event_id}#schedule-done")
    log.info("scheduling form refused: %s", ", ".join(state.errors))
    return await dashboard(request, session=session, schedule=state, status=422)


async def cancel_event(request: web.Request) -> web.StreamResponse:
    """POST /web/admin/events/{event}/cancel: cancel an event and its prompts not yet sent."""
    session, _body = await organiser_form(request)
    event_id = int(request.match_info["event"])
    scheduling = Scheduling.from_services(web_context(request).services)
    try:
        await scheduling.cancel_event(event_id, actor=ACTOR)
    except SchedulingError as error:
        message = error.message[:1].upper() + error.message[1:]
        return await dashboard(request, session=session, error=message, status=422)
    raise web.HTTPSeeOther(f"{ADMIN_PATH}?cancelled={event_id}#agenda-heading")
