"""Signing requests the way Slack does: `v0=` + HMAC-SHA256(secret, `v0:{timestamp}:{body}`),
with slack_sdk's own SignatureVerifier so the signature is exactly what Bolt checks."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier


def signed_headers(
    body: str,
    *,
    secret: str,
    timestamp: int | None = None,
    content_type: str = "application/json",
) -> dict[str, str]:
    """Headers for a request Slack would send with `body`; `timestamp` defaults to now."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
