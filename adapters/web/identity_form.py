"""The small form where a member says who they are, and its CSRF token before anyone is known."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aiohttp import web

from adapters.web import csrf
from adapters.web.context import PREFIX, member, refuse, render, web_context
from adapters.web.formdata import one, read_form
from adapters.web.identity import (
    MAX_NAME,
    MAX_ORGANISATION,
    NONCE_COOKIE,
    WebIdentity,
    clean_name,
    new_user_id,
    nonce,
    write_identity,
)


@dataclass(frozen=True, kw_only=True)
class AnonymousToken:
    """A CSRF token tied to the browser's nonce cookie; `attach` sets the cookie if it is new."""

    token: str
    nonce: str
    new: bool
    secure: bool

    def attach(self, response: web.StreamResponse) -> None:
        """Set the nonce cookie on a response when the browser did not have one."""
        if self.new:
            response.set_cookie(
                NONCE_COOKIE,
                self.nonce,
                path=PREFIX + "/",
                httponly=True,
                samesite="Lax",
                secure=self.secure,
            )


def anonymous_form_token(request: web.Request) -> AnonymousToken:
    """The token for a form shown before the member or organiser is known."""
    ctx = web_context(request)
    current = nonce(request)
    value = current or secrets.token_hex(16)
    return AnonymousToken(
        token=csrf.token_for(ctx.signer, purpose=csrf.ANONYMOUS, subject=value),
        nonce=value,
        new=current is None,
        secure=ctx.secure_cookies,
    )


def check_anonymous(request: web.Request, given: str | None) -> None:
    """403 unless `given` is the token for this browser's nonce."""
    if not csrf.valid(
        web_context(request).signer, purpose=csrf.ANONYMOUS, subject=nonce(request), given=given
    ):
        raise refuse(
            request,
            reason="csrf",
            message="This form has expired or did not come from this site. Reload the page "
            "and try again.",
        )


def safe_next(value: str | None) -> str:
    """Where to go after the form: a path on the web channel, never another site."""
    if (
        value
        and value.startswith(PREFIX + "/")
        and "//" not in value
        and "\\" not in value
        and value.isprintable()
    ):
        return value
    return PREFIX + "/"


async def identity_page(request: web.Request) -> web.Response:
    """GET /web/identity: the form, filled in when the member is known already."""
    me = member(request)
    return _form(
        request,
        name=me.display_name if me else "",
        organisation=me.organisation if me else "",
        errors={},
        next_path=safe_next(request.query.get("next")),
    )


def _form(
    request: web.Request,
    *,
    name: str,
    organisation: str,
    errors: dict[str, str],
    next_path: str,
    status: int = 200,
) -> web.Response:
    anonymous = anonymous_form_token(request)
    response = render(
        request,
        "identity.html",
        values={
            "name": name,
            "organisation": organisation,
            "errors": errors,
            "next_path": next_path,
            "anonymous_csrf": anonymous.token,
            "max_name": MAX_NAME,
            "max_organisation": MAX_ORGANISATION,
        },
        status=status,
    )
    anonymous.attach(response)
    return response


async def save_identity(request: web.Request) -> web.StreamResponse:
    """POST /web/identity: keep the name and organisation in the signed cookie."""
    form = await read_form(request)
    check_anonymous(request, form.get(csrf.FIELD))
    name, name_error = clean_name(one(form, "display_name") or "", label="Name", maximum=MAX_NAME)
    org, org_error = clean_name(
        one(form, "organisation") or "", label="Organisation", maximum=MAX_ORGANISATION
    )
    next_path = safe_next(one(form, "next", required=False))
    errors = {k: v for k, v in (("display_name", name_error), ("organisation", org_error)) if v}
    if errors:
        return _form(
            request,
            name=name,
            organisation=org,
            errors=errors,
            next_path=next_path,
            status=422,
        )
    me = member(request)
    identity = WebIdentity(
        user_id=me.user_id if me else new_user_id(), display_name=name, organisation=org
    )
    ctx = web_context(request)
    response = web.HTTPSeeOther(next_path)
    write_identity(response, signer=ctx.signer, identity=identity, secure=ctx.secure_cookies)
    raise response
