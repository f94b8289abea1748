"""Dialogs (task modules): *Give feedback* and *Reply* open them, their submit comes back here.

`task/fetch` answers the dialog's card; `task/submit` either shows the card again (with the
errors in place and the member's input kept) or closes the dialog with a short thanks. Invoke
answers are seen only by the member who pressed the button, so they are the private
confirmation. Unknown or out-of-date button data gets an error card, never a 500.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity
from botbuilder.schema.teams import TaskModuleResponse

from adapters.teams.dialogs import (
    MAX_REPLY_CHARS,
    REPLY_INPUT,
    error_card,
    feedback_card,
    reply_card,
    routing,
    submitted_values,
)
from adapters.teams.inbound import actor, occurred_at, tenant_of, where
from adapters.teams.task_responses import close, show
from bot.domain import (
    FeedbackForm,
    FeedbackRejected,
    FeedbackRequested,
    FeedbackSubmitted,
    Outcome,
    Platform,
    ReplyPosted,
)
from bot.engagement import Engagement
from bot.ports import Clock

log = logging.getLogger(__name__)

STALE_BUTTON = (
    "This button is not one engage knows, or it is out of date. Open the section's message in "
    "its channel and press the button there again."
)
UNKNOWN_POST = (
    "This section is no longer open for responses here. Ask the organisers where it is being "
    "discussed now."
)


@dataclass(frozen=True, kw_only=True)
class Route:
    """Where a dialog belongs: the action, our post id, and (once the dialog is open) the
    channel and message it was opened from."""

    action: str
    post_id: int
    channel: str | None = None
    message: str | None = None


def parse_route(data: object) -> Route | None:
    """The `engage` routing data of a button or dialog submit, or None if it is not ours."""
    engage = data.get("engage") if isinstance(data, Mapping) else None
    if not isinstance(engage, Mapping):
        return None
    action, post_id = engage.get("action"), engage.get("postId")
    if action not in ("feedback", "reply"):
        return None
    if isinstance(post_id, str) and post_id.isdigit():
        post_id = int(post_id)
    if not isinstance(post_id, int) or isinstance(post_id, bool) or post_id <= 0:
        return None
    channel, message = engage.get("channel"), engage.get("message")
    return Route(
        action=action,
        post_id=post_id,
        channel=channel if isinstance(channel, str) and channel else None,
        message=message if isinstance(message, str) and message else None,
    )


class Dialogs:
    """Answers `task/fetch` and `task/submit` invokes."""

    def __init__(self, *, engagement: Engagement, clock: Clock, consent_text: str) -> None:
        self._engagement = engagement
        self._clock = clock
        self._consent = consent_text

    async def fetch(self, activity: Activity, data: object) -> TaskModuleResponse:
        route = parse_route(data)
        place = where(activity)
        message = activity.reply_to_id or (place.root_id if place else None)
        if route is None or place is None or not message:
            return show(error_card(STALE_BUTTON), title="engage")
        opened = _Opened(
            post_id=route.post_id, channel=place.channel_id, message=message, tenant=place.tenant_id
        )
        if route.action == "reply":
            form = await self._engagement.feedback_form_for_post(route.post_id)
        else:
            form = await self._member_form(activity, opened)
        if form is None:
            return show(error_card(UNKNOWN_POST), title="engage")
        back = opened.routing(route.action)
        if route.action == "reply":
            content = reply_card(section_title=form.section_title, route=back, intro=self._consent)
            return show(content, title="Reply", height="medium")
        return show(feedback_card(form, route=back), title="Feedback")

    async def _member_form(self, activity: Activity, opened: _Opened) -> FeedbackForm | None:
        """The form as this member should see it (with the consent notice before their first
        feedback), for the post under the message the dialog was opened from."""
        form = await self._engagement.feedback_form(
            FeedbackRequested(
                platform=Platform.TEAMS,
                workspace_id=opened.tenant,
                event_id=activity.id or f"dialog-{uuid.uuid4()}",
                channel_id=opened.channel,
                message_id=opened.message,
                actor=actor(activity),
                occurred_at=occurred_at(activity, fallback=self._clock.now()),
            )
        )
        # The button names the post too: a message of another post means a stale button.
        return form if form is not None and form.post_id == opened.post_id else None

    async def submit(self, activity: Activity, data: object) -> TaskModuleResponse:
        route = parse_route(data)
        tenant = tenant_of(activity)
        if route is None or route.channel is None or route.message is None or tenant is None:
            return show(error_card(STALE_BUTTON), title="engage")
        opened = _Opened(
            post_id=route.post_id, channel=route.channel, message=route.message, tenant=tenant
        )
        values = data if isinstance(data, Mapping) else {}
        if route.action == "reply":
            return await self._reply(activity, opened, data=values)
        return await self._feedback(activity, opened, data=values)

    async def _feedback(
        self, activity: Activity, opened: _Opened, *, data: Mapping[str, Any]
    ) -> TaskModuleResponse:
        result = await self._engagement.submit_feedback(
            FeedbackSubmitted(
                platform=Platform.TEAMS,
                workspace_id=opened.tenant,
                event_id=activity.id or f"dialog-{uuid.uuid4()}",
                channel_id=opened.channel,
                message_id=opened.message,
                actor=actor(activity),
                occurred_at=occurred_at(activity, fallback=self._clock.now()),
                values=submitted_values(data),
            )
        )
        if result is None:
            return show(error_card(UNKNOWN_POST), title="engage")
        if isinstance(result, FeedbackRejected):
            form = await self._member_form(activity, opened)
            if form is None:
                return show(error_card(UNKNOWN_POST), title="engage")
            content = feedback_card(
                form,
                route=opened.routing("feedback"),
                values=result.values,
                errors=result.errors,
            )
            return show(content, title="Feedback")
        return close(f"Thank you. Your feedback on “{result.section_title}” was recorded.")

    async def _reply(
        self, activity: Activity, opened: _Opened, *, data: Mapping[str, Any]
    ) -> TaskModuleResponse:
        form = await self._engagement.feedback_form_for_post(opened.post_id)
        if form is None:
            return show(error_card(UNKNOWN_POST), title="engage")
        raw = data.get(REPLY_INPUT)
        text = raw.strip() if isinstance(raw, str) else ""
        error = None
        if not text:
            error = "Write something before sending."
        elif len(text) > MAX_REPLY_CHARS:
            error = f"Keep your reply under {MAX_REPLY_CHARS} characters."
        if error is not None:
            content = reply_card(
                section_title=form.section_title,
                route=opened.routing("reply"),
                intro=self._consent,
                error=error,
            )
            return show(content, title="Reply", height="medium")
        event_id = activity.id or f"dialog-{uuid.uuid4()}"
        outcome = await self._engagement.record(
            ReplyPosted(
                platform=Platform.TEAMS,
                workspace_id=opened.tenant,
                event_id=event_id,
                channel_id=opened.channel,
                message_id=opened.message,
                actor=actor(activity),
                occurred_at=occurred_at(activity, fallback=self._clock.now()),
                reply_id=f"dialog:{event_id}",
                text=text,
            )
        )
        if outcome is Outcome.IGNORED:
            return show(error_card(UNKNOWN_POST), title="engage")
        return close(f"Thank you. Your reply on “{form.section_title}” was recorded.")


@dataclass(frozen=True, kw_only=True)
class _Opened:
    """A submitted dialog: the post, and the tenant, channel and message it was opened in."""

    post_id: int
    channel: str
    message: str
    tenant: str

    def routing(self, action: str) -> dict[str, Any]:
        return routing(
            action=action, post_id=self.post_id, channel=self.channel, message=self.message
        )
