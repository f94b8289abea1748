"""Who is using the web channel: a member identity kept in a signed cookie.

A member gives a display name and an organisation once; the cookie holds those and a random
user id (`w_<hex>`). It is HTTP-only, SameSite=Lax and signed, so neither a script nor the member
can forge someone else's id. The core sees the member as an `Actor`.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass

from aiohttp import web

from adapters.web.signing import Signer
from bot.domain import Actor

IDENTITY_COOKIE = "engage_web_identity"
NONCE_COOKIE = "engage_web_nonce"
_PURPOSE = "identity"
_USER_ID = re.compile(r"^w_[0-9a-f]{32}$")
IDENTITY_MAX_AGE = 365 * 24 * 3600
MAX_NAME = 80
MAX_ORGANISATION = 120


@dataclass(frozen=True, kw_only=True)
class WebIdentity:
    """A member of the web channel."""

    user_id: str
    display_name: str
    organisation: str

    @property
    def actor(self) -> Actor:
        """The member as the core's events name them."""
        return Actor(
            user_id=self.user_id, display_name=self.display_name, organisation=self.organisation
        )


def new_user_id() -> str:
    """A fresh random member id."""
    return "w_" + secrets.token_hex(16)


def read_identity(request: web.Request, signer: Signer) -> WebIdentity | None:
    """The member behind a request, or None when the cookie is absent or not ours."""
    payload = signer.unsign(_PURPOSE, request.cookies.get(IDENTITY_COOKIE))
    if payload is None:
        return None
    user_id, name, org = payload.get("u"), payload.get("n"), payload.get("o")
    if not (isinstance(user_id, str) and isinstance(name, str) and isinstance(org, str)):
        return None
    if not _USER_ID.match(user_id):
        return None
    return WebIdentity(user_id=user_id, display_name=name, organisation=org)


def write_identity(
    response: web.StreamResponse, *, signer: Signer, identity: WebIdentity, secure: bool
) -> None:
    """Set the signed identity cookie on `response`."""
    value = signer.sign(
        _PURPOSE, {"u": identity.user_id, "n": identity.display_name, "o": identity.organisation}
    )
    response.set_cookie(
        IDENTITY_COOKIE,
        value,
        max_age=IDENTITY_MAX_AGE,
        path="/web/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def clean_name(value: str, *, label: str, maximum: int) -> tuple[str, str | None]:
    """The value normalised (NFC, spaces collapsed, control characters refused) and an error
    message, or None when it is fine."""
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text):
        return text, f"{label} can only contain letters, digits, spaces and punctuation."
    if not text:
        return text, f"Enter your {label.lower()}."
    if len(text) > maximum:
        return text, f"{label} must be {maximum} characters or fewer."
    return text, None


def nonce(request: web.Request) -> str | None:
    """The browser's random nonce (set with the identity and admin login forms), if any."""
    value = request.cookies.get(NONCE_COOKIE)
    return value if value and re.fullmatch(r"[0-9a-f]{32}", value) else None
