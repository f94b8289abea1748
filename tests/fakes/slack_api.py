"""A loopback fake of the Slack Web API, enforcing the limits the real one does.

It serves `POST|GET /api/<method>` on 127.0.0.1 (port 0) for the methods engage calls, checks
bot tokens (`invalid_auth`), refuses Block Kit that breaks Slack's limits (`invalid_blocks`,
`msg_too_long`, `invalid_arguments` for modals), allows one chat.postMessage per channel per
`post_interval` seconds (429 with Retry-After), can answer a fraction of calls with 429 or 5xx,
and records every call. Files go through Slack's external upload flow (tests/fakes/slack_files.py),
and conversations.open gives the bot a DM with a user. Time comes from an injectable `now()` so
a test's ManualClock and the fake agree.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from tests.fakes.slack_blockkit import (
    MESSAGE_BLOCK_TEXT,
    block_text_length,
    message_problems,
    view_problems,
)
from tests.fakes.slack_files import UPLOAD_PATH, FakeFiles, SharedFile
from tests.fakes.slack_records import Bot, Call, FakeChannel, Faults, Message, Scripted

__all__ = ["Bot", "Call", "FakeChannel", "FakeSlackApi", "Faults", "Message", "SharedFile"]


@dataclass(kw_only=True)
class FakeSlackApi:
    """The fake server; `await start()` returns the base URL for `AsyncWebClient`."""

    bots: dict[str, Bot] = field(default_factory=dict)
    channels: dict[str, FakeChannel] = field(default_factory=dict)
    now: Callable[[], float] = time.monotonic
    post_interval: float = 1.0
    whole_second_retry_after: bool = True
    # Slack documents no byte limit for a chat.postMessage request: only the `text` field
    # (40,000 characters, truncated beyond with a `message_truncated` warning), 50 blocks a
    # message and each block's own limits. Its `msg_blocks_too_long` answer has no published
    # threshold. This is our own conservative model of "too large": a request body (as sent,
    # JSON with non-ASCII escaped) over this many bytes is answered `msg_too_long`. engage's
    # layout keeps each message's blocks + text within 40,000 bytes, under it with room to spare.
    # (The text across a message's blocks has a ceiling of its own: `MESSAGE_BLOCK_TEXT`.)
    max_payload_bytes: int = 50_000
    faults: Faults = field(default_factory=Faults)
    client_id: str = "111.222"
    client_secret: str = "client-secret"
    oauth_codes: dict[str, tuple[str, Bot]] = field(default_factory=dict)
    app_tokens: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    views: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._last_post: dict[str, float] = {}
        self._random = random.Random(self.faults.seed)
        self._counter = 0
        self._scripted: list[Scripted] = []
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_connected = asyncio.Event()
        self.socket_acks: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.base_url = ""
        # External file uploads (files.getUploadURLExternal → upload URL → complete).
        self.files = FakeFiles(base_url=lambda: self.base_url)

    def fail_next(self, method: str, kind: str, *, retry_after: float = 1.0, skip: int = 0) -> None:
        """Answer a coming call to `method` with a failure (see Scripted)."""
        self._scripted.append(
            Scripted(method=method, kind=kind, retry_after=retry_after, skip=skip)
        )

    def add_channel(self, channel_id: str, name: str, **flags: bool) -> FakeChannel:
        channel = FakeChannel(id=channel_id, name=name, **flags)
        self.channels[channel_id] = channel
        return channel

    def posted(self, channel: str | None = None) -> list[Message]:
        """Accepted messages, oldest first, of one channel or all."""
        return [m for m in self.messages if channel is None or m.channel == channel]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        # For a fake running in another process (the benchmarks): its records, and channels.
        app.router.add_get("/_fake/records", self._records)
        app.router.add_post("/_fake/channels", self._add_channels)
        app.router.add_get("/_fake/socket", self._socket)
        app.router.add_post(UPLOAD_PATH, self.files.receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}/api/"
        return self.base_url

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to every connected client."""
        for socket in self._sockets:
            await socket.send_json(envelope)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.socket_connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await self.socket_acks.put(json.loads(message.data))
        self._sockets.remove(socket)
        return socket

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _records(self, request: web.Request) -> web.Response:
        messages = [
            {"channel": m.channel, "ts": m.ts, "thread_ts": m.thread_ts, "text": m.text, "at": m.at}
            for m in self.messages
        ]
        calls = [
            {
                "method": c.method,
                "status": c.status,
                "error": c.error,
                "at": c.at,
                "channel": c.args.get("channel"),
            }
            for c in self.calls
        ]
        return web.json_response({"messages": messages, "calls": calls})

    async def _add_channels(self, request: web.Request) -> web.Response:
        for channel in await request.json():
            self.add_channel(str(channel["id"]), str(channel["name"]))
        return web.json_response({"ok": True})

    # --- request handling ----------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.read()
        args = await _arguments(request, raw)
        token = _token(request, args)
        handler = _HANDLERS.get(method)
        if handler is None:
            return self._answer(method, args, token, {"ok": False, "error": "unknown_method"})
        if method in self.faults.methods and self._random.random() < self.faults.rate:
            return self._fault(method, args, token, self._random.choice(self.faults.kinds))
        scripted = self._take_scripted(method)
        if scripted is not None:
            if scripted.kind in ("429", "503"):
                return self._fault(method, args, token, scripted.kind, scripted.retry_after)
            return self._answer(method, args, token, {"ok": False, "error": scripted.kind})
        if method == "apps.connections.open":
            if token not in self.app_tokens:
                return self._answer(method, args, token, {"ok": False, "error": "invalid_auth"})
        elif method != "oauth.v2.access" and token not in self.bots:
            return self._answer(method, args, token, {"ok": False, "error": "invalid_auth"})
        result = handler(self, args, token, len(raw))
        if isinstance(result, web.Response):
            self._record(method, args, token, result.status, "ratelimited")
            return result
        return self._answer(method, args, token, result)

    def _answer(
        self, method: str, args: Mapping[str, Any], token: str | None, body: dict[str, Any]
    ) -> web.Response:
        self._record(method, args, token, 200, None if body.get("ok") else body.get("error"))
        return web.json_response(body)

    def _record(
        self, method: str, args: Mapping[str, Any], token: str | None, status: int, error: Any
    ) -> None:
        self.calls.append(
            Call(method=method, args=args, token=token, at=self.now(), status=status, error=error)
        )

    def _take_scripted(self, method: str) -> Scripted | None:
        for index, scripted in enumerate(self._scripted):
            if scripted.method != method:
                continue
            if scripted.skip > 0:
                scripted.skip -= 1
                return None
            return self._scripted.pop(index)
        return None

    def _fault(
        self,
        method: str,
        args: Mapping[str, Any],
        token: str | None,
        kind: str,
        retry_after: float | None = None,
    ) -> web.Response:
        if kind == "429":
            self._record(method, args, token, 429, "ratelimited")
            return _too_many(self.faults.retry_after if retry_after is None else retry_after)
        self._record(method, args, token, 503, "service_unavailable")
        return web.Response(status=503, text="Service Unavailable")

    def _retry_after(self, seconds: float) -> float:
        return float(max(1, math.ceil(seconds))) if self.whole_second_retry_after else seconds

    def _next_ts(self) -> str:
        self._counter += 1
        return f"{1_700_000_000 + self._counter}.{self._counter:06d}"

    # --- methods -------------------------------------------------------------------------

    def auth_test(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        bot = self.bots[token or ""]
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake team",
            "user": "engage",
            "team_id": bot.team_id,
            "user_id": bot.user_id,
            "bot_id": bot.bot_id,
            "is_enterprise_install": False,
        }

    def post_message(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.archived:
            return {"ok": False, "error": "is_archived"}
        if not channel.member:
            return {"ok": False, "error": "not_in_channel"}
        blocks = _json_list(args.get("blocks"))
        text = str(args.get("text") or "")
        if blocks is None:
            return {"ok": False, "error": "invalid_blocks_format"}
        if not text and not blocks:
            return {"ok": False, "error": "no_text"}
        # Slack truncates `text` past 40,000 characters with a warning; refusing it instead makes
        # a test notice. `size` is the whole request body in bytes, as received.
        if len(text) > 40_000 or size > self.max_payload_bytes:
            return {"ok": False, "error": "msg_too_long"}
        problems = message_problems(blocks)
        if problems:
            return {
                "ok": False,
                "error": "invalid_blocks",
                "response_metadata": {"messages": problems},
            }
        if block_text_length(blocks) > MESSAGE_BLOCK_TEXT:
            return {"ok": False, "error": "msg_blocks_too_long"}
        now = self.now()
        last = self._last_post.get(channel.id)
        if last is not None and now - last < self.post_interval:
            return _too_many(self._retry_after(self.post_interval - (now - last)))
        self._last_post[channel.id] = now
        ts = self._next_ts()
        thread = args.get("thread_ts")
        self.messages.append(
            Message(
                channel=channel.id,
                ts=ts,
                thread_ts=str(thread) if thread else None,
                text=text,
                blocks=blocks,
                payload_bytes=size,
                at=now,
            )
        )
        return {"ok": True, "channel": channel.id, "ts": ts, "message": {"text": text, "ts": ts}}

    def post_ephemeral(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        if str(args.get("channel", "")) not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        self.ephemerals.append(dict(args))
        return {"ok": True, "message_ts": self._next_ts()}

    def views_open(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view")
        view = json.loads(view) if isinstance(view, str) else view
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        problems = view_problems(view)
        if problems:
            return {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": problems},
            }
        # Kept as Slack answers it: with the id and hash a submission or a menu request names.
        shown = {**view, "id": f"V{len(self.views) + 1:08d}", "hash": "h1"}
        self.views.append(shown)
        return {"ok": True, "view": shown}

    def conversations_info(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": channel.id,
                "name": channel.name,
                "is_channel": not channel.im and not channel.private,
                "is_group": channel.private,
                "is_im": channel.im,
                "is_private": channel.private or channel.im,
                "is_archived": channel.archived,
                "is_member": channel.member,
            },
        }

    def conversations_open(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        if any(not u.startswith(("U", "W")) for u in users):
            return {"ok": False, "error": "user_not_found"}
        prefix = "D" if len(users) == 1 else "G"
        channel_id = prefix + "".join(u[1:] for u in users)
        if channel_id not in self.channels:
            self.channels[channel_id] = FakeChannel(id=channel_id, name=",".join(users), im=True)
        return {"ok": True, "channel": {"id": channel_id}}

    def upload_url(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        return self.files.upload_url(args)

    def complete_upload(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        return self.files.complete(args, channels=self.channels)

    def get_permalink(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"https://fake.slack.test/archives/{channel}/p{ts.replace('.', '')}",
        }

    def connections_open(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        return {
            "ok": True,
            "url": self.base_url.replace("http://", "ws://").replace("/api/", "/_fake/socket"),
        }

    def oauth_access(self, args: Mapping[str, Any], token: str | None, size: int) -> Any:
        if (
            args.get("client_id") != self.client_id
            or args.get("client_secret") != self.client_secret
        ):
            return {"ok": False, "error": "invalid_client_id"}
        grant = self.oauth_codes.pop(str(args.get("code", "")), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        bot_token, bot = grant
        self.bots[bot_token] = bot
        return {
            "ok": True,
            "access_token": bot_token,
            "token_type": "bot",
            "scope": "chat:write,commands,reactions:read",
            "bot_user_id": bot.user_id,
            "app_id": bot.app_id,
            "team": {"id": bot.team_id, "name": "Fake team"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }


_HANDLERS: dict[str, Callable[[FakeSlackApi, Mapping[str, Any], str | None, int], Any]] = {
    "auth.test": FakeSlackApi.auth_test,
    "chat.postMessage": FakeSlackApi.post_message,
    "chat.postEphemeral": FakeSlackApi.post_ephemeral,
    "chat.getPermalink": FakeSlackApi.get_permalink,
    "views.open": FakeSlackApi.views_open,
    "conversations.info": FakeSlackApi.conversations_info,
    "conversations.open": FakeSlackApi.conversations_open,
    "files.getUploadURLExternal": FakeSlackApi.upload_url,
    "files.completeUploadExternal": FakeSlackApi.complete_upload,
    "oauth.v2.access": FakeSlackApi.oauth_access,
    "apps.connections.open": FakeSlackApi.connections_open,
}


def _too_many(retry_after: float) -> web.Response:
    shown = str(int(retry_after)) if float(retry_after).is_integer() else f"{retry_after:.3f}"
    return web.json_response(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": shown}
    )


async def _arguments(request: web.Request, raw: bytes) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        args.update(client_id=user, client_secret=password)
    if not raw:
        return args
    if request.content_type == "application/json":
        body = json.loads(raw)
        if isinstance(body, dict):
            args.update(body)
    else:
        args.update(parse_qsl(raw.decode(), keep_blank_values=True))
    return args


def _token(request: web.Request, args: Mapping[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ")
    if header.startswith("Basic "):
        return None  # oauth.v2.access: the client id and secret, read by _arguments
    token = args.get("token")
    return str(token) if token else None


def _json_list(value: Any) -> list[dict[str, Any]] | None:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, list) else None
