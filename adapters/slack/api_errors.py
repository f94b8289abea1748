"""Slack Web API failures as the core's delivery errors.

The outbox sender owns retrying, so the Web API client is built without slack_sdk's retry
handlers and every failure is classified here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)

# Errors that retrying cannot fix; each message says what to do about it.
PERMANENT = {
    "channel_not_found": "the channel does not exist or the bot cannot see it",
    "not_in_channel": "the bot is not a member of the channel: invite it with /invite @engage",
    "is_archived": "the channel is archived: unarchive it or remove it from engage",
    "invalid_blocks": "Slack refused the message layout (a Block Kit limit): report this as a bug",
    "msg_too_long": "the message is too long for Slack: report this as a bug",
    "invalid_auth": "the bot token is not valid: check SLACK_BOT_TOKEN or reinstall the app",
    "account_inactive": "the bot token belongs to a deactivated app or user: reinstall the app",
    "token_revoked": "the bot token was revoked: reinstall the app",
    "missing_scope": "the app lacks a scope: add it in the manifest and reinstall",
    "restricted_action": "the workspace does not allow the bot to post here",
}
DEFAULT_RETRY_AFTER = 1.0


def classify(error: SlackApiError | aiohttp.ClientError | TimeoutError) -> DeliveryError:
    """The core's error for a failed Web API call."""
    if not isinstance(error, SlackApiError):
        return TransientDeliveryError(f"Slack could not be reached ({error!r}); will retry")
    status = error.response.status_code
    code = _code(error)
    if status == 429 or code == "ratelimited":
        return RateLimited(
            "Slack rate limit (HTTP 429)", retry_after=_retry_after(error.response.headers)
        )
    if status >= 500 or code in {"internal_error", "fatal_error", "service_unavailable"}:
        return TransientDeliveryError(f"Slack answered HTTP {status} ({code or 'no error code'})")
    reason = PERMANENT.get(code, "Slack refused the call")
    return PermanentDeliveryError(f"{code or f'HTTP {status}'}: {reason}")


@asynccontextmanager
async def delivery_errors() -> AsyncIterator[None]:
    """Raise the core's delivery errors for failures of the Web API calls in the block."""
    try:
        yield
    except (TimeoutError, SlackApiError, aiohttp.ClientError) as error:
        raise classify(error) from error


def _code(error: SlackApiError) -> str:
    data = error.response.data
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _retry_after(headers: Any) -> float:
    """Retry-After in seconds; aiohttp hands slack_sdk a case-insensitive multidict."""
    getter = getattr(headers, "get", None)
    value = (getter("Retry-After") or getter("retry-after")) if callable(getter) else None
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(str(value))) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
