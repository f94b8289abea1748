"""aiohttp routes for Slack: `POST /slack/events` (events, interactivity and slash commands)
and, for OAuth apps, `GET /slack/install` and `GET /slack/oauth_redirect`.

Bolt verifies every request's signature and dispatches it; the request ↔ response
translation is Bolt's own aiohttp one. Around that, every refusal is counted with its reason
(unsigned, stale, bad signature: worked out only for a request Bolt refused, so a good request
is verified and parsed once), and a body Bolt cannot read, or that is not a Slack request,
gets a 400 (Bolt would fail on it with a 500), or a 401 if it is not signed either.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.metrics import Metrics

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW_SECONDS = 60 * 5
_NOT_SIGNED = "not signed by Slack with our signing secret"


class SlackRoutes:
    """The HTTP face of the Slack adapter."""

    def __init__(self, *, bolt: AsyncApp, signing_secret: str, metrics: Metrics) -> None:
        self._bolt = bolt
        self._verifier = SignatureVerifier(signing_secret)
        self._metrics = metrics

    def add_to(
        self, app: web.Application, *, events_path: str, oauth_paths: tuple[str, str] | None
    ) -> None:
        app.router.add_post(events_path, self.events)
        if oauth_paths is not None:
            app.router.add_get(oauth_paths[0], self.install)
            app.router.add_get(oauth_paths[1], self.oauth_redirect)

    async def events(self, request: web.Request) -> web.StreamResponse:
        body = await request.text()
        content_type = request.headers.get("Content-Type", "")
        try:
            bolt_request = AsyncBoltRequest(
                body=body,
                query=request.query_string,
                headers=request.headers,  # type: ignore[arg-type]
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            # Bolt parses the body as it builds the request: not JSON, or not an object.
            bolt_request = None
        if bolt_request is not None and body.startswith("{"):
            problem = _bad_event(bolt_request.body)  # Bolt's parse, not a second one
        else:
            problem = malformed(body, content_type)
        if bolt_request is None or problem is not None:
            refusal = self._refusal(request.headers, body)
            if refusal is not None:  # unsigned junk is refused as unsigned, not as junk
                return self._refuse(401, refusal, _NOT_SIGNED)
            return self._refuse(400, "malformed", problem or "the body is not a Slack request")
        response = await self._bolt.async_dispatch(bolt_request)
        if response.status == 401:
            refusal = self._refusal(request.headers, body)
            if refusal is not None:  # Bolt's signature check refused it: say why
                return self._refuse(401, refusal, _NOT_SIGNED)
        return await to_aiohttp_response(response)

    async def install(self, request: web.Request) -> web.StreamResponse:
        flow = self._bolt.oauth_flow
        assert flow is not None  # the route exists only for OAuth apps
        response = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def oauth_redirect(self, request: web.Request) -> web.StreamResponse:
        flow = self._bolt.oauth_flow
        assert flow is not None
        response = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    def _refusal(self, headers: Mapping[str, str], body: str) -> str | None:
        signature = headers.get("X-Slack-Signature")
        stamp = headers.get("X-Slack-Request-Timestamp")
        if not signature or not stamp:
            return "unsigned"
        try:
            age = abs(time.time() - int(stamp))
        except ValueError:
            return "bad_timestamp"
        if age > MAX_CLOCK_SKEW_SECONDS:
            return "stale_timestamp"
        if not self._verifier.is_valid(body=body, timestamp=stamp, signature=signature):
            return "bad_signature"
        return None

    def _refuse(self, status: int, reason: str, detail: str) -> web.Response:
        self._metrics.rejected_requests.labels("slack", reason).inc()
        log.warning("refused a Slack request (%s): %s", reason, detail)
        return web.json_response({"error": reason, "detail": detail}, status=status)


def malformed(body: str, content_type: str) -> str | None:
    """Why a verified body is not a Slack request engage can read, or None if it is."""
    if not body:
        return "the body is empty"
    if content_type.startswith("application/json") or body.startswith("{"):
        return _bad_json_event(body)
    try:
        form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        return "the form body cannot be parsed"
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
        except ValueError:
            return "the payload field is not JSON"
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            return "the payload is not an object with a type"
        return None
    if "command" in form or "ssl_check" in form:
        return None
    return "the form is neither a slash command nor an interactivity payload"


def _bad_json_event(body: str) -> str | None:
    try:
        data: Any = json.loads(body)
    except ValueError:
        return "the body is not valid JSON"
    return _bad_event(data)


def _bad_event(data: Any) -> str | None:
    """Why a parsed JSON body is not an event request engage can read, or None if it is."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "the JSON body is not an object with a type"
    if data["type"] != "event_callback":
        return None
    event = data.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return "the event_callback has no event object with a type"
    if not isinstance(data.get("event_id"), str) or not isinstance(data.get("team_id"), str):
        return "the event_callback lacks event_id or team_id"
    return None
