"""Reactions and replies from the channel page, turned into the core's events."""

from __future__ import annotations

import uuid
from typing import TypeVar

from aiohttp import web

from adapters.web.context import (
    MAX_REPLY_CHARS,
    PREFIX,
    WORKSPACE,
    refuse,
    require_member,
    web_channel,
    web_context,
)
from adapters.web.formdata import text
from adapters.web.identity import WebIdentity
from adapters.web.platform import message_id
from adapters.web.present import reaction_button_id
from adapters.web.views_channel import Problem, render_channel
from bot.domain import (
    Channel,
    InboundEvent,
    MemberEvent,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
)
from bot.feed import FeedItem, feed_item

E = TypeVar("E", bound=InboundEvent)


async def _post(request: web.Request, *, channel: Channel, me: WebIdentity) -> FeedItem:
    ctx = web_context(request)
    item = await feed_item(
        ctx.services.store,
        channel_id=channel.id,
        post_id=int(request.match_info["post"]),
        viewer_user_id=me.user_id,
    )
    if item is None:
        raise web.HTTPNotFound(text=f"That section is not posted in #{channel.name}.")
    return item


def _back(channel: Channel, fragment: str) -> web.HTTPSeeOther:
    # Back to the channel page (POST-redirect-GET). The fragment names the control or reply
    # the member acted on: Chromium and Firefox move focus to a focusable fragment target, so
    # keyboard and screen-reader users carry on where they were.
    return web.HTTPSeeOther(f"{PREFIX}/c/{channel.external_id}#{fragment}")


async def _record(request: web.Request, event: MemberEvent) -> None:
    await web_context(request).services.engagement.record(event)


def _event(
    kind: type[E],
    request: web.Request,
    *,
    channel: Channel,
    item: FeedItem,
    me: WebIdentity,
    **extra: str,
) -> E:
    """An event of `kind` about the post, by the member; a fresh event id for every press."""
    return kind(
        platform=Platform.WEB,
        workspace_id=WORKSPACE,
        event_id=uuid.uuid4().hex,
        channel_id=channel.external_id,
        message_id=message_id(item.post),
        actor=me.actor,
        occurred_at=web_context(request).services.clock.now(),
        **extra,
    )


def _reply_text(raw: str) -> tuple[str, str | None]:
    # Browsers send textarea line breaks as CRLF but count them as one character for maxlength.
    value = raw.replace("\r\n", "\n").strip()
    if not value:
        return value, "Write something before sending your reply."
    if len(value) > MAX_REPLY_CHARS:
        return value, (
            f"Your reply is {len(value)} characters; the most a reply can have is "
            f"{MAX_REPLY_CHARS}. Shorten it and send it again."
        )
    return value, None


async def react(request: web.Request) -> web.StreamResponse:
    """POST …/p/{post}/react: toggle the member's reaction, as a chat reaction does."""
    channel = await web_channel(request)
    me, form = await require_member(request)
    emoji = text(form, "emoji")
    ctx = web_context(request)
    if emoji not in ctx.reactions:
        raise web.HTTPBadRequest(text=f"'{emoji}' is not one of this channel's reactions.")
    item = await _post(request, channel=channel, me=me)
    # The toggle's direction comes from what the member has standing now, as in chat.
    kind: type[ReactionAdded | ReactionRemoved] = (
        ReactionRemoved if emoji in item.mine else ReactionAdded
    )
    await _record(request, _event(kind, request, channel=channel, item=item, me=me, emoji=emoji))
    raise _back(channel, reaction_button_id(item.post.id, ctx.reactions.index(emoji)))


async def reply(request: web.Request) -> web.StreamResponse:
    """POST …/p/{post}/replies: add a reply to the post's thread."""
    channel = await web_channel(request)
    me, form = await require_member(request)
    item = await _post(request, channel=channel, me=me)
    value, problem = _reply_text(text(form, "text"))
    if problem is not None:
        return await render_channel(
            request,
            channel,
            problem=Problem(post_id=item.post.id, message=problem, text=value),
            status=422,
        )
    reply_id = uuid.uuid4().hex
    event = _event(
        ReplyPosted, request, channel=channel, item=item, me=me, reply_id=reply_id, text=value
    )
    await _record(request, event)
    raise _back(channel, f"reply-{reply_id}")


def _own_reply(request: web.Request, *, item: FeedItem, me: WebIdentity, reply_id: str) -> None:
    found = next((r for r in item.replies if r.reply_id == reply_id and not r.deleted), None)
    if found is None:
        raise web.HTTPNotFound(text="That reply is not in this thread (it may have been deleted).")
    if found.author_user_id != me.user_id:
        raise refuse(request, reason="not_author", message="You can only change your own replies.")


async def edit_reply(request: web.Request) -> web.StreamResponse:
    """POST …/p/{post}/replies/{reply}/edit: replace the text of one's own reply."""
    channel = await web_channel(request)
    me, form = await require_member(request)
    item = await _post(request, channel=channel, me=me)
    reply_id = request.match_info["reply"]
    _own_reply(request, item=item, me=me, reply_id=reply_id)
    value, problem = _reply_text(text(form, "text"))
    if problem is not None:
        return await render_channel(
            request,
            channel,
            problem=Problem(post_id=item.post.id, message=problem, text=value, reply_id=reply_id),
            status=422,
        )
    await _record(
        request,
        _event(
            ReplyEdited, request, channel=channel, item=item, me=me, reply_id=reply_id, text=value
        ),
    )
    raise _back(channel, f"reply-{reply_id}")


async def delete_reply(request: web.Request) -> web.StreamResponse:
    """POST …/p/{post}/replies/{reply}/delete: delete one's own reply."""
    channel = await web_channel(request)
    me, _form = await require_member(request)
    item = await _post(request, channel=channel, me=me)
    reply_id = request.match_info["reply"]
    _own_reply(request, item=item, me=me, reply_id=reply_id)
    await _record(
        request, _event(ReplyDeleted, request, channel=channel, item=item, me=me, reply_id=reply_id)
    )
    raise _back(channel, f"reply-{reply_id}")
