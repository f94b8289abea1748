"""CSRF tokens for the web channel's forms.

Every POST form carries a hidden `csrf_token`: an HMAC of the member's user id (from the signed
identity cookie), the organiser's session, or the browser's nonce (for the forms shown before
anyone is known), each with its own purpose. A cross-site page cannot read the cookie, so it
cannot compute the token; SameSite=Lax keeps the cookie off cross-site POSTs as a second fence.
"""

from __future__ import annotations

from adapters.web.signing import Signer

FIELD = "csrf_token"
MEMBER = "member-form"
ADMIN = "admin-form"
ANONYMOUS = "anonymous-form"


def token_for(signer: Signer, *, purpose: str, subject: str) -> str:
    """The token to put in a form's hidden field."""
    return signer.token(purpose, subject)


def valid(signer: Signer, *, purpose: str, subject: str | None, given: str | None) -> bool:
    """Whether a submitted token belongs to this subject and purpose."""
    return subject is not None and signer.check_token(purpose, subject, given)
