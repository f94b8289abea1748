"""Reply threads: posting, escaping, the length limit, editing and deleting one's own."""

from __future__ import annotations

from collections.abc import Sequence

from adapters.web.context import MAX_REPLY_CHARS
from bot.domain import Post
from bot.ports import StoredReply
from tests.web.site import Member, Site

HOSTILE = '<script>alert("x")</script><img src=x onerror="alert(1)">'


async def _replies(site: Site, post: Post) -> Sequence[StoredReply]:
    async with site.services.store.transaction() as tx:
        return await tx.list_replies(post_id=post.id, include_deleted=True)


async def _reply(member: Member, post: Post, text: str) -> int:
    token = await member.token()
    return (
        await member.post(
            f"/web/c/general/p/{post.id}/replies", {"csrf_token": token, "text": text}
        )
    ).status


async def test_reply_is_stored_and_shown_with_its_author(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies",
        {"csrf_token": token, "text": "We tried this in Northshire.\r\nIt worked."},
    )
    assert reply.status == 303
    stored = await _replies(site, posts[0])
    assert reply.location == f"/web/c/general#reply-{stored[0].external_id}"
    assert [r.text for r in stored] == ["We tried this in Northshire.\nIt worked."]
    assert stored[0].participant.display_name == "Ann Analyst"
    page = (await site.member().get("/web/c/general")).page
    shown = page.by_id(f"reply-{stored[0].external_id}")
    assert "Ann Analyst" in shown.text
    assert "Northshire Council" in shown.text
    assert page.one("p", class_="reply-text").text == "We tried this in Northshire.\nIt worked."


async def test_script_and_img_in_a_reply_come_back_escaped(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    assert await _reply(ann, posts[0], HOSTILE) == 303
    html = (await site.member().get("/web/c/general")).text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=" in html


async def test_reply_at_the_limit_is_accepted(site: Site, ann: Member, posts: list[Post]) -> None:
    assert await _reply(ann, posts[0], "a" * MAX_REPLY_CHARS) == 303
    assert len((await _replies(site, posts[0]))[0].text) == MAX_REPLY_CHARS


async def test_reply_over_the_limit_is_refused_with_a_message_and_nothing_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    before = site.counts()
    too_long = "b" * (MAX_REPLY_CHARS + 1)
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies", {"csrf_token": token, "text": too_long}
    )
    assert reply.status == 422
    page = reply.page
    error = page.by_id(f"reply-{posts[0].id}-error")
    assert "the most a reply can have is 4000" in error.text
    box = page.by_id(f"reply-{posts[0].id}")
    assert box.attrs["aria-invalid"] == "true"
    assert box.attrs["aria-describedby"] == f"reply-{posts[0].id}-error"
    assert box.text == too_long  # what they typed is kept
    assert site.counts() == before


async def test_empty_reply_is_refused(site: Site, ann: Member, posts: list[Post]) -> None:
    before = site.counts()
    assert await _reply(ann, posts[0], "  \r\n ") == 422
    assert site.counts() == before


async def test_reply_without_csrf_token_stores_nothing(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    before = site.counts()
    reply = await ann.post(f"/web/c/general/p/{posts[0].id}/replies", {"text": "hello"})
    assert reply.status == 403
    assert site.counts() == before


async def test_reply_without_identity_stores_nothing(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    before = site.counts()
    reply = await site.member().post(
        f"/web/c/general/p/{posts[0].id}/replies", {"csrf_token": token, "text": "hello"}
    )
    assert reply.status == 403
    assert site.counts() == before


async def test_member_edits_her_own_reply(site: Site, ann: Member, posts: list[Post]) -> None:
    await _reply(ann, posts[0], "first thoughts")
    reply_id = (await _replies(site, posts[0]))[0].external_id
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies/{reply_id}/edit",
        {"csrf_token": token, "text": "second thoughts"},
    )
    assert reply.status == 303
    stored = (await _replies(site, posts[0]))[0]
    assert stored.text == "second thoughts"
    assert stored.edited_at is not None
    assert "(edited)" in (await ann.get("/web/c/general")).page.by_id(f"reply-{reply_id}").text


async def test_editing_someone_elses_reply_is_403(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    await _reply(ann, posts[0], "Ann's words")
    reply_id = (await _replies(site, posts[0]))[0].external_id
    bob = site.member()
    await bob.join("Bob", "Westshire")
    token = await bob.token()
    # Bob's page offers no edit form for Ann's reply…
    assert not (await bob.get("/web/c/general")).page.all("details", class_="reply-edit")
    before = site.counts()
    # …and forging the request is refused.
    for action, data in (("edit", {"text": "Bob's words"}), ("delete", {})):
        reply = await bob.post(
            f"/web/c/general/p/{posts[0].id}/replies/{reply_id}/{action}",
            {"csrf_token": token, **data},
        )
        assert reply.status == 403
    assert (await _replies(site, posts[0]))[0].text == "Ann's words"
    assert site.counts() == before


async def test_edit_over_the_limit_is_refused(site: Site, ann: Member, posts: list[Post]) -> None:
    await _reply(ann, posts[0], "short")
    reply_id = (await _replies(site, posts[0]))[0].external_id
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies/{reply_id}/edit",
        {"csrf_token": token, "text": "c" * (MAX_REPLY_CHARS + 1)},
    )
    assert reply.status == 422
    assert reply.page.by_id(f"edit-{reply_id}").attrs["aria-invalid"] == "true"
    assert (await _replies(site, posts[0]))[0].text == "short"


async def test_member_deletes_her_own_reply(site: Site, ann: Member, posts: list[Post]) -> None:
    await _reply(ann, posts[0], "regrettable")
    reply_id = (await _replies(site, posts[0]))[0].external_id
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies/{reply_id}/delete", {"csrf_token": token}
    )
    assert reply.status == 303
    stored = (await _replies(site, posts[0]))[0]
    assert stored.deleted_at is not None
    page = (await ann.get("/web/c/general")).page
    assert page.by_id(f"reply-{reply_id}").text.strip() == "This reply was deleted."
    assert "regrettable" not in page.html


async def test_editing_an_unknown_reply_is_404(site: Site, ann: Member, posts: list[Post]) -> None:
    token = await ann.token()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies/nope/edit", {"csrf_token": token, "text": "x"}
    )
    assert reply.status == 404


async def test_body_over_the_servers_limit_is_413_and_nothing_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    token = await ann.token()
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/replies",
        {"csrf_token": token, "text": "x" * (2 * 1024 * 1024)},
    )
    assert reply.status == 413
    assert site.counts() == before
