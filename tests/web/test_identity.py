"""Saying who you are once: the signed identity cookie and the form that sets it."""

from __future__ import annotations

from adapters.web.identity import IDENTITY_COOKIE
from bot.domain import Post
from tests.web.site import Member, Site


async def test_identity_form_sets_a_signed_http_only_lax_cookie(
    site: Site, posts: list[Post]
) -> None:
    member = site.member()
    page = (await member.get("/web/c/general")).page
    assert page.label_for("identity-name") == "Your name"
    assert page.label_for("identity-org") == "Your organisation"
    async with member.session.post(
        site.url("/web/identity"),
        data={
            "csrf_token": page.hidden("/web/identity", "csrf_token"),
            "display_name": "  Bea   Builder ",
            "organisation": "Eastvale Council",
            "next": "/web/c/general",
        },
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        assert response.headers["Location"] == "/web/c/general"
        morsel = response.cookies[IDENTITY_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/web/"
    signed_in = (await member.get("/web/c/general")).page
    assert "Signed in as Bea Builder (Eastvale Council)" in signed_in.html
    # Members with an identity get the reaction forms instead of the identity form.
    assert signed_in.all("form", class_="reactions")
    assert not signed_in.all("form", class_="identity-form")


async def test_identity_form_refuses_an_empty_name(site: Site, posts: list[Post]) -> None:
    member = site.member()
    page = (await member.get("/web/identity")).page
    reply = await member.post(
        "/web/identity",
        {
            "csrf_token": page.hidden("/web/identity", "csrf_token"),
            "display_name": "   ",
            "organisation": "x" * 121,
        },
    )
    assert reply.status == 422
    errors = reply.page
    assert errors.by_id("identity-name-error").text == "Enter your name."
    assert (
        errors.by_id("identity-org-error").text == "Organisation must be 120 characters or fewer."
    )
    assert errors.by_id("identity-name").attrs["aria-invalid"] == "true"
    assert member.cookie(IDENTITY_COOKIE) is None


async def test_identity_post_without_its_token_is_refused(site: Site, posts: list[Post]) -> None:
    member = site.member()
    await member.get("/web/c/general")
    reply = await member.post(
        "/web/identity", {"display_name": "Mallory", "organisation": "Elsewhere"}
    )
    assert reply.status == 403
    assert member.cookie(IDENTITY_COOKIE) is None


async def test_identity_redirect_never_leaves_the_site(site: Site, posts: list[Post]) -> None:
    member = site.member()
    page = (await member.get("/web/identity")).page
    reply = await member.post(
        "/web/identity",
        {
            "csrf_token": page.hidden("/web/identity", "csrf_token"),
            "display_name": "Ann",
            "organisation": "Org",
            "next": "//evil.example/web/",
        },
    )
    assert reply.status == 303
    assert reply.location == "/web/"


async def test_changing_name_keeps_the_same_member(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    await ann.post(f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "👍"})
    page = (await ann.get("/web/identity")).page
    assert page.by_id("identity-name").attrs["value"] == "Ann Analyst"
    await ann.post(
        "/web/identity",
        {
            "csrf_token": page.hidden("/web/identity", "csrf_token"),
            "display_name": "Ann A. Analyst",
            "organisation": "Northshire Council",
        },
    )
    # Same user id: the reaction is still hers, so pressing again removes it.
    button = (await ann.get("/web/c/general")).page.all("button", value="👍")[0]
    assert button.attrs["aria-pressed"] == "true"


async def test_forged_identity_cookie_counts_as_no_identity(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    value = ann.cookie(IDENTITY_COOKIE)
    assert value is not None
    body, _, mac = value.partition(".")
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac
    ann.session.cookie_jar.update_cookies({IDENTITY_COOKIE: forged}, site.client.make_url("/web/"))
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "👍"}
    )
    assert reply.status == 403
    assert site.counts() == before


async def test_identity_redirect_refuses_header_breaking_characters(
    site: Site, posts: list[Post]
) -> None:
    member = site.member()
    page = (await member.get("/web/identity")).page
    reply = await member.post(
        "/web/identity",
        {
            "csrf_token": page.hidden("/web/identity", "csrf_token"),
            "display_name": "Ann",
            "organisation": "Org",
            "next": "/web/c/general\r\nSet-Cookie: x=1",
        },
    )
    assert reply.status == 303
    assert reply.location == "/web/"
