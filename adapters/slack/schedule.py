"""`/engage schedule`: the modal it opens, and scheduling what an organiser submits.

A submission is checked in full before anything is stored: the modal's own checks, the channels
chosen (engage must be in each), and the scheduling service's validation. Any problem goes back
as `response_action="errors"` against the block that shows it, and nothing is stored. Channels
engage had not met yet are registered only once the event is known to be valid.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.feedback import Background
from adapters.slack.mrkdwn import escape
from adapters.slack.notify import tell
from adapters.slack.schedule_form import (
    CALLBACK_ID,
    MAX_CHANNELS,
    BlockIds,
    ScheduleContext,
    ScheduleValues,
    field_errors,
    read_values,
    schedule_modal,
)
from bot.commands import REFUSAL
from bot.domain import Platform
from bot.engagement import Engagement
from bot.events import EventInput, validate_event
from bot.localtime import local_text
from bot.prompt_input import MAX_TEXT
from bot.scheduling import Scheduling
from bot.scheduling_types import EngagementEvent, Prompt, PromptKind, SchedulingError
from bot.services import Services

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
NOT_OURS = "This form was not opened by engage; run /engage schedule again."
ANNOUNCE_AFTER = timedelta(minutes=1)
_PROMPT_NAMES = {
    PromptKind.REMINDER: "Reminder",
    PromptKind.FOLLOW_UP: "Follow-up",
    PromptKind.MESSAGE: "Announcement",
}


@dataclass(kw_only=True)
class ChannelPlan:
    """The chosen Slack channels as scheduling targets, those engage must register first, and
    what is wrong with the others."""

    targets: list[str] = field(default_factory=list)
    to_register: list[tuple[str, str]] = field(default_factory=list)  # (channel id, name)
    problems: list[str] = field(default_factory=list)


async def open_schedule_modal(
    client: AsyncWebClient, services: Services, *, trigger_id: str, team: str, channel: str
) -> str | None:
    """Open the modal; None when it opened, else what to tell the organiser."""
    engagement = services.engagement
    if not engagement.has_paper:
        return "The paper is still loading; try again in a moment."
    view = schedule_modal(
        paper=engagement.paper,
        context=ScheduleContext(team_id=team, channel_id=channel),
        default_zone=services.settings.timezone,
    )
    try:
        await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as error:
        log.warning("views.open for /engage schedule failed: %s", error)
        return "Slack would not open the scheduling form; run /engage schedule again."
    return None


def register_schedule(
    bolt: AsyncApp, services: Services, *, background: Background, organisers: frozenset[str]
) -> None:
    """Add the schedule modal's submission listener to a Bolt app."""
    scheduling = Scheduling.from_services(services)

    async def submit(ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        user = str(body["user"]["id"])
        context = ScheduleContext.loads(str(view.get("private_metadata", "")))
        if user not in organisers or context is None:
            problem = REFUSAL if user not in organisers else NOT_OURS
            await ack(response_action="errors", errors={BlockIds.TITLE: problem})
            return
        values = read_values((view.get("state") or {}).get("values") or {})
        plan = await plan_channels(
            client, services.engagement, team=context.team_id, channel_ids=values.channels
        )
        targets = [*plan.targets, *([f"sector:{values.sector}"] if values.sector else [])]
        errors = _check(values, plan, targets=targets, services=services)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        for channel_id, name in plan.to_register:
            await services.engagement.register_channel(
                platform=Platform.SLACK,
                workspace_id=context.team_id,
                external_id=channel_id,
                name=name,
            )
        try:
            event, prompts = await _schedule(
                scheduling, values, targets=targets, actor=user, now=services.clock.now()
            )
        except SchedulingError as error:
            await ack(response_action="errors", errors=field_errors(error.errors))
            return
        await ack(response_action="clear")
        text = confirmation(event, prompts)
        background.start(_confirm(client, user=user, channel=context.channel_id, text=text))

    bolt.view(CALLBACK_ID)(submit)


async def plan_channels(
    client: AsyncWebClient, engagement: Engagement, *, team: str, channel_ids: Sequence[str]
) -> ChannelPlan:
    """Each chosen channel as a target `slack/<id>`; one engage has not met is looked up with
    conversations.info and must have engage as a member."""
    plan = ChannelPlan()
    if len(channel_ids) > MAX_CHANNELS:
        plan.problems.append(f"Choose at most {MAX_CHANNELS} channels, or use a sector tag.")
    for channel_id in channel_ids[:MAX_CHANNELS]:
        known = await engagement.find_channel(
            platform=Platform.SLACK, workspace_id=team, external_id=channel_id
        )
        if known is not None and known.active:
            plan.targets.append(f"slack/{channel_id}")
            continue
        try:
            info = (await client.conversations_info(channel=channel_id))["channel"]
        except SlackApiError as error:
            log.info("conversations.info %s failed: %s", channel_id, error)
            plan.problems.append(
                f"engage cannot see channel {channel_id}: invite @engage to it "
                "(/invite @engage), then schedule again."
            )
            continue
        name = str(info.get("name") or channel_id)
        if info.get("is_im") or info.get("is_mpim"):
            plan.problems.append("A direct message cannot be a target: choose channels.")
        elif info.get("is_archived"):
            plan.problems.append(f"#{name} is archived: choose another channel.")
        elif not info.get("is_member"):
            plan.problems.append(
                f"engage is not in #{name}: invite it with /invite @engage, then schedule again."
            )
        else:
            plan.to_register.append((channel_id, name))
            plan.targets.append(f"slack/{channel_id}")
    return plan


def _check(
    values: ScheduleValues, plan: ChannelPlan, *, targets: list[str], services: Services
) -> dict[str, str]:
    """Every problem of a submission, by block, without storing anything."""
    errors = dict(values.errors)
    if plan.problems:
        errors[BlockIds.CHANNELS] = " ".join(plan.problems)
    elif not targets:
        errors[BlockIds.CHANNELS] = "Choose at least one channel engage is in, or a sector tag."
    if len(values.message) > MAX_TEXT:
        errors[BlockIds.MESSAGE] = f"Keep the announcement under {MAX_TEXT} characters."
    try:
        validate_event(
            _event_input(values, targets=targets),
            now=services.clock.now(),
            default_zone=services.settings.timezone,
            paper=services.engagement.paper,
            require_future=True,
        )
    except SchedulingError as error:
        found = dict(error.errors)
        # A missing date or time is already said; the service's reading of it adds nothing.
        if values.errors.keys() & {BlockIds.START_DATE, BlockIds.START_TIME}:
            found.pop("start", None)
            found.pop("end", None)
        if BlockIds.END_TIME in values.errors:
            found.pop("end", None)
        for block, message in field_errors(found).items():
            errors.setdefault(block, message)
    return errors


def _event_input(values: ScheduleValues, *, targets: Sequence[str]) -> EventInput:
    return EventInput(
        title=values.title,
        start=values.start,
        end=values.end,
        timezone=values.timezone or None,
        targets=targets,
        sections=values.sections,
        description=values.description or None,
        link=values.link or None,
        reminders=values.reminders,
        follow_up=values.follow_up,
    )


async def _schedule(
    scheduling: Scheduling,
    values: ScheduleValues,
    *,
    targets: Sequence[str],
    actor: str,
    now: datetime,
) -> tuple[EngagementEvent, tuple[Prompt, ...]]:
    """Schedule the event (and its announcement); all or nothing."""
    who = f"{Platform.SLACK}:{actor}"
    event = await scheduling.schedule_input(_event_input(values, targets=targets), actor=who)
    if values.message:
        try:
            await scheduling.schedule_prompt(
                kind=PromptKind.MESSAGE,
                event_id=event.id,
                at=now + ANNOUNCE_AFTER,
                text=values.message,
                actor=who,
            )
        except SchedulingError:
            await scheduling.cancel_event(event.id, actor=who)
            raise
    agenda = await scheduling.agenda(include_cancelled=False)
    prompts = next((a.prompts for a in agenda.events if a.event.id == event.id), ())
    return event, prompts


def confirmation(event: EngagementEvent, prompts: Sequence[Prompt]) -> str:
    """What the organiser is told once the event is scheduled (mrkdwn)."""
    when = local_text(event.starts_at, event.timezone)
    if event.ends_at > event.starts_at:
        when += f" to {local_text(event.ends_at, event.timezone)}"
    lines = [f"Scheduled *{escape(event.title)}*: {when} ({event.timezone})."]
    lines.append("Posting to " + ", ".join(_target(t) for t in event.targets) + ".")
    if event.link:
        lines.append(f"Join link: {escape(event.link)}")
    if prompts:
        lines.append("Prompts:")
        lines += [
            f"• {_PROMPT_NAMES.get(p.kind, p.kind.value)}: {local_text(p.due_at, p.timezone)}"
            for p in sorted(prompts, key=lambda p: p.due_at)
        ]
    else:
        lines.append("No reminders or follow-up: none was ticked, or their times have passed.")
    lines.append(
        f"Event {event.id}: `engage events list` shows it, `engage events cancel {event.id}` "
        "cancels it."
    )
    return "\n".join(lines)


def _target(target: str) -> str:
    if target.startswith("slack/"):
        return f"<#{target.removeprefix('slack/')}>"
    return escape(target)


async def _confirm(client: AsyncWebClient, *, user: str, channel: str, text: str) -> None:
    if not await tell(client, user=user, channel=channel, text=text):
        log.warning("the event is scheduled but %s was not told so", user)
