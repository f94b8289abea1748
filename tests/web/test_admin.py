"""The organiser page: token sign-in, channels, posting, counts, and its refusals."""

from __future__ import annotations

from pathlib import Path

from adapters.web.admin_auth import ADMIN_COOKIE, SESSION_SECONDS
from bot.app import build_app
from bot.domain import Platform, Post
from tests.web.conftest import AiohttpClient
from tests.web.pages import Page
from tests.web.site import ADMIN_TOKEN, Client, Member, Site, web_settings


async def _sign_in(organiser: Member, token: str = ADMIN_TOKEN) -> int:
    page = (await organiser.get("/web/admin")).page
    reply = await organiser.post(
        "/web/admin/login",
        {"csrf_token": page.hidden("/web/admin/login", "csrf_token"), "token": token},
    )
    return reply.status


async def _dashboard(organiser: Member) -> Page:
    reply = await organiser.get("/web/admin")
    assert reply.status == 200
    return reply.page


async def test_right_token_opens_the_organiser_page(site: Site, posts: list[Post]) -> None:
    organiser = site.member()
    login = (await organiser.get("/web/admin")).page
    assert login.label_for("admin-token") == "Organiser token"
    assert await _sign_in(organiser) == 303
    assert organiser.cookie(ADMIN_COOKIE) is not None
    page = await _dashboard(organiser)
    assert page.one("h1").text == "Organiser page"
    rows = page.all("tr")
    assert len(rows) == 1 + len(site.services.engagement.paper.sections)


async def test_wrong_token_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = site.member()
    assert await _sign_in(organiser, "guess") == 401
    assert organiser.cookie(ADMIN_COOKIE) is None
    page = (await organiser.get("/web/admin")).page
    assert page.all("input", name="token")  # still the sign-in form


async def test_admin_page_without_a_configured_token_says_so_and_refuses(
    tmp_path: Path, aiohttp_client: AiohttpClient
) -> None:
    app = build_app(web_settings(tmp_path, admin_token=None), run_senders=False)
    client: Client = await aiohttp_client(app)
    response = await client.get("/web/admin")
    assert response.status == 403
    assert "ENGAGE_ADMIN_TOKEN" in await response.text()
    login = await client.post("/web/admin/login", data={"token": ""})
    assert login.status == 403


async def test_organiser_creates_a_channel_and_posts_a_section(site: Site) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    page = await _dashboard(organiser)
    token = page.hidden("/web/admin/channels", "csrf_token")
    reply = await organiser.post("/web/admin/channels", {"csrf_token": token, "slug": "la-leads"})
    assert reply.status == 303
    channel = await site.services.engagement.find_channel(
        platform=Platform.WEB, workspace_id="local", external_id="la-leads"
    )
    assert channel is not None
    section = site.services.engagement.paper.sections[1]
    reply = await organiser.post(
        "/web/admin/publish", {"csrf_token": token, "channel": "la-leads", "section": section.id}
    )
    assert reply.status == 303
    assert reply.location == "/web/admin?published=1&already=0&to=la-leads"
    await site.services.senders[Platform.WEB].drain()
    shown = (await site.member().get("/web/c/la-leads")).page
    assert [a.attrs["id"] for a in shown.all("article")] == [f"section-{section.id}"]
    confirmation = (await organiser.get(reply.location)).page.one("div", class_="confirmation")
    assert "Queued 1 section post(s) for #la-leads" in confirmation.text


async def test_counts_show_reactions_replies_and_feedback(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    await ann.post(f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "👍"})
    await ann.post(f"/web/c/general/p/{posts[0].id}/replies", {"csrf_token": token, "text": "yes"})
    organiser = site.member()
    await _sign_in(organiser)
    page = await _dashboard(organiser)
    first = site.services.engagement.paper.sections[0]
    start = page.elements.index(page.by_id(f"counts-{first.id}"))
    cells = [e.text for e in page.elements[start + 1 :] if e.tag == "td"][:5]
    assert cells == ["1", "1", "1", "1", "0"]  # ordinal, posts, reactions, replies, feedback


async def test_bad_channel_name_is_refused_with_a_message(site: Site) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    token = (await _dashboard(organiser)).hidden("/web/admin/channels", "csrf_token")
    before = site.counts()
    reply = await organiser.post(
        "/web/admin/channels", {"csrf_token": token, "slug": "<b>Bad Name</b>"}
    )
    assert reply.status == 422
    assert "lower-case letters" in reply.page.one("div", class_="error-summary").text
    assert site.counts() == before


async def test_publishing_an_unknown_section_is_refused_with_a_message(
    site: Site, posts: list[Post]
) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    token = (await _dashboard(organiser)).hidden("/web/admin/publish", "csrf_token")
    before = site.counts()
    reply = await organiser.post(
        "/web/admin/publish", {"csrf_token": token, "channel": "general", "section": "nope"}
    )
    assert reply.status == 422
    assert "No section 'nope'" in reply.page.one("div", class_="error-summary").text
    assert site.counts() == before


async def test_organiser_post_without_session_is_refused(site: Site) -> None:
    before = site.counts()
    reply = await site.member().post("/web/admin/channels", {"csrf_token": "x", "slug": "sneaky"})
    assert reply.status == 403
    assert site.counts() == before


async def test_organiser_post_without_csrf_token_is_refused(site: Site) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    before = site.counts()
    reply = await organiser.post("/web/admin/channels", {"slug": "sneaky"})
    assert reply.status == 403
    assert site.counts() == before


async def test_member_csrf_token_does_not_work_on_the_organiser_page(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    member_token = await ann.token()
    await _sign_in(ann)
    before = site.counts()
    reply = await ann.post("/web/admin/channels", {"csrf_token": member_token, "slug": "sneaky"})
    assert reply.status == 403
    assert site.counts() == before


async def test_login_without_csrf_token_is_refused(site: Site) -> None:
    organiser = site.member()
    await organiser.get("/web/admin")
    reply = await organiser.post("/web/admin/login", {"token": ADMIN_TOKEN})
    assert reply.status == 403
    assert organiser.cookie(ADMIN_COOKIE) is None


async def test_organiser_session_expires(site: Site) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    site.clock.advance(SESSION_SECONDS + 1)
    page = (await organiser.get("/web/admin")).page
    assert page.all("input", name="token")


async def test_sign_out_ends_the_session(site: Site) -> None:
    organiser = site.member()
    await _sign_in(organiser)
    token = (await _dashboard(organiser)).hidden("/web/admin/logout", "csrf_token")
    assert (await organiser.post("/web/admin/logout", {"csrf_token": token})).status == 303
    assert (await organiser.get("/web/admin")).page.all("input", name="token")
