"""The *Give feedback* form: rendered from the FormSpec, validated by the core, stored once."""

from __future__ import annotations

import sqlite3

from bot.domain import FieldKind, Post, SectionCounts
from bot.ports_export import QuotePreference
from bot.quote import QUOTE_CHOICES, QUOTE_FIELD
from tests.web.pages import Page
from tests.web.site import Member, Site

ROLE = "Other public sector role"


async def _feedback_counts(site: Site) -> dict[str, int]:
    counts: list[SectionCounts] = list(await site.services.engagement.status())
    return {c.section_id: c.feedback for c in counts}


async def _form(member: Member, post: Post) -> Page:
    reply = await member.get(f"/web/c/general/p/{post.id}/feedback")
    assert reply.status == 200
    return reply.page


def _fields(page: Page, post: Post, **values: str) -> dict[str, str]:
    action = f"/web/c/general/p/{post.id}/feedback"
    hidden = {
        e.attrs["name"]: e.attrs["value"]
        for e in page.all("input", type="hidden")
        if e.form == "" or e.form == action
    }
    return {**hidden, **values}


async def test_form_is_rendered_from_the_sections_formspec(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    spec = site.services.engagement.paper.sections[0].form
    assert page.one("form", class_="feedback-form").attrs.get("novalidate") == ""
    for field in spec.fields:
        control = page.by_id(f"field-{field.name}")
        expected_tag = {FieldKind.SELECT: "select", FieldKind.TEXTAREA: "textarea"}.get(
            field.kind, "input"
        )
        assert control.tag == expected_tag
        assert control.attrs["name"] == field.name
        assert page.label_for(f"field-{field.name}").startswith(field.label)
        assert ("required" in control.attrs) == field.required
        if field.min_length:
            assert control.attrs["minlength"] == str(field.min_length)
        if field.max_length:
            assert control.attrs["maxlength"] == str(field.max_length)
        if field.kind is FieldKind.EMAIL:
            assert control.attrs["type"] == "email"
        if field.kind is FieldKind.SELECT:
            options = [
                o.attrs["value"] for o in page.all("option") if o.attrs["value"] in field.options
            ]
            assert options == list(field.options)


async def test_invalid_submission_shows_each_error_in_place_and_keeps_the_values(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(page, posts[0], summary="abc", details="kept <b>as typed</b>"),
    )
    assert reply.status == 422
    shown = reply.page
    for name in ("summary", "role"):
        control = shown.by_id(f"field-{name}")
        assert control.attrs["aria-invalid"] == "true"
        assert f"field-{name}-error" in control.attrs["aria-describedby"].split()
        assert shown.by_id(f"field-{name}-error").text.startswith("Error: ")
    assert shown.by_id("field-summary").attrs["value"] == "abc"
    assert shown.by_id("field-details").text == "kept <b>as typed</b>"
    assert "kept &lt;b&gt;as typed&lt;/b&gt;" in shown.html
    summary_box = shown.one("div", class_="error-summary")
    assert "autofocus" in summary_box.attrs
    assert site.counts() == before


async def test_valid_submission_is_stored_and_confirmed(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(page, posts[0], summary="A network would help us", role=ROLE),
    )
    assert reply.status == 303
    section = site.services.engagement.paper.sections[0]
    assert reply.location == f"/web/c/general?thanks={posts[0].id}#feedback-thanks"
    assert (await _feedback_counts(site))[section.id] == 1
    assert reply.location is not None
    thanks = (await ann.get(reply.location.split("#")[0])).page.by_id("feedback-thanks")
    assert (
        " ".join(thanks.text.split()) == f"Thanks — your feedback on {section.title} is recorded."
    )
    assert "autofocus" in thanks.attrs
    assert thanks.attrs["tabindex"] == "-1"


async def test_submitting_the_same_form_twice_stores_it_once(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    data = _fields(page, posts[0], summary="Pressed twice", role=ROLE)
    for _ in range(2):
        assert (await ann.post(f"/web/c/general/p/{posts[0].id}/feedback", data)).status == 303
    assert (await _feedback_counts(site))[posts[0].section_id or ""] == 1


async def test_field_over_its_max_length_is_refused_and_nothing_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(page, posts[0], summary="s" * 201, role=ROLE),
    )
    assert reply.status == 422
    assert reply.page.by_id("field-summary").attrs["aria-invalid"] == "true"
    assert reply.page.by_id("field-summary-error").text
    assert site.counts() == before


async def test_script_in_a_form_field_comes_back_escaped(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(
            page,
            posts[0],
            summary="<script>alert(1)</script>",
            org='"><img src=x onerror=alert(1)>',
        ),
    )
    assert reply.status == 422  # no role
    assert "<script>alert(1)</script>" not in reply.text
    assert "<img src=x" not in reply.text
    assert reply.page.by_id("field-org").attrs["value"] == '"><img src=x onerror=alert(1)>'


async def test_feedback_without_csrf_token_stores_nothing(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    data = _fields(page, posts[0], summary="A network would help us", role=ROLE)
    del data["csrf_token"]
    before = site.counts()
    reply = await ann.post(f"/web/c/general/p/{posts[0].id}/feedback", data)
    assert reply.status == 403
    assert site.counts() == before


async def test_feedback_without_identity_stores_nothing(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    data = _fields(page, posts[0], summary="A network would help us", role=ROLE)
    before = site.counts()
    reply = await site.member().post(f"/web/c/general/p/{posts[0].id}/feedback", data)
    assert reply.status == 403
    assert site.counts() == before


async def test_opening_the_form_without_identity_goes_to_the_identity_form(
    site: Site, posts: list[Post]
) -> None:
    reply = await site.member().get(f"/web/c/general/p/{posts[0].id}/feedback")
    assert reply.status == 303
    assert reply.location == f"/web/identity?next=/web/c/general/p/{posts[0].id}/feedback"


async def test_feedback_on_an_unknown_post_is_404(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    assert (await ann.get("/web/c/general/p/424242/feedback")).status == 404


async def test_malformed_submission_id_is_a_400(site: Site, ann: Member, posts: list[Post]) -> None:
    page = await _form(ann, posts[0])
    before = site.counts()
    data = _fields(
        page, posts[0], summary="A network would help us", role=ROLE, submission="../../x"
    )
    reply = await ann.post(f"/web/c/general/p/{posts[0].id}/feedback", data)
    assert reply.status == 400
    assert site.counts() == before


async def test_consent_notice_is_shown_above_the_fields_until_the_first_feedback(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    notice = page.by_id("form-notice")
    assert notice.tag == "p"
    assert " ".join(notice.text.split()) == site.services.settings.consent_text
    assert notice.index < page.one("form", class_="feedback-form").index
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(page, posts[0], summary="A network would help us", role=ROLE),
    )
    assert reply.status == 303
    assert (await _form(ann, posts[1])).all(id="form-notice") == []


async def test_quote_choice_is_offered_as_an_optional_select_and_stored(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    choice = page.by_id(f"field-{QUOTE_FIELD.name}")
    assert choice.tag == "select"
    assert "required" not in choice.attrs
    assert page.label_for(f"field-{QUOTE_FIELD.name}") == "May we quote you? (optional)"
    options = page.inside(choice, "option")
    assert [o.attrs["value"] for o in options] == ["", *QUOTE_CHOICES]
    assert options[0].text == QUOTE_FIELD.placeholder
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(
            page,
            posts[0],
            summary="A network would help us",
            role=ROLE,
            quote="No, please don't quote me",
        ),
    )
    assert reply.status == 303
    with sqlite3.connect(site.db) as conn:
        stored = conn.execute("SELECT quote_preference FROM participants").fetchall()
    assert stored == [(QuotePreference.NONE.value,)]


async def test_unknown_quote_choice_is_refused_in_place(
    site: Site, ann: Member, posts: list[Post]
) -> None:
    page = await _form(ann, posts[0])
    before = site.counts()
    reply = await ann.post(
        f"/web/c/general/p/{posts[0].id}/feedback",
        _fields(page, posts[0], summary="A network would help us", role=ROLE, quote="Sure"),
    )
    assert reply.status == 422
    assert reply.page.by_id("field-quote").attrs["aria-invalid"] == "true"
    assert site.counts() == before
