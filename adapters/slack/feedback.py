"""*Give feedback* and *Reply in thread* buttons, and the feedback modal's submission."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.layout import FEEDBACK_ACTION, REPLY_ACTION
from adapters.slack.modal import (
    CALLBACK_ID,
    ModalContext,
    block_id,
    feedback_modal,
    submitted_values,
)
from adapters.slack.mrkdwn import escape
from bot.domain import (
    Actor,
    FeedbackAccepted,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackSubmitted,
    Platform,
)
from bot.services import Services

log = logging.getLogger(__name__)

Ack = Callable[..., Awaitable[Any]]
NOT_OURS = "This form no longer matches a section engage posted, so it cannot be saved."


class Background:
    """Work to do after Slack has its acknowledgement (a confirmation message), kept
    referenced until done and awaited on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def register_feedback(bolt: AsyncApp, services: Services, *, background: Background) -> None:
    """Add the button and modal listeners to a Bolt app."""
    engagement = services.engagement

    async def open_form(ack: Ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        container = body.get("container") or {}
        team = _team(body)
        event = FeedbackRequested(
            platform=Platform.SLACK,
            workspace_id=team,
            event_id=str(body.get("trigger_id", "")),
            channel_id=str(container.get("channel_id", "")),
            message_id=str(container.get("message_ts", "")),
            actor=Actor(user_id=str(body["user"]["id"])),
            occurred_at=datetime.now(UTC),
        )
        form = await engagement.feedback_form(event)
        if form is None:
            log.info("feedback asked for a message that is not ours: %s", event.message_id)
            await ack()
            return
        context = ModalContext(
            team_id=team,
            channel_id=event.channel_id,
            message_id=event.message_id,
            post_id=form.post_id,
        )
        view = feedback_modal(form, context=context)
        await client.views_open(trigger_id=body["trigger_id"], view=view)
        await ack()

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
            ids = {spec.name: block_id(i, spec) for i, spec in enumerate(form.form.fields)}
            errors = {ids[name]: message for name, message in result.errors.items() if name in ids}
            await ack(response_action="errors", errors=errors or _first_block_error(view, NOT_OURS))
        else:
            await ack()
            if not result.duplicate:
                background.start(_confirm(client, context=context, user=user, result=result))

    bolt.action(FEEDBACK_ACTION)(open_form)
    bolt.action(REPLY_ACTION)(reply_hint)
    bolt.view(CALLBACK_ID)(submit)
    bolt.action(re.compile(".*"))(_ack_only)


async def _ack_only(ack: Ack, body: dict[str, Any]) -> None:
    log.debug("ignored Slack action %s", [a.get("action_id") for a in body.get("actions", [])])
    await ack()


def _team(body: dict[str, Any]) -> str:
    team = body.get("team") or {}
    return str(team.get("id") or body["user"].get("team_id", ""))


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
