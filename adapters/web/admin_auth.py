"""The organiser's session on the web channel: a token login and a signed, short-lived cookie.

The cookie's signature covers a digest of the configured token, so changing
ENGAGE_ADMIN_TOKEN ends every open organiser session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from aiohttp import web
from pydantic import SecretStr

from adapters.web.signing import Signer
from bot.ports import Clock

ADMIN_COOKIE = "engage_web_admin"
SESSION_SECONDS = 12 * 3600
ADMIN_PATH = "/web/admin"


class AdminAuth:
    """Checks the organiser token and issues and reads organiser sessions."""

    def __init__(self, *, signer: Signer, token: SecretStr | None, clock: Clock) -> None:
        self._signer = signer
        self._token = token.get_secret_value() if token is not None else ""
        self._clock = clock
        digest = hashlib.sha256(self._token.encode("utf-8")).hexdigest()
        self._purpose = f"admin-session:{digest}"

    @property
    def enabled(self) -> bool:
        """Whether an organiser token is configured at all."""
        return bool(self._token)

    def token_matches(self, given: str) -> bool:
        """Whether `given` is the organiser token (constant-time)."""
        if not self.enabled:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self._token.encode("utf-8"))

    def session(self, request: web.Request) -> str | None:
        """The open session's id, or None when there is none or it has expired."""
        if not self.enabled:
            return None
        payload = self._signer.unsign(self._purpose, request.cookies.get(ADMIN_COOKIE))
        if payload is None:
            return None
        session, issued = payload.get("s"), payload.get("iat")
        if not isinstance(session, str) or not isinstance(issued, int | float):
            return None
        age = self._clock.now().timestamp() - issued
        return session if 0 <= age <= SESSION_SECONDS else None

    def open_session(self, response: web.StreamResponse, *, secure: bool) -> None:
        """Start a session: set the signed cookie on `response`."""
        value = self._signer.sign(
            self._purpose,
            {"s": secrets.token_hex(16), "iat": int(self._clock.now().timestamp())},
        )
        response.set_cookie(
            ADMIN_COOKIE,
            value,
            max_age=SESSION_SECONDS,
            path=ADMIN_PATH,
            httponly=True,
            samesite="Strict",
            secure=secure,
        )

    def close_session(self, response: web.StreamResponse) -> None:
        """End the session."""
        response.del_cookie(ADMIN_COOKIE, path=ADMIN_PATH)
