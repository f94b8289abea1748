"""Socket Mode: Slack delivers events over a WebSocket engage opens, so no public URL is needed.

`engage serve --slack-socket-mode` runs `run_socket_mode` beside the HTTP server, which still
serves /healthz and runs the outbox (the SlackPlatform is registered by `mount`). Requests over
the socket are not signed; the app-level token (`SLACK_APP_TOKEN`, `xapp-…`) authenticates.
"""

from __future__ import annotations

import logging

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack.mount import build_parts
from bot.services import Services

log = logging.getLogger(__name__)


async def run_socket_mode(services: Services, app_token: str) -> None:
    """Receive Slack events over Socket Mode until `services.stop` is set."""
    parts = build_parts(services)
    handler = AsyncSocketModeHandler(parts.bolt, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    log.info("Slack Socket Mode connected")
    try:
        await services.stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await parts.close()


__all__ = ["run_socket_mode"]
