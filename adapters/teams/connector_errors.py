"""Bot Connector failures as the core's delivery errors.

Teams throttles per bot per thread and answers 429 (sometimes 412, 502 or 504) when pushed; a
bot removed from a team, or a deleted channel, answers 403 or 404.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.credentials import TokenRequestError
from bot.errors import (
    DeliveryError,
    PermanentDeliveryError,
    RateLimited,
    TransientDeliveryError,
)

DEFAULT_BACKOFF_SECONDS = 5.0
_THROTTLING = {429, 412, 502, 504}


def delivery_error(error: Exception, *, what: str) -> DeliveryError:
    """The delivery error for a failed connector call; `what` names the call for the log."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, TokenRequestError):
        kind = TransientDeliveryError if error.transient else PermanentDeliveryError
        return kind(f"{what}: {error}")
    if isinstance(error, HttpOperationError):
        return _from_status(error, what=what)
    if isinstance(error, ClientRequestError | OSError | TimeoutError):
        return TransientDeliveryError(f"{what}: the Bot Connector could not be reached ({error})")
    return PermanentDeliveryError(f"{what}: {type(error).__name__}: {error}")


def _from_status(error: HttpOperationError, *, what: str) -> DeliveryError:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    detail = f"{what}: the Bot Connector answered {status} ({error.message})"
    retry_after = _retry_after(getattr(response, "headers", None) or {})
    if status in _THROTTLING:
        if status == 429 or retry_after is not None:
            return RateLimited(
                detail,
                retry_after=DEFAULT_BACKOFF_SECONDS if retry_after is None else retry_after,
            )
        return TransientDeliveryError(detail)
    if status in (403, 404):
        return PermanentDeliveryError(
            f"{detail}: the bot was removed from the team or the channel is gone; "
            "reinstall the app in the team or deactivate the channel"
        )
    if status == 401:
        return PermanentDeliveryError(f"{detail}: check MicrosoftAppId and MicrosoftAppPassword")
    if status >= 500 or status in (408, 0):
        return TransientDeliveryError(detail)
    return PermanentDeliveryError(detail)


def _retry_after(headers: object) -> float | None:
    get = getattr(headers, "get", None)
    raw = get("Retry-After") if callable(get) else None
    if not raw:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(str(raw)).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None
