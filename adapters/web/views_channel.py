"""Pages that show web channels: the list, a channel, one section, and live counts."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from adapters.web.context import member, render, web_channel, web_context
from adapters.web.identity_form import anonymous_form_token
from adapters.web.present import section_view
from bot.domain import Channel, Platform
from bot.feed import FeedItem, channel_feed, channel_notices, platform_channels


@dataclass(frozen=True, kw_only=True)
class Problem:
    """A refused reply or edit, shown next to the box it came from with the text kept."""

    post_id: int
    message: str
    text: str
    reply_id: str | None = None


async def index(request: web.Request) -> web.Response:
    """GET /web/: the web channels."""
    channels = await platform_channels(web_context(request).services.store, platform=Platform.WEB)
    return render(request, "index.html", values={"channels": channels})


async def _feed(request: web.Request, channel: Channel) -> list[FeedItem]:
    ctx = web_context(request)
    me = member(request)
    return await channel_feed(
        ctx.services.store,
        channel_id=channel.id,
        viewer_user_id=me.user_id if me else None,
    )


async def render_channel(
    request: web.Request,
    channel: Channel,
    *,
    only_section: str | None = None,
    problem: Problem | None = None,
    status: int = 200,
) -> web.Response:
    """The channel page (or one section of it), optionally with a refused reply shown."""
    ctx = web_context(request)
    items = await _feed(request, channel)
    if only_section is not None:
        items = [i for i in items if i.section.id == only_section and i.latest]
        if not items:
            raise web.HTTPNotFound(
                text=f"The section '{only_section}' has not been posted to #{channel.name}."
            )
    thanks = request.query.get("thanks", "")
    anonymous = anonymous_form_token(request) if member(request) is None else None
    response = render(
        request,
        "channel.html",
        values={
            "channel": channel,
            "sections": [section_view(i, emojis=ctx.reactions) for i in items],
            "notices": []
            if only_section
            else await channel_notices(ctx.services.store, channel_id=channel.id),
            "thanks_post": int(thanks) if thanks.isdigit() else None,
            "problem": problem,
            "single": only_section is not None,
            "anonymous_csrf": anonymous.token if anonymous else "",
            "next_path": request.path,
        },
        status=status,
    )
    if anonymous is not None:
        anonymous.attach(response)
    return response


async def channel_page(request: web.Request) -> web.Response:
    """GET /web/c/{channel}."""
    return await render_channel(request, await web_channel(request))


async def section_page(request: web.Request) -> web.Response:
    """GET /web/c/{channel}/s/{section}: the newest copy of one section."""
    channel = await web_channel(request)
    return await render_channel(request, channel, only_section=request.match_info["section"])


async def live_counts(request: web.Request) -> web.Response:
    """GET /web/c/{channel}/live.json: reaction counts per post, for the page's small script."""
    channel = await web_channel(request)
    items = await _feed(request, channel)
    emojis = web_context(request).reactions
    body = {
        "posts": {str(i.post.id): {e: i.reactions.get(e, 0) for e in emojis} for i in items},
        "replies": {str(i.post.id): sum(not r.deleted for r in i.replies) for i in items},
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})
