"""Reaction buttons: toggling like a chat reaction, and every refusal storing nothing."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain import Post
from tests.web.site import Member, Site


async def _standing(site: Site, post: Post) -> Mapping[str, int]:
    async with site.services.store.transaction() as tx:
        return await tx.active_reactions(post_id=post.id)


async def test_pressing_a_reaction_adds_it_and_pressing_again_removes_it(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    post = posts[0]
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{post.id}/react", {"csrf_token": token, "emoji": "🤔"}
    )
    assert reply.status == 303
    # Back to the page, with focus on the button that was pressed.
    assert reply.location == f"/web/c/general#react-{post.id}-1"
    assert await _standing(site, post) == {"🤔": 1}
    page = (await ann.get("/web/c/general")).page
    button = page.by_id(f"react-{post.id}-1")
    assert button.attrs["value"] == "🤔"
    assert button.attrs["aria-pressed"] == "true"
    assert page.one("span", class_="count", data_post=str(post.id), data_emoji="🤔").text == "1"

    await ann.post(f"/web/c/general/p/{post.id}/react", {"csrf_token": token, "emoji": "🤔"})
    assert dict(await _standing(site, post)) in ({}, {"🤔": 0})
    page = (await ann.get("/web/c/general")).page
    assert page.all("button", value="🤔")[0].attrs["aria-pressed"] == "false"


async def test_reactions_of_two_members_add_up(site: Site, ann: Member, posts: list[Post]) -> None:
    bob = site.member()
    await bob.join("Bob", "Westshire")
    for member in (ann, bob):
        token = await member.token()
        await member.post(
            f"/web/c/general/p/{posts[1].id}/react", {"csrf_token": token, "emoji": "👍"}
        )
    assert await _standing(site, posts[1]) == {"👍": 2}


async def test_reaction_without_csrf_token_is_refused_and_nothing_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    before = site.counts()
    reply = await ann.post(f"/web/c/general/p/{posts[0].id}/react", {"emoji": "👍"})
    assert reply.status == 403
    assert "did not come from this site" in reply.text
    assert site.counts() == before


async def test_reaction_with_another_members_token_is_refused(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    bob = site.member()
    await bob.join("Bob", "Westshire")
    bobs_token = await bob.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": bobs_token, "emoji": "👍"}
    )
    assert reply.status == 403
    assert site.counts() == before


async def test_reaction_without_identity_cookie_is_refused_and_nothing_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    stranger = site.member()
    before = site.counts()
    reply = await stranger.post(
        f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "👍"}
    )
    assert reply.status == 403
    assert "Tell us your name and organisation first" in reply.text
    assert site.counts() == before


async def test_reaction_outside_the_channels_set_is_a_400(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token, "emoji": "🦄"}
    )
    assert reply.status == 400
    assert site.counts() == before


async def test_reaction_on_unknown_post_is_404(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    reply = await ann.post("/web/c/general/p/99999/react", {"csrf_token": token, "emoji": "👍"})
    assert reply.status == 404


async def test_json_body_is_a_400(site: Site, ann: Member, posts: list[Post]) -> None:
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react",
        '{"emoji": "👍"}',
        headers={"Content-Type": "application/json"},
    )
    assert reply.status == 400
    assert site.counts() == before


async def test_undecodable_form_body_is_a_400(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react",
        b"csrf_token=" + token.encode() + b"&emoji=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 400
    assert "The form could not be read" in reply.text
    assert site.counts() == before


async def test_repeated_field_is_a_400(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/react",
        f"csrf_token={token}&emoji=%F0%9F%91%8D&emoji=%F0%9F%92%A1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 400
    assert "more than once" in reply.text
    assert site.counts() == before


async def test_missing_field_is_a_400(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    reply = await ann.post(f"/web/c/general/p/{posts[0].id}/react", {"csrf_token": token})
    assert reply.status == 400
    assert "missing the field" in reply.text
