"""The *Give feedback* form of a section: shown from its FormSpec, validated by the core."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from aiohttp import web

from adapters.web.context import (
    PREFIX,
    WORKSPACE,
    member,
    render,
    require_member,
    web_channel,
    web_context,
)
from adapters.web.formdata import one
from adapters.web.platform import message_id
from adapters.web.present import anchor
from bot.domain import (
    Actor,
    Channel,
    FeedbackForm,
    FeedbackRejected,
    FeedbackSubmitted,
    Platform,
)
from bot.feed import FeedItem, feed_item

_SUBMISSION = re.compile(r"^[0-9a-f]{32}$")


def _member_digest(request: web.Request, user_id: str) -> str:
    return web_context(request).signer.token("feedback-event", user_id)[:22]


async def _item_and_form(
    request: web.Request, *, channel: Channel, actor: Actor
) -> tuple[FeedItem, FeedbackForm]:
    ctx = web_context(request)
    post_id = int(request.match_info["post"])
    item = await feed_item(
        ctx.services.store,
        channel_id=channel.id,
        post_id=post_id,
        viewer_user_id=actor.user_id,
    )
    # Asked as the member, so the core adds what depends on them (the consent notice before
    # their first feedback).
    form = (
        None
        if item is None
        else await ctx.services.engagement.feedback_form_for_post(
            post_id, platform=Platform.WEB, workspace_id=WORKSPACE, user_id=actor.user_id
        )
    )
    if item is None or form is None:
        raise web.HTTPNotFound(text=f"That section is not posted in #{channel.name}.")
    return item, form


def _page(
    request: web.Request,
    *,
    channel: Channel,
    item: FeedItem,
    form: FeedbackForm,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    submission: str,
    status: int = 200,
) -> web.Response:
    return render(
        request,
        "feedback.html",
        values={
            "channel": channel,
            "form": form,
            "values": values,
            "errors": errors,
            "submission": submission,
            "back": f"{PREFIX}/c/{channel.external_id}#{anchor(item)}",
        },
        status=status,
    )


async def feedback_page(request: web.Request) -> web.StreamResponse:
    """GET …/p/{post}/feedback: the form (after the identity form, for a newcomer)."""
    channel = await web_channel(request)
    me = member(request)
    if me is None:
        raise web.HTTPSeeOther(f"{PREFIX}/identity?next={request.path}")
    item, form = await _item_and_form(request, channel=channel, actor=me.actor)
    return _page(
        request,
        channel=channel,
        item=item,
        form=form,
        values={},
        errors={},
        submission=uuid.uuid4().hex,
    )


async def submit_feedback(request: web.Request) -> web.StreamResponse:
    """POST …/p/{post}/feedback: validate and store, or show the form again with the errors."""
    channel = await web_channel(request)
    me, body = await require_member(request)
    item, form = await _item_and_form(request, channel=channel, actor=me.actor)
    submission = one(body, "submission") or ""
    if not _SUBMISSION.match(submission):
        raise web.HTTPBadRequest(text="The form is missing its submission id. Reload the page.")
    values = {
        f.name: value
        for f in form.form.fields
        if (value := one(body, f.name, required=False)) is not None
    }
    result = await web_context(request).services.engagement.submit_feedback(
        FeedbackSubmitted(
            platform=Platform.WEB,
            workspace_id=WORKSPACE,
            # One id per rendered form: pressing Submit twice stores the response once. The
            # member's id is in it only as a keyed digest, so nothing kept to spot repeats
            # still names them once their data is erased.
            event_id=f"{_member_digest(request, me.user_id)}:{submission}",
            channel_id=channel.external_id,
            message_id=message_id(item.post),
            actor=me.actor,
            occurred_at=web_context(request).services.clock.now(),
            values=values,
        )
    )
    if result is None:
        raise web.HTTPNotFound(text=f"That section is not posted in #{channel.name}.")
    if isinstance(result, FeedbackRejected):
        return _page(
            request,
            channel=channel,
            item=item,
            form=form,
            values={**result.values, **values},
            errors=result.errors,
            submission=submission,
            status=422,
        )
    # The fragment moves focus to the confirmation (a focusable target), as autofocus would.
    raise web.HTTPSeeOther(
        f"{PREFIX}/c/{channel.external_id}?thanks={item.post.id}#feedback-thanks"
    )
