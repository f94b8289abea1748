"""`POST /api/messages`: where the Bot Connector delivers activities.

The request is read and authenticated here, before the SDK runs the bot: the SDK lets some bad
tokens escape as a 500 (an unknown key id is an IndexError, a bad signature a PyJWT error),
so every failure of authentication is answered 401 and counted, and nothing reaches the core.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from botbuilder.core import ActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from bot.metrics import Metrics

log = logging.getLogger(__name__)


class MessagesEndpoint:
    """Verifies, then runs one activity through the CloudAdapter and the bot."""

    def __init__(self, *, adapter: CloudAdapter, bot: ActivityHandler, metrics: Metrics) -> None:
        self._adapter = adapter
        self._bot = bot
        self._metrics = metrics

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return self._reject(
                415, "unsupported_media_type", "send the activity as application/json"
            )
        try:
            body: Any = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return self._reject(400, "malformed_json", "the body is not valid JSON")
        activity = _activity(body)
        if activity is None:
            return self._reject(
                400, "invalid_activity", "the body is not an activity with a type and a serviceUrl"
            )
        header = request.headers.get("Authorization")
        if not header:
            return self._reject(401, "missing_authorization", "no Authorization header")
        try:
            authenticated = await self._adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except Exception as error:  # any failure to authenticate is a 401, whatever raised it
            log.warning(
                "Teams: refused an activity (%s: %s). If every activity is refused, check "
                "MicrosoftAppId and that ENGAGE_TEAMS_OPENID_METADATA_URL (if set) is reachable.",
                type(error).__name__,
                error,
            )
            return self._reject(401, "invalid_token", "the bearer token was not accepted")
        try:
            invoke = await self._adapter.process_activity(
                authenticated, activity, self._bot.on_turn
            )
        except Exception:
            log.exception("Teams: handling a %s activity failed", activity.type)
            return web.json_response({"error": "the bot failed to handle the activity"}, status=500)
        if invoke is None:
            return web.Response(status=200)
        if invoke.body is None:
            return web.Response(status=invoke.status)
        return web.json_response(invoke.body, status=invoke.status)

    def _reject(self, status: int, reason: str, message: str) -> web.Response:
        self._metrics.rejected_requests.labels("teams", reason).inc()
        return web.json_response({"error": message}, status=status)


def _activity(body: Any) -> Activity | None:
    if not isinstance(body, dict):
        return None
    try:
        activity = Activity().deserialize(body)
    except Exception:  # msrest raises several types for ill-typed fields
        return None
    if not activity.type or not activity.service_url:
        return None
    return activity
