"""Signed, expiring download links for exports (Teams and the web channel send these).

A link is `{public_url}/exports/{name}?expires={unix time}&sig={hex}`, where the signature is an
HMAC-SHA256 of the name and expiry under a key derived from `settings.secret_key` for this purpose
only. Stdlib `hmac`: one MAC over two values needs no library. Anyone holding the link can
download until it expires, so it goes only to the organiser who asked, privately.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import quote

from bot.config import Settings

DEFAULT_LINK_SECONDS = 24 * 3600
EXPORT_PATH = "/exports/"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


class LinkCheck(StrEnum):
    """What verifying a link found."""

    OK = "ok"
    EXPIRED = "expired"
    FORGED = "forged"


def is_safe_name(name: str) -> bool:
    """A plain file name: letters, digits, dot, dash, underscore; no path, no leading dot."""
    return _SAFE_NAME.fullmatch(name) is not None and ".." not in name


def _signature(settings: Settings, name: str, expires: int) -> str:
    secret = settings.secret_key.get_secret_value().encode("utf-8")
    key = hashlib.sha256(b"engage-export-link:" + secret).digest()
    return hmac.new(key, f"{name}\x00{expires}".encode(), hashlib.sha256).hexdigest()


def make_export_link(
    settings: Settings, *, path: str, expires_in: float, now: datetime | None = None
) -> str:
    """A link to download the export file `path` (a file name in the export folder) until
    `expires_in` seconds from now."""
    if not is_safe_name(path):
        raise ValueError(f"{path!r} is not a plain file name in the export folder")
    expires = int((now or datetime.now(UTC)).timestamp() + expires_in)
    base = settings.public_url.rstrip("/")
    signature = _signature(settings, path, expires)
    return f"{base}{EXPORT_PATH}{quote(path)}?expires={expires}&sig={signature}"


def verify_export_link(
    settings: Settings, *, name: str, expires: str, signature: str, now: datetime
) -> LinkCheck:
    """Whether a link's name, expiry and signature belong together, and it has not expired."""
    well_formed = expires.isascii() and expires.isdecimal() and len(expires) <= 12
    if not is_safe_name(name) or not well_formed or not signature.isascii():
        return LinkCheck.FORGED
    expected = _signature(settings, name, int(expires))
    if not hmac.compare_digest(expected, signature):
        return LinkCheck.FORGED
    if now.timestamp() >= int(expires):
        return LinkCheck.EXPIRED
    return LinkCheck.OK
