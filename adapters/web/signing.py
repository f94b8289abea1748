"""Signed values and CSRF tokens for the web channel, from one secret key.

Stdlib `hmac` rather than a library such as itsdangerous: what is needed is an HMAC-SHA256 over a
small payload, compared in constant time, and that is exactly what `hmac` offers; a dependency
would add a serializer and timestamp formats we do not use on a security-sensitive path.
Every use names a *purpose*, mixed into the MAC, so a value signed for one use (an identity
cookie) can never be replayed as another (an admin cookie or a CSRF token).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs and verifies JSON payloads and derives per-purpose tokens."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the web channel needs a secret key: set ENGAGE_SECRET_KEY")
        self._key = hashlib.sha256(b"engage-web:" + secret.encode("utf-8")).digest()

    def _mac(self, purpose: str, message: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode("utf-8") + b"\x00" + message, "sha256").digest()

    def sign(self, purpose: str, payload: Mapping[str, object]) -> str:
        """`payload` as JSON, base64url-encoded, then "." and its MAC."""
        body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{_b64(self._mac(purpose, body.encode('ascii')))}"

    def unsign(self, purpose: str, value: str | None) -> dict[str, object] | None:
        """The payload of a value signed for `purpose`, or None if it is missing, altered or
        was signed for something else."""
        if not value or value.count(".") != 1 or len(value) > 4096:
            return None
        body, _, mac = value.partition(".")
        try:
            given = _unb64(mac)
            expected = self._mac(purpose, body.encode("ascii"))
            if not hmac.compare_digest(given, expected):
                return None
            payload = json.loads(_unb64(body))
        except (binascii.Error, ValueError, UnicodeError):
            return None
        return payload if isinstance(payload, dict) else None

    def token(self, purpose: str, subject: str) -> str:
        """A token tying `subject` (a user id, a nonce) to `purpose`: the CSRF token."""
        return _b64(self._mac("token:" + purpose, subject.encode("utf-8")))

    def check_token(self, purpose: str, subject: str, token: str | None) -> bool:
        """Whether `token` is `token(purpose, subject)`, compared in constant time."""
        if not token or not subject:
            return False
        return hmac.compare_digest(
            token.encode("utf-8"), self.token(purpose, subject).encode("utf-8")
        )
