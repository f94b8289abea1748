"""Reading a web channel: the list, a channel's sections in order, one section, 404s."""

from __future__ import annotations

from adapters.web.demo import prepare_demo
from bot.domain import Platform, Post
from tests.web.site import Member, Site


async def test_channel_page_shows_every_posted_section_in_order(
    site: Site, posts: list[Post]
) -> None:
    reader = site.member()
    reply = await reader.get("/web/c/general")
    assert reply.status == 200
    page = reply.page
    titles = [
        " ".join(h.text.replace("#", "").split())
        for h in page.all("h2")
        if "title" in h.attrs.get("id", "")
    ]
    paper = site.services.engagement.paper
    assert titles == [s.title for s in paper.sections]
    assert page.one("html").attrs["lang"] == "en"
    assert page.one("a", class_="skip-link").attrs["href"] == "#main"
    for section in paper.sections:
        assert page.by_id(f"section-{section.id}").tag == "article"


async def test_index_lists_the_web_channels(site: Site, posts: list[Post]) -> None:
    page = (await site.member().get("/web/")).page
    assert [a.text for a in page.all("a", href="/web/c/general")] == ["#general"]


async def test_web_without_slash_redirects_to_the_index(site: Site) -> None:
    reply = await site.member().get("/web")
    assert reply.status in (301, 308)
    assert reply.location == "/web/"


async def test_section_body_keeps_headings_links_lists_and_footnotes(
    site: Site, posts: list[Post]
) -> None:
    page = (await site.member().get("/web/c/general")).page
    first = site.services.engagement.paper.sections[0]
    prefix = f"section-{first.id}"
    # A heading of the paper keeps its anchor, one level below the section title.
    assert page.by_id(f"{prefix}-the-problem").tag == "h3"
    link = page.one("a", href="https://example.org/youth-network")
    assert link.attrs["rel"] == "noopener"
    # A footnote reference is a superscript link to the footnote list under the section.
    assert page.all("a", href=f"#{prefix}-fn-1")
    footnote = page.by_id(f"{prefix}-fn-1")
    assert footnote.tag == "li"
    assert "regional youth work forums" in footnote.text
    assert page.all("blockquote")


async def test_section_page_shows_one_section(site: Site, posts: list[Post]) -> None:
    second = site.services.engagement.paper.sections[1]
    reply = await site.member().get(f"/web/c/general/s/{second.id}")
    assert reply.status == 200
    articles = reply.page.all("article")
    assert [a.attrs["id"] for a in articles] == [f"section-{second.id}"]


async def test_unknown_channel_is_404(site: Site, posts: list[Post]) -> None:
    reply = await site.member().get("/web/c/no-such-channel")
    assert reply.status == 404
    message = reply.page.one("p", class_="error-message").text
    assert message == "There is no web channel called 'no-such-channel'."


async def test_unknown_section_is_404(site: Site, posts: list[Post]) -> None:
    reply = await site.member().get("/web/c/general/s/no-such-section")
    assert reply.status == 404
    message = reply.page.one("p", class_="error-message").text
    assert "'no-such-section' has not been posted to #general" in message


async def test_section_not_yet_sent_is_not_shown(site: Site) -> None:
    await prepare_demo(site.services)  # queued, but the sender has not run
    page = (await site.member().get("/web/c/general")).page
    assert page.all("article") == []
    assert "Nothing has been posted" in page.html


async def test_post_of_another_channel_is_404(site: Site, ann: Member, posts: list[Post]) -> None:
    await prepare_demo(site.services, channel="other")
    await site.services.senders[Platform.WEB].drain()
    other = [p for p in await site.section_posts() if p.id not in {q.id for q in posts}]
    token = await ann.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{other[0].id}/react", {"csrf_token": token, "emoji": "👍"}
    )
    assert reply.status == 404
    assert site.counts() == before


async def test_pages_carry_security_headers(site: Site, posts: list[Post]) -> None:
    async with site.member().session.get(site.url("/web/c/general")) as response:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


async def test_live_counts_answer_json_per_post(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    await ann.post(f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "💡"})
    async with ann.session.get(site.url("/web/c/general/live.json")) as response:
        body = await response.json()
    assert body["posts"][str(posts[0].id)]["💡"] == 1
    assert body["posts"][str(posts[1].id)]["💡"] == 0
