"""*Give feedback* and *Reply in thread* buttons, and the feedback modal's submission.

Bolt runs listeners before it answers Slack (`process_before_response`), so a listener's Web
API calls delay the acknowledgement: the modal is opened in the background, straight after it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.layout import FEEDBACK_ACTION, REPLY_ACTION
from adapters.slack.modal import (
    CALLBACK_ID,
    SEARCH_ACTION_ID,
    ModalContext,
    block_ids,
    feedback_modal,
    left_out_warning,
    option_answer,
    submitted_values,
)
from adapters.slack.mrkdwn import escape
from adapters.slack.notify import tell
from bot.domain import (
    Actor,
    FeedbackAccepted,
    FeedbackForm,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackSubmitted,
    FormSpec,
    Platform,
)
from bot.engagement import Engagement
from bot.services import Services

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
NOT_OURS = "This form no longer matches a section engage posted, so it cannot be saved."
NOT_OPENED = (
    "Sorry: Slack could not open the feedback form just now. Please press *Give feedback* again."
)
NOT_SHOWN = (
    "This form asks more required questions than Slack can show, so it cannot be sent from "
    "Slack: please tell the organisers."
)
# Slack's codes for a trigger id used too late or twice, and what the reader should check.
_VIEWS_OPEN_HINTS = {
    "expired_trigger_id": "the button press was more than 3 s old when engage asked: look for "
    "what slows the feedback path (database, event loop)",
    "exchanged_trigger_id": "the button press had been used already",
    "ratelimited": "Slack is rate-limiting this app's views.open calls",
}


class Background:
    """Work to do after Slack has its acknowledgement (a confirmation message), kept
    referenced until done and awaited on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        # Nobody awaits these tasks until shutdown: a failure would otherwise go unseen.
        if not task.cancelled() and task.exception() is not None:
            log.error("Slack work after the acknowledgement failed", exc_info=task.exception())

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def register_feedback(bolt: AsyncApp, services: Services, *, background: Background) -> None:
    """Add the button and modal listeners to a Bolt app."""
    engagement = services.engagement
    warned: set[FormSpec] = set()  # forms whose left-out fields have been logged

    async def open_form(ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        background.start(_open_modal(client, engagement=engagement, body=body, warned=warned))

    async def reply_hint(ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        container = body.get("container") or {}
        hint = _reply_hint(
            client,
            channel=container.get("channel_id"),
            ts=container.get("message_ts"),
            user=body["user"]["id"],
        )
        background.start(hint)

    async def submit(ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        view = body["view"]
        context = ModalContext.loads(str(view.get("private_metadata", "")))
        if context is None:
            await ack(response_action="errors", errors=_first_block_error(view, NOT_OURS))
            return
        form = await engagement.feedback_form_for_post(context.post_id)
        if form is None:
            await ack(response_action="errors", errors=_first_block_error(view, NOT_OURS))
            return
        user = str(body["user"]["id"])
        event = FeedbackSubmitted(
            platform=Platform.SLACK,
            workspace_id=context.team_id,
            event_id=f"{view['id']}:{view.get('hash', '')}",
            channel_id=context.channel_id,
            message_id=context.message_id,
            actor=Actor(user_id=user),
            occurred_at=datetime.now(UTC),
            values=submitted_values(form.form, (view.get("state") or {}).get("values") or {}),
        )
        result = await engagement.submit_feedback(event)
        if result is None:
            await ack(response_action="errors", errors=_first_block_error(view, NOT_OURS))
        elif isinstance(result, FeedbackRejected):
            await ack(response_action="errors", errors=_errors(view, form.form, result))
        else:
            await ack()
            if not result.duplicate:
                background.start(_confirm(client, context=context, user=user, result=result))

    async def suggest(ack: Ack, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        context = ModalContext.loads(str(view.get("private_metadata", "")))
        form = None if context is None else await engagement.feedback_form_for_post(context.post_id)
        if form is None:
            await ack(options=[])
            return
        typed, block = str(body.get("value") or ""), str(body.get("block_id", ""))
        await ack(**option_answer(form.form, block_id=block, typed=typed))

    bolt.action(FEEDBACK_ACTION)(open_form)
    bolt.action(REPLY_ACTION)(reply_hint)
    bolt.view(CALLBACK_ID)(submit)
    bolt.options(SEARCH_ACTION_ID)(suggest)
    bolt.action(re.compile(".*"))(_ack_only)


async def _ack_only(ack: Ack, body: dict[str, Any]) -> None:
    log.debug("ignored Slack action %s", [a.get("action_id") for a in body.get("actions", [])])
    await ack()


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body["user"].get("team_id", ""))


async def _open_modal(
    client: AsyncWebClient, *, engagement: Engagement, body: dict[str, Any], warned: set[FormSpec]
) -> None:
    """Open the feedback modal for the post whose button was pressed; if Slack will not, say
    why in the log and ask the member privately to press the button again."""
    container = body.get("container") or {}
    user = str(body["user"]["id"])
    event = FeedbackRequested(
        platform=Platform.SLACK,
        workspace_id=_team(body),
        event_id=str(body.get("trigger_id", "")),
        channel_id=str(container.get("channel_id", "")),
        message_id=str(container.get("message_ts", "")),
        actor=Actor(user_id=user),
        occurred_at=datetime.now(UTC),
    )
    form = await engagement.feedback_form(event)
    if form is None:
        log.info("feedback asked for a message that is not ours: %s", event.message_id)
        return
    _warn_once(form, warned)
    context = ModalContext(
        team_id=event.workspace_id,
        channel_id=event.channel_id,
        message_id=event.message_id,
        post_id=form.post_id,
    )
    try:
        await client.views_open(
            trigger_id=event.event_id, view=feedback_modal(form, context=context)
        )
    except (SlackApiError, aiohttp.ClientError, TimeoutError) as error:
        code = _code(error)
        hint = _VIEWS_OPEN_HINTS.get(code)
        log.warning(
            "views.open failed (%s) for %s's feedback form on post %s%s; "
            "they were asked privately to press Give feedback again",
            code,
            user,
            form.post_id,
            f": {hint}" if hint else "",
        )
        await tell(client, user=user, channel=event.channel_id or None, text=NOT_OPENED)


def _warn_once(form: FeedbackForm, warned: set[FormSpec]) -> None:
    if form.form in warned:
        return
    warned.add(form.form)
    warning = left_out_warning(form)
    if warning is not None:
        log.warning("%s", warning)


def _code(error: SlackApiError | aiohttp.ClientError | TimeoutError) -> str:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error") or f"HTTP {error.response.status_code}")
    return f"Slack not reached: {error!r}"


def _errors(view: dict[str, Any], form: FormSpec, result: FeedbackRejected) -> dict[str, str]:
    """The rejection's messages keyed by the blocks that show them. Slack refuses an answer that
    names a block the modal does not have, so a problem with a field that is not shown (a form
    with more required fields than fit) is told on the first field instead."""
    shown = {b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"}
    ids = dict(zip((spec.name for spec in form.fields), block_ids(form), strict=True))
    errors = {ids[n]: message for n, message in result.errors.items() if ids.get(n) in shown}
    unshown = [name for name in result.errors if ids.get(name) not in shown]
    if unshown or not errors:
        first = _first_block_error(view, NOT_SHOWN if unshown else NOT_OURS)
        for block, message in first.items():
            errors.setdefault(block, message)
    return errors


def _first_block_error(view: dict[str, Any], message: str) -> dict[str, str]:
    for block in view.get("blocks", []):
        if block.get("type") == "input" and block.get("block_id"):
            return {str(block["block_id"]): message}
    return {}


async def _confirm(
    client: AsyncWebClient, *, context: ModalContext, user: str, result: FeedbackAccepted
) -> None:
    text = f"Thank you: your feedback on *{escape(result.section_title)}* is saved."
    try:
        await client.chat_postEphemeral(
            channel=context.channel_id, user=user, text=text, link_names=False
        )
    except SlackApiError as error:
        log.warning("feedback confirmation to %s failed: %s", user, error)


async def _reply_hint(client: AsyncWebClient, *, channel: Any, ts: Any, user: str) -> None:
    try:
        link = await client.chat_getPermalink(channel=channel, message_ts=ts)
        text = f"Reply in the thread under the section: <{link['permalink']}|open the thread>."
        await client.chat_postEphemeral(channel=channel, user=user, text=text, link_names=False)
    except SlackApiError as error:
        log.warning("reply hint for %s failed: %s", user, error)
