"""Response headers every web channel page gets, and error pages a person can read."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.web.context import render

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# Scripts and styles come only from our own static files: an injected inline script cannot run
# even if escaping were ever missed somewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_TITLES = {
    400: "The request could not be read",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too much sent at once",
    422: "Please check what you entered",
}


@web.middleware
async def headers_and_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the security headers, and show 4xx errors as a page with what to do next."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.status >= 500:
            _secure(exc)
            raise
        log.info("web %s %s -> %s: %s", request.method, request.path, exc.status, exc.text)
        response = render(
            request,
            "error.html",
            values={"title": _TITLES.get(exc.status, "Something went wrong"), "message": exc.text},
            status=exc.status,
        )
    _secure(response)
    return response


def _secure(response: web.StreamResponse) -> None:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
