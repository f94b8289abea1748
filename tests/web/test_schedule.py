"""Scheduling an engagement event from the organiser page: the form, the agenda, cancelling,
and every refusal (each field's message in place, the values kept, nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Platform, Post
from bot.scheduling import Scheduling
from bot.scheduling_mount import build_scheduler
from bot.scheduling_types import EventAgenda, PromptKind, PromptState
from tests.web.organiser import Organiser
from tests.web.pages import Page
from tests.web.site import Member, Reply, Site

FIRST = "why-a-shared-practice-network"
FOURTH = "questions-for-you"


def event_fields(**changes: str | list[str]) -> list[tuple[str, str]]:
    """A valid event for #general; `changes` replace fields (a list repeats a field, an empty
    list leaves it out)."""
    values: dict[str, str | list[str]] = {
        "title": "Open house: the practice network",
        "description": "An hour of questions.",
        "start_date": "2026-06-10",
        "start_time": "14:00",
        "end_date": "",
        "end_time": "15:00",
        "timezone": "Europe/London",
        "link": "https://meet.example.org/open-house",
        "channel": ["general"],
        "sector": "",
        "section": [FIRST, FOURTH],
        "reminder": ["1d", "1h"],
        "follow_up": "yes",
        "message": "",
        **changes,
    }
    fields: list[tuple[str, str]] = []
    for name, value in values.items():
        fields.extend((name, v) for v in ([value] if isinstance(value, str) else value))
    return fields


async def _agenda(site: Site) -> tuple[EventAgenda, ...]:
    return (await Scheduling.from_services(site.services).agenda()).events


async def _schedule(organiser: Organiser, **changes: str | list[str]) -> Reply:
    return await organiser.post("/web/admin/events", event_fields(**changes))


def _error(page: Page, name: str, control: str) -> str:
    """The message shown for field `name`, after checking the control is marked and tied to
    it (aria-invalid, aria-describedby) and the summary links to the field."""
    element = page.by_id(control)
    assert element.attrs.get("aria-invalid") == "true", control
    assert f"event-{name}-error" in element.attrs["aria-describedby"].split()
    summary = page.one("div", class_="error-summary")
    assert "autofocus" in summary.attrs
    assert summary.attrs["role"] == "alert"
    return " ".join(page.by_id(f"event-{name}-error").text.removeprefix("Error: ").split())


async def _refused(site: Site, organiser: Organiser, **changes: str | list[str]) -> Page:
    before = site.counts()
    reply = await _schedule(organiser, **changes)
    assert reply.status == 422, reply.text
    assert site.counts() == before
    return reply.page


async def test_form_offers_channels_sections_zones_and_default_reminders(
    site: Site, posts: list[Post]
) -> None:
    page = await (await Organiser.sign_in(site)).page()
    assert page.label_for("event-title") == "Title"
    assert page.label_for("event-start-date") == "Date"
    zone = page.by_id("event-timezone")
    chosen = [o for o in page.all("option", selected="") if o.attrs["value"] == "Europe/London"]
    assert zone.attrs["name"] == "timezone"
    assert chosen
    assert page.by_id("event-channel-general").attrs["value"] == "general"
    sections = [e.attrs["value"] for e in page.all("input", name="section")]
    assert sections == [s.id for s in site.services.engagement.paper.sections]
    for ident in ("event-reminder-1d", "event-reminder-1h", "event-follow-up"):
        assert "checked" in page.by_id(ident).attrs


async def test_event_is_scheduled_with_reminders_and_follow_up_and_listed(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    reply = await _schedule(organiser)
    assert reply.status == 303
    (item,) = await _agenda(site)
    event = item.event
    assert reply.location == f"/web/admin?scheduled={event.id}#schedule-done"
    # 14:00 in London in June is 13:00 UTC (summer time).
    assert event.starts_at == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    assert event.ends_at == datetime(2026, 6, 10, 14, 0, tzinfo=UTC)
    assert event.targets == ("web/general",)
    assert event.section_ids == (FIRST, FOURTH)
    kinds = sorted((p.kind, p.due_at) for p in item.prompts)
    assert kinds == [
        (PromptKind.FOLLOW_UP, datetime(2026, 6, 10, 15, 0, tzinfo=UTC)),
        (PromptKind.REMINDER, datetime(2026, 6, 9, 13, 0, tzinfo=UTC)),
        (PromptKind.REMINDER, datetime(2026, 6, 10, 12, 0, tzinfo=UTC)),
    ]
    assert reply.location is not None
    page = await organiser.page(reply.location.split("#")[0])
    assert "Scheduled “Open house: the practice network”" in page.by_id("schedule-done").text
    listed = page.by_id(f"event-{event.id}")
    assert listed.tag == "article"
    facts = [" ".join(e.text.split()) for e in page.inside(listed, "dd")]
    assert facts[:2] == [
        "Wednesday 10 June 2026, 14:00 BST to 15:00 BST (Europe/London)",
        "#general (web)",
    ]
    states = [e.text for e in page.all("td", class_="state state--scheduled")]
    assert len(states) == 3


async def test_message_goes_out_to_the_event_channels(
    site: Site, posts: list[Post], ann: Member
) -> None:
    organiser = await Organiser.sign_in(site)
    text = "Save the date: open house on 10 June."
    assert (await _schedule(organiser, message=text)).status == 303
    (item,) = await _agenda(site)
    (message,) = [p for p in item.prompts if p.kind is PromptKind.MESSAGE]
    assert message.text == text
    site.clock.advance(2)
    report = await build_scheduler(site.services).fire_due()
    assert report.sent == 1
    await site.services.senders[Platform.WEB].drain()
    notices = (await ann.get("/web/c/general")).page.all("aside", class_="notice")
    assert [n.text.strip() for n in notices] == [text]


async def test_end_time_alone_ends_on_the_start_day(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    assert (await _schedule(organiser, end_date="", end_time="16:30")).status == 303
    (item,) = await _agenda(site)
    assert item.event.ends_at == datetime(2026, 6, 10, 15, 30, tzinfo=UTC)


async def test_no_end_makes_a_deadline(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    assert (await _schedule(organiser, end_date="", end_time="")).status == 303
    (item,) = await _agenda(site)
    assert item.event.ends_at == item.event.starts_at


async def test_end_before_start_is_refused_beside_the_end(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, end_date="2026-06-10", end_time="13:00")
    assert _error(page, "end", "event-end-time") == "The end is before the start."
    assert page.by_id("event-end-time").attrs["value"] == "13:00"
    assert page.by_id("event-title").attrs["value"] == "Open house: the practice network"


async def test_unknown_time_zone_is_refused_beside_the_zone(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, timezone="Mars/Olympus_Mons")
    assert _error(page, "timezone", "event-timezone").startswith(
        "Unknown time zone 'Mars/Olympus_Mons'"
    )


async def test_time_skipped_by_the_clocks_is_refused_beside_the_start(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, start_date="2026-03-29", start_time="01:30", end_time="")
    message = _error(page, "start", "event-start-date")
    assert "01:30 does not exist in Europe/London" in message
    assert page.by_id("event-start-time").attrs["aria-invalid"] == "true"
    assert page.all("input", name="fold") == []


async def test_time_the_clocks_repeat_asks_which_one_then_schedules_it(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    changes: dict[str, str | list[str]] = {
        "start_date": "2026-10-25",
        "start_time": "01:30",
        "end_time": "",
    }
    page = await _refused(site, organiser, **changes)
    assert "happens twice in Europe/London" in _error(page, "start", "event-start-date")
    assert "fold=" not in page.html
    assert page.label_for("event-fold-1").startswith("The second time")
    reply = await _schedule(organiser, **changes, fold="1")
    assert reply.status == 303
    (item,) = await _agenda(site)
    # The second 01:30 is in GMT, after the clocks went back.
    assert item.event.starts_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


async def test_every_missing_field_is_reported_at_once_with_values_kept(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(
        site,
        organiser,
        title="",
        start_time="",
        channel=[],
        link="not a link <b>",
        description="kept <i>as typed</i>",
    )
    assert _error(page, "title", "event-title") == "Give the event a title."
    assert _error(page, "start", "event-start-time") == "Enter the time the event starts."
    assert _error(page, "link", "event-link").startswith("'not a link <b>' is not a web address")
    assert (
        _error(page, "targets", "event-sector")
        == "Tick at least one channel, or give a sector tag."
    )
    summary = page.one("div", class_="error-summary")
    links = [a.attrs["href"] for a in page.inside(summary, "a")]
    assert links == ["#event-title", "#event-start-date", "#event-link", "#event-sector"]
    assert page.by_id("event-description").text == "kept <i>as typed</i>"
    assert "kept &lt;i&gt;as typed&lt;/i&gt;" in page.html
    assert page.by_id("event-start-date").attrs["value"] == "2026-06-10"


async def test_start_in_the_past_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, start_date="2025-12-01", end_date="2025-12-01")
    assert _error(page, "start", "event-start-date").startswith("The start is in the past")


async def test_sector_with_no_channel_is_refused_beside_the_targets(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, channel=[], sector="nowhere")
    assert "sector tag 'nowhere'" in _error(page, "targets", "event-sector")
    assert page.by_id("event-sector").attrs["value"] == "nowhere"


async def test_sector_target_reaches_tagged_channels(site: Site, posts: list[Post]) -> None:
    async with site.services.store.transaction() as tx:
        (general,) = await tx.list_channels(platform=Platform.WEB)
        await tx.set_channel_tags(channel_id=general.id, tags=frozenset({"la"}))
    organiser = await Organiser.sign_in(site)
    assert (await _schedule(organiser, channel=[], sector="sector:LA")).status == 303
    (item,) = await _agenda(site)
    assert item.event.targets == ("sector:la",)


async def test_forged_reminder_choice_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, reminder=["1d", "90d"])
    message = page.by_id("event-reminders-error").text.removeprefix("Error: ").strip()
    assert message == "Choose reminders from the list."
    group = page.inside(page.one("form", class_="schedule-form"), "fieldset")
    assert any("event-reminders-error" in f.attrs.get("aria-describedby", "") for f in group)


async def test_unknown_section_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    page = await _refused(site, organiser, section=["no-such-section"])
    assert "No section 'no-such-section'" in page.by_id("event-sections-error").text
    assert "event-sections-error" in page.by_id("event-sections").attrs["aria-describedby"]


async def test_schedule_without_csrf_token_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    before = site.counts()
    reply = await organiser.browser.post("/web/admin/events", event_fields())
    assert reply.status == 403
    assert site.counts() == before


async def test_schedule_by_a_member_is_refused(site: Site, posts: list[Post], ann: Member) -> None:
    before = site.counts()
    fields = [*event_fields(), ("csrf_token", await ann.token())]
    reply = await ann.post("/web/admin/events", fields)
    assert reply.status == 403
    assert "Sign in on the organiser page" in reply.text
    assert site.counts() == before


async def test_cancel_cancels_the_event_and_its_prompts_to_come(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    await _schedule(organiser)
    (item,) = await _agenda(site)
    reply = await organiser.post(f"/web/admin/events/{item.event.id}/cancel", {})
    assert reply.status == 303
    (after,) = await _agenda(site)
    assert after.event.cancelled
    assert {p.state for p in after.prompts} == {PromptState.CANCELLED}
    assert reply.location is not None
    page = await organiser.page(reply.location.split("#")[0])
    assert "Cancelled “Open house" in page.one("div", class_="confirmation").text
    assert page.all("form", action=f"/web/admin/events/{item.event.id}/cancel") == []


async def test_cancelling_a_cancelled_event_says_so(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    await _schedule(organiser)
    (item,) = await _agenda(site)
    await organiser.post(f"/web/admin/events/{item.event.id}/cancel", {})
    reply = await organiser.post(f"/web/admin/events/{item.event.id}/cancel", {})
    assert reply.status == 422
    assert "was cancelled" in reply.page.one("div", class_="error-summary").text


async def test_cancel_without_csrf_token_is_refused(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    await _schedule(organiser)
    (item,) = await _agenda(site)
    reply = await organiser.browser.post(f"/web/admin/events/{item.event.id}/cancel", {})
    assert reply.status == 403
    (after,) = await _agenda(site)
    assert not after.event.cancelled


async def test_cancel_by_a_member_is_refused(site: Site, posts: list[Post], ann: Member) -> None:
    organiser = await Organiser.sign_in(site)
    await _schedule(organiser)
    (item,) = await _agenda(site)
    reply = await ann.post(
        f"/web/admin/events/{item.event.id}/cancel", {"csrf_token": await ann.token()}
    )
    assert reply.status == 403
    (after,) = await _agenda(site)
    assert not after.event.cancelled


async def test_missed_and_sent_prompts_are_listed_with_their_state(
    site: Site, posts: list[Post]
) -> None:
    organiser = await Organiser.sign_in(site)
    await _schedule(organiser)
    (item,) = await _agenda(site)
    day_before = min(p.due_at for p in item.prompts)
    # Down from before the one-day reminder until just after the one-hour reminder: the first
    # is hours late (missed), the second minutes late (still sent).
    site.clock.set(item.event.starts_at - timedelta(minutes=55))
    report = await build_scheduler(site.services).fire_due()
    assert (report.missed, report.sent) == (1, 1)
    page = await (await Organiser.sign_in(site)).page()  # months on: the old session ended
    missed = page.one("td", class_="state state--missed")
    assert missed.text.startswith("missed")
    assert "not sent" in missed.text
    assert page.one("td", class_="state state--sent").text.startswith("sent")
    assert day_before < site.clock.now()


async def test_cancelling_an_unknown_event_says_so(site: Site, posts: list[Post]) -> None:
    organiser = await Organiser.sign_in(site)
    before = site.counts()
    reply = await organiser.post("/web/admin/events/4242/cancel", {})
    assert reply.status == 422
    assert "There is no event 4242" in reply.page.one("div", class_="error-summary").text
    assert site.counts() == before
