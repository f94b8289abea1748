"""A loopback fake of the Bot Framework Connector (v3) as Teams runs it, on aiohttp, port 0.

It serves the calls the bot makes — create a conversation (a new channel thread), send, reply,
update, delete, and list a team's channels — and enforces what the real service enforces:
a bearer token from the (loopback) token issuer, the ~28 KB message limit (413
MessageSizeTooBig), the per-thread rate limits (429 with Retry-After), bots removed from a
team (403) and unknown channels (404). Every call is recorded; request bodies are checked
against the Bot Connector v3 Swagger definitions when the spec is at hand.
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from aiohttp import web

from tests.fakes.token_issuer import TokenIssuer

MAX_MESSAGE_BYTES = 28 * 1024
# Per bot per thread: (requests, seconds).
THREAD_LIMITS = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))


@dataclass(frozen=True, kw_only=True)
class Call:
    """One request the fake received and what it answered."""

    method: str
    path: str
    conversation_id: str | None
    body: Any
    status: int
    at: float


@dataclass(kw_only=True)
class Message:
    """A message the fake accepted into a thread."""

    id: str
    thread_id: str
    activity: dict[str, Any]
    at: float
    deleted: bool = False


@dataclass(kw_only=True)
class _Failure:
    status: int
    retry_after: float | None
    code: str
    in_threads_only: bool


@dataclass(kw_only=True)
class FakeBotConnector:
    """The fake's state: teams and their channels, threads, calls, and scripted failures."""

    issuer: TokenIssuer
    spec: dict[str, Any] | None = None
    clock: Callable[[], float] = time.monotonic
    teams: dict[str, tuple[str, list[tuple[str, str | None]]]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    spec_violations: list[str] = field(default_factory=list)
    _failures: deque[_Failure] = field(default_factory=deque)
    _sent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _next_id: int = 1_700_000_000_000
    _runner: web.AppRunner | None = None
    url: str = ""

    # Scripting ---------------------------------------------------------------------------

    def add_team(self, team_id: str, name: str, channels: list[tuple[str, str | None]]) -> None:
        """A team the bot is in; the General channel's id is the team id, its name None."""
        self.teams[team_id] = (name, channels)

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        retry_after: float | None = None,
        code: str = "Throttled",
        in_threads_only: bool = False,
    ) -> None:
        """Answer the next `times` message requests with this status (with `in_threads_only`,
        the next messages into an existing thread, such as a section's continuations)."""
        for _ in range(times):
            self._failures.append(
                _Failure(
                    status=status,
                    retry_after=retry_after,
                    code=code,
                    in_threads_only=in_threads_only,
                )
            )

    # Reading -----------------------------------------------------------------------------

    def threads(self) -> list[str]:
        """Thread ids in the order their roots were created."""
        roots = [m for m in self.messages if m.id == m.thread_id.rsplit("=", 1)[-1]]
        return [m.thread_id for m in roots]

    def in_thread(self, thread_id: str) -> list[Message]:
        return [m for m in self.messages if m.thread_id == thread_id]

    def message(self, message_id: str) -> Message:
        return next(m for m in self.messages if m.id == message_id)

    # Serving -----------------------------------------------------------------------------

    async def start(self) -> FakeBotConnector:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_delete(
            "/v3/conversations/{conversation}/activities/{activity}", self._delete
        )
        app.router.add_get("/v3/teams/{team}/conversations", self._channels)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        raw = await request.read()
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        conversation = request.match_info.get("conversation")
        response = await self._check(request, raw, body, conversation) or await handler(request)
        self.calls.append(
            Call(
                method=request.method,
                path=request.path,
                conversation_id=conversation,
                body=body,
                status=response.status,
                at=self.clock(),
            )
        )
        return response

    async def _check(
        self, request: web.Request, raw: bytes, body: Any, conversation: str | None
    ) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        try:
            if scheme != "Bearer":
                raise ValueError("no bearer token")
            self.issuer.verify_access_token(token)
        except Exception as error:
            return _error(401, "Unauthorized", f"Authorization has been denied: {error}")
        if request.method == "GET":
            return None
        kind = "ConversationParameters" if conversation is None else "Activity"
        problems = self._violations(kind, body) if request.method != "DELETE" else []
        if problems:
            self.spec_violations.extend(problems)
            return _error(400, "BadSyntax", "; ".join(problems))
        if len(raw) > MAX_MESSAGE_BYTES:
            return _error(413, "MessageSizeTooBig", f"message is {len(raw)} bytes")
        channel = self._channel_of(conversation, body)
        if channel in self.forbidden:
            return _error(403, "BotNotInConversationRoster", "the bot is not part of the team")
        in_thread = conversation is not None and ";messageid=" in conversation
        if self._failures and (in_thread or not self._failures[0].in_threads_only):
            failure = self._failures.popleft()
            return _error(
                failure.status, failure.code, "scripted failure", retry_after=failure.retry_after
            )
        wait = self._throttle(channel)
        if wait > 0:
            return _error(429, "Throttled", "too many requests", retry_after=math.ceil(wait))
        return None

    def _violations(self, kind: str, body: Any) -> list[str]:
        if self.spec is None:
            return []
        schema = {"$ref": f"#/definitions/{kind}", "definitions": self.spec["definitions"]}
        validator = jsonschema.Draft4Validator(schema)
        return [f"{kind}: {e.json_path}: {e.message}" for e in validator.iter_errors(body)]

    def _throttle(self, channel: str) -> float:
        now = self.clock()
        sent = self._sent[channel]
        wait = 0.0
        for count, seconds in THREAD_LIMITS:
            in_window = [t for t in sent if now - t < seconds]
            if len(in_window) >= count:
                wait = max(wait, seconds - (now - in_window[-count]))
        if wait <= 0:
            sent.append(now)
            while sent and now - sent[0] >= THREAD_LIMITS[-1][1]:
                sent.popleft()
        return wait

    def _channel_of(self, conversation: str | None, body: Any) -> str:
        if conversation is not None:
            return conversation.split(";", 1)[0]
        channel = ((body or {}).get("channelData") or {}).get("channel") or {}
        return str(channel.get("id", ""))

    def _known_channel(self, channel: str) -> bool:
        return any(channel == cid for _, channels in self.teams.values() for cid, _ in channels)

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel = self._channel_of(None, body)
        if not body.get("isGroup") or not self._known_channel(channel):
            return _error(404, "ConversationNotFound", f"channel {channel!r} not found")
        root = self._new_id()
        thread = f"{channel};messageid={root}"
        activity = body.get("activity") or {}
        self.messages.append(Message(id=root, thread_id=thread, activity=activity, at=self.clock()))
        return web.json_response({"id": thread, "activityId": root}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        # Personal (1:1) conversation ids start with "a:"; channel ones must be known.
        if not conversation.startswith("a:") and not self._known_channel(
            conversation.split(";", 1)[0]
        ):
            return _error(404, "ConversationNotFound", "conversation not found")
        message_id = self._new_id()
        activity = await request.json()
        self.messages.append(
            Message(id=message_id, thread_id=conversation, activity=activity, at=self.clock())
        )
        return web.json_response({"id": message_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        found = [m for m in self.messages if m.id == request.match_info["activity"]]
        if not found:
            return _error(404, "ActivityNotFound", "no such message")
        found[0].activity = await request.json()
        return web.json_response({"id": found[0].id})

    async def _delete(self, request: web.Request) -> web.Response:
        found = [m for m in self.messages if m.id == request.match_info["activity"]]
        if not found:
            return _error(404, "ActivityNotFound", "no such message")
        found[0].deleted = True
        return web.Response(status=200)

    async def _channels(self, request: web.Request) -> web.Response:
        team = self.teams.get(request.match_info["team"])
        if team is None:
            return _error(404, "NotFound", "team not found")
        return web.json_response(
            {"conversations": [{"id": cid, "name": name} for cid, name in team[1]]}
        )


def _error(
    status: int, code: str, message: str, *, retry_after: float | None = None
) -> web.Response:
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
