"""*Delete my data*: a confirmation step, then the member's name and words are gone from every
table while the anonymous counts stay; refused without the member's token or identity."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from adapters.web.identity import IDENTITY_COOKIE
from adapters.web.signing import Signer
from adapters.web.views_privacy import NOTHING_HELD
from bot.domain import Post, SectionCounts
from tests.web.site import SECRET, Member, Site

ROLE = "Other public sector role"
NAME = "Zelda Quartermaine"
ORGANISATION = "Ravensmoor Borough Council"
REPLY = "Our panel met on Tuesdays with oat biscuits"
EDITED = "Our panel met on Thursdays with ginger biscuits"
FEEDBACK = "Peer mentoring across the marsh districts"
DETAILS = "We'd share our referral checklist gladly"


def texts_in_database(db: Path) -> list[str]:
    """Every text value in every column of every table, read straight from the file."""
    found: list[str] = []
    with sqlite3.connect(db) as conn:
        tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):  # noqa: S608
                found.extend(str(v) for v in row if isinstance(v, str | bytes))
    return found


async def _counts(site: Site) -> list[SectionCounts]:
    return list(await site.services.engagement.status())


async def _take_part(member: Member, post: Post) -> None:
    """React, reply, edit the reply, and give feedback."""
    token = await member.token()
    base = f"/web/c/general/p/{post.id}"
    assert (await member.post(f"{base}/react", {"csrf_token": token, "emoji": "👍"})).status == 303
    reply = await member.post(f"{base}/replies", {"csrf_token": token, "text": REPLY})
    assert reply.status == 303
    page = (await member.get("/web/c/general")).page
    edit_form = next(f for f in page.all("form") if f.attrs.get("action", "").endswith("/edit"))
    assert (
        await member.post(edit_form.attrs["action"], {"csrf_token": token, "text": EDITED})
    ).status == 303
    form = (await member.get(f"{base}/feedback")).page
    hidden = {e.attrs["name"]: e.attrs["value"] for e in form.all("input", type="hidden")}
    values = {**hidden, "summary": FEEDBACK, "details": DETAILS, "org": ORGANISATION, "role": ROLE}
    assert (await member.post(f"{base}/feedback", values)).status == 303


async def _delete(member: Member) -> str:
    page = (await member.get("/web/me/delete")).page
    token = page.hidden("/web/me/delete", "csrf_token")
    reply = await member.post("/web/me/delete", {"csrf_token": token})
    assert reply.status == 200, reply.text
    return " ".join(reply.page.by_id("deleted").text.split())


async def test_your_details_offers_delete_with_a_confirmation_step(
    site: Site, posts: list[Post]
) -> None:
    zelda = site.member()
    await zelda.join(NAME, ORGANISATION)
    details = (await zelda.get("/web/identity")).page
    assert details.one("h1").text == "Your details"
    assert details.one("a", href="/web/me/delete").text.startswith("Delete my data")
    before = site.counts()
    confirm = (await zelda.get("/web/me/delete")).page
    assert confirm.one("h1").text == "Delete my data?"
    assert confirm.one("button", type="submit").text == "Yes, delete my data"
    assert site.counts() == before
    assert zelda.cookie(IDENTITY_COOKIE) is not None


async def test_delete_my_data_leaves_no_trace_of_the_member_but_keeps_the_counts(
    site: Site, posts: list[Post]
) -> None:
    zelda, bob = site.member(), site.member()
    await zelda.join(NAME, ORGANISATION)
    await bob.join("Bob Builder", "Elsewhere Trust")
    await _take_part(zelda, posts[0])
    bob_token = await bob.token()
    await bob.post(
        f"/web/c/general/p/{posts[0].id}/replies", {"csrf_token": bob_token, "text": "Bob"}
    )
    texts = texts_in_database(site.db)
    for secret in (NAME, ORGANISATION, EDITED, FEEDBACK, DETAILS):
        assert any(secret in t for t in texts), secret  # the scan sees them before
    counts = await _counts(site)
    rows = site.counts()

    said = await _delete(zelda)

    assert said.startswith("Done: your name and account id are removed, 1 reply emptied")
    assert zelda.cookie(IDENTITY_COOKIE) is None
    texts = texts_in_database(site.db)
    for secret in (NAME, ORGANISATION, REPLY, EDITED, FEEDBACK, DETAILS, "oat biscuits"):
        assert not [t for t in texts if secret in t], secret
    assert await _counts(site) == counts
    assert site.counts()["reply_revisions"] == rows["reply_revisions"] - 1
    assert any("Bob Builder" in t for t in texts)  # someone else's data is untouched
    page = (await bob.get("/web/c/general")).page
    assert "This reply was removed at its author's request." in page.html


async def test_delete_leaves_no_member_id_in_any_table(site: Site, posts: list[Post]) -> None:
    zelda = site.member()
    await zelda.join(NAME, ORGANISATION)
    await _take_part(zelda, posts[0])
    identity = Signer(SECRET).unsign("identity", zelda.cookie(IDENTITY_COOKIE))
    assert identity is not None
    user_id = str(identity["u"])
    assert any(user_id in t for t in texts_in_database(site.db))
    await _delete(zelda)
    assert not [t for t in texts_in_database(site.db) if user_id in t]
    audit = await _audit(site)
    assert ("self", "erase") in audit


async def test_member_with_nothing_stored_is_told_so_and_forgotten(
    site: Site, posts: list[Post]
) -> None:
    zelda = site.member()
    await zelda.join(NAME, ORGANISATION)
    before = site.counts()
    said = await _delete(zelda)
    assert said.startswith(NOTHING_HELD)
    assert zelda.cookie(IDENTITY_COOKIE) is None
    assert site.counts() == before


async def test_delete_without_csrf_token_erases_nothing(site: Site, posts: list[Post]) -> None:
    zelda = site.member()
    await zelda.join(NAME, ORGANISATION)
    await _take_part(zelda, posts[0])
    reply = await zelda.post("/web/me/delete", {})
    assert reply.status == 403
    assert any(FEEDBACK in t for t in texts_in_database(site.db))
    assert zelda.cookie(IDENTITY_COOKIE) is not None


async def test_delete_with_another_members_token_erases_nothing(
    site: Site, posts: list[Post], ann: Member
) -> None:
    zelda = site.member()
    await zelda.join(NAME, ORGANISATION)
    await _take_part(zelda, posts[0])
    reply = await zelda.post("/web/me/delete", {"csrf_token": await ann.token()})
    assert reply.status == 403
    assert any(NAME in t for t in texts_in_database(site.db))


async def test_delete_without_identity_is_refused(site: Site, posts: list[Post]) -> None:
    stranger = site.member()
    before = site.counts()
    reply = await stranger.post("/web/me/delete", {"csrf_token": "x"})
    assert reply.status == 403
    assert site.counts() == before


async def test_delete_page_without_identity_goes_to_the_identity_form(
    site: Site, posts: list[Post]
) -> None:
    reply = await site.member().get("/web/me/delete")
    assert reply.status == 303
    assert reply.location == "/web/identity"


async def _audit(site: Site) -> list[tuple[str, str]]:
    async with site.services.store.transaction() as tx:
        return [(a.actor, a.action) for a in await tx.list_audit()]
