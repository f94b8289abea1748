"""*Delete my data*: a member erases what the consultation holds about them.

The core's `erase_participant` empties their replies, reduces their feedback to the anonymous
counts and forgets their name; this view then forgets them on this browser too (the identity
cookie is removed) and says what was removed.
"""

from __future__ import annotations

import logging

from aiohttp import web

from adapters.web.context import PREFIX, WORKSPACE, member, render, require_member, web_context
from adapters.web.identity import IDENTITY_COOKIE
from bot.domain import Platform
from bot.privacy import UnknownParticipant, erase_participant, erasure_text

log = logging.getLogger(__name__)

NOTHING_HELD = (
    "We held nothing about you apart from the name and organisation this browser remembered, "
    "and that is now removed."
)


async def delete_page(request: web.Request) -> web.StreamResponse:
    """GET /web/me/delete: what deleting removes, and the button that does it."""
    if member(request) is None:
        raise web.HTTPSeeOther(f"{PREFIX}/identity")
    return render(request, "delete_confirm.html", values={})


async def delete_data(request: web.Request) -> web.StreamResponse:
    """POST /web/me/delete: erase the member's data, forget them here, and say what went."""
    me, _form = await require_member(request)
    services = web_context(request).services
    try:
        counts = await erase_participant(
            services.store,
            platform=Platform.WEB,
            workspace_id=WORKSPACE,
            user_id=me.user_id,
            # The core writes "self" to the audit log when the actor names the member's own id.
            actor=f"web:{me.user_id}",
            now=services.clock.now(),
        )
    except UnknownParticipant:
        summary = NOTHING_HELD
        log.info("a web member with no stored data asked for deletion; cookie removed")
    else:
        summary = erasure_text(counts)
        log.info("web member erased at their request: %s", counts.participant_key)
    # `me: None`: the page is shown as to someone this browser no longer knows.
    response = render(request, "deleted.html", values={"summary": summary, "me": None})
    response.del_cookie(IDENTITY_COOKIE, path=PREFIX + "/")
    return response
