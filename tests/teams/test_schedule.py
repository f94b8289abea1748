"""Organisers schedule engagement events from Teams: `schedule` answers with a button, the
button opens a dialog, and its submit either schedules (closing with a summary) or shows the
form again with an error under each bad field, the input kept and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.clock import ManualClock
from bot.commands import REFUSAL
from bot.domain import Platform
from bot.scheduling import Scheduling
from bot.scheduling_mount import build_scheduler
from bot.scheduling_types import EventAgenda, PromptKind
from bot.targets import resolve_channels
from tests.fakes.bot_connector import Call
from tests.teams import activities as act
from tests.teams.card_tools import attention, error_under, inputs, task_card
from tests.teams.conftest import CardSchema, Teams

RESEARCH = f"teams/{act.RESEARCH}"
GENERAL = f"teams/{act.TEAM}"
GOOD = {
    "title": "Open house: sharing practice",
    "description": "An hour on what the network could offer.",
    "start_date": "2026-02-10",
    "start_time": "14:00",
    "end_date": "2026-02-10",
    "end_time": "15:30",
    "timezone": "Europe/London",
    "link": "https://meet.example.org/open-house",
    "channels": RESEARCH,
    "sections": "",
    "remind_1d": "true",
    "remind_1h": "true",
    "follow_up": "true",
    "message": "",
}


def submitted(**changes: Any) -> dict[str, Any]:
    """What Teams sends on Schedule: the button's data and every input (None: input absent)."""
    values = {**GOOD, **changes}
    return {"engage": "schedule", **{f"sch_{k}": v for k, v in values.items() if v is not None}}


async def dialog(
    teams: Teams, name: str, data: Any, *, sender: str = act.ORGANISER_AAD, **extra: Any
) -> dict[str, Any]:
    body = act.invoke(
        teams.service_url, name, thread=f"{act.RESEARCH};messageid=m-300", reply_to="m-301",
        data=data, sender=sender, **extra,
    )  # fmt: skip
    response = await teams.send(body)
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def agenda(teams: Teams) -> list[EventAgenda]:
    return list((await Scheduling.from_services(teams.services).agenda()).events)


async def rejected(
    teams: Teams, card_schema: CardSchema, **changes: Any
) -> dict[str, Any]:  # fmt: skip
    """Submit with these changes; the form must come back, valid, with nothing scheduled."""
    card = task_card(await dialog(teams, "task/submit", submitted(**changes)))
    assert card_schema.errors(card) == []
    assert await agenda(teams) == []
    return card


def mention(teams: Teams, text: str, *, sender: str) -> dict[str, Any]:
    body = act.message(
        teams.service_url, text, conversation_id=f"{act.RESEARCH};messageid=m-400",
        mention=True, activity_id="m-400",
    )  # fmt: skip
    body["from"] = {"id": f"29:{sender}", "name": "Olu", "aadObjectId": sender}
    return body


def answers(teams: Teams) -> list[Call]:
    return [c for c in teams.connector.calls if c.method == "POST" and "/activities" in c.path]


# The command and the button -----------------------------------------------------------------


async def test_schedule_from_an_organiser_answers_with_a_button_that_opens_the_dialog(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    await teams.send(mention(teams, "schedule", sender=act.ORGANISER_AAD))

    (answer,) = answers(teams)
    assert answer.path.endswith("/activities/m-400")
    (attachment,) = answer.body["attachments"]
    card = attachment["content"]
    assert card_schema.errors(card) == []
    (button,) = card["actions"]
    assert button["type"] == "Action.Submit"
    assert button["data"] == {"msteams": {"type": "task/fetch"}, "engage": "schedule"}


async def test_schedule_in_a_personal_chat_answers_there_with_the_button(teams: Teams) -> None:
    await teams.send(act.personal_message(teams.service_url, "schedule", sender=act.ORGANISER_AAD))

    (answer,) = answers(teams)
    assert answer.conversation_id == f"a:personal-{act.ORGANISER_AAD}"
    assert answer.body["attachments"][0]["content"]["actions"][0]["data"]["engage"] == "schedule"


async def test_schedule_from_someone_who_is_not_an_organiser_is_refused(teams: Teams) -> None:
    await teams.install()

    await teams.send(mention(teams, "schedule", sender=act.ALICE_AAD))

    (answer,) = answers(teams)
    assert "only the consultation's organisers" in answer.body["text"]
    assert "attachments" not in answer.body or not answer.body["attachments"]


# Opening the dialog ---------------------------------------------------------------------------


async def test_the_dialog_offers_the_teams_channels_sectors_sections_and_zones(
    teams: Teams, card_schema: CardSchema
) -> None:
    channels = await teams.install()
    async with teams.store.transaction() as tx:
        await tx.set_channel_tags(channel_id=channels[1].id, tags=frozenset({"la"}))

    card = task_card(await dialog(teams, "task/fetch", {"msteams": {}, "engage": "schedule"}))

    assert card_schema.errors(card) == []
    fields = inputs(card)
    assert [fields[f"sch_{n}"]["type"] for n in ("start_date", "start_time")] == [
        "Input.Date",
        "Input.Time",
    ]
    assert fields["sch_description"]["isMultiline"] is True
    assert fields["sch_link"]["style"] == "Url"
    assert fields["sch_timezone"]["value"] == "Europe/London"
    assert "America/New_York" in [c["value"] for c in fields["sch_timezone"]["choices"]]
    assert fields["sch_channels"]["isMultiSelect"] is True
    assert [(c["value"], c["title"]) for c in fields["sch_channels"]["choices"]] == [
        (f"teams/{c.external_id}", c.name) for c in channels
    ]
    assert [c["value"] for c in fields["sch_sector"]["choices"]] == ["sector:la"]
    assert fields["sch_sections"]["isMultiSelect"] is True
    assert [c["value"] for c in fields["sch_sections"]["choices"]] == [
        s.id for s in teams.services.engagement.paper.sections
    ]
    toggles = [fields[f"sch_{n}"] for n in ("remind_1d", "remind_1h", "follow_up")]
    assert [(t["type"], t["value"]) for t in toggles] == [("Input.Toggle", "true")] * 3
    assert fields["sch_message"]["isMultiline"] is True
    assert "sch_fold" not in fields
    assert card["actions"][0]["data"] == {"engage": "schedule"}


async def test_opening_the_dialog_as_someone_who_is_not_an_organiser_gets_the_refusal(
    teams: Teams, card_schema: CardSchema
) -> None:
    card = task_card(
        await dialog(teams, "task/fetch", {"engage": "schedule"}, sender=act.ALICE_AAD)
    )

    assert card_schema.errors(card) == []
    assert attention(card) == [REFUSAL]
    assert not inputs(card)


async def test_before_the_app_is_in_any_team_the_dialog_says_so_instead_of_offering_channels(
    teams: Teams, card_schema: CardSchema
) -> None:
    card = task_card(await dialog(teams, "task/fetch", {"engage": "schedule"}))

    assert card_schema.errors(card) == []
    assert "sch_channels" not in inputs(card)
    assert "sch_sector" not in inputs(card)
    assert any("engage is in no Teams channel yet" in e.get("text", "") for e in card["body"])


# Scheduling -------------------------------------------------------------------------------


async def test_a_valid_event_is_scheduled_with_reminders_and_follow_up_and_summarised(
    teams: Teams,
) -> None:
    await teams.install()

    answer = await dialog(teams, "task/submit", submitted(sections="questions-for-you"))

    assert answer["task"]["type"] == "message"
    summary = answer["task"]["value"]
    assert summary.startswith("Scheduled: “Open house: sharing practice”")
    assert "Tuesday 10 February 2026, 14:00 GMT to 15:30 GMT" in summary
    assert "in Youth Services/Research" in summary
    assert "Monday 9 February 2026, 14:00 GMT; Tuesday 10 February 2026, 13:00 GMT" in summary
    assert "Follow-up: Tuesday 10 February 2026, 16:30 GMT" in summary
    (item,) = await agenda(teams)
    event = item.event
    assert (event.starts_at, event.ends_at) == (
        datetime(2026, 2, 10, 14, 0, tzinfo=UTC),
        datetime(2026, 2, 10, 15, 30, tzinfo=UTC),
    )
    assert event.targets == (RESEARCH,)
    assert event.section_ids == ("questions-for-you",)
    assert event.link == "https://meet.example.org/open-house"
    assert [p.kind for p in item.prompts] == [
        PromptKind.REMINDER,
        PromptKind.REMINDER,
        PromptKind.FOLLOW_UP,
    ]


async def test_the_stored_targets_name_exactly_the_channels_chosen(teams: Teams) -> None:
    await teams.install()
    await dialog(teams, "task/submit", submitted(channels=f"{RESEARCH},{GENERAL}"))
    (item,) = await agenda(teams)

    async with teams.store.transaction() as tx:
        found = [await resolve_channels(tx, t) for t in item.event.targets]

    assert [[c.external_id for c in f] for f in found] == [[act.RESEARCH], [act.TEAM]]


async def test_the_first_reminder_is_posted_to_the_chosen_teams_channel_when_due(
    teams: Teams, clock: ManualClock
) -> None:
    await teams.install()
    await dialog(teams, "task/submit", submitted())
    clock.set(datetime(2026, 2, 9, 14, 0, tzinfo=UTC))

    await build_scheduler(teams.services).fire_due()
    await teams.services.senders[Platform.TEAMS].drain()

    (thread,) = teams.connector.threads()
    assert thread.startswith(f"{act.RESEARCH};messageid=")
    (root,) = teams.connector.in_thread(thread)
    assert root.activity["text"].startswith("Reminder: Open house: sharing practice starts")


async def test_reminders_switched_off_are_not_scheduled(teams: Teams) -> None:
    await teams.install()

    answer = await dialog(
        teams, "task/submit", submitted(remind_1d="false", remind_1h="false", follow_up="false")
    )

    assert "No reminders." in answer["task"]["value"]
    (item,) = await agenda(teams)
    assert item.prompts == ()


async def test_an_event_without_an_end_is_a_point_in_time(teams: Teams) -> None:
    await teams.install()

    await dialog(teams, "task/submit", submitted(end_date="", end_time=None))

    (item,) = await agenda(teams)
    assert item.event.ends_at == item.event.starts_at


async def test_an_end_time_alone_is_on_the_start_day(teams: Teams) -> None:
    await teams.install()

    await dialog(teams, "task/submit", submitted(end_date="", end_time="16:00"))

    (item,) = await agenda(teams)
    assert item.event.ends_at == datetime(2026, 2, 10, 16, 0, tzinfo=UTC)


async def test_a_time_zone_outside_the_list_is_used_when_it_is_a_real_one(teams: Teams) -> None:
    await teams.install()

    await dialog(teams, "task/submit", submitted(timezone="Asia/Tokyo", end_time=None, end_date=""))

    (item,) = await agenda(teams)
    assert item.event.timezone == "Asia/Tokyo"
    assert item.event.starts_at == datetime(2026, 2, 10, 5, 0, tzinfo=UTC)


async def test_a_sector_alone_is_enough_to_say_where(teams: Teams) -> None:
    channels = await teams.install()
    async with teams.store.transaction() as tx:
        await tx.set_channel_tags(channel_id=channels[0].id, tags=frozenset({"la"}))

    answer = await dialog(teams, "task/submit", submitted(channels="", sector="sector:la"))

    assert answer["task"]["type"] == "message"
    (item,) = await agenda(teams)
    assert item.event.targets == ("sector:la",)


async def test_the_message_is_scheduled_for_the_events_channels_with_its_time_and_link(
    teams: Teams,
) -> None:
    await teams.install()

    answer = await dialog(
        teams, "task/submit", submitted(message="Join us to talk about section 3!")
    )

    assert "Your message goes to those channels within a minute." in answer["task"]["value"]
    (item,) = await agenda(teams)
    (message,) = [p for p in item.prompts if p.kind is PromptKind.MESSAGE]
    assert message.event_id == item.event.id
    assert message.text.startswith("Join us to talk about section 3!\n\n")
    assert "Tuesday 10 February 2026, 14:00 GMT" in message.text
    assert "Join: https://meet.example.org/open-house" in message.text
    assert 0 < (message.due_at - teams.services.clock.now()).total_seconds() <= 60


async def test_a_submit_delivered_twice_schedules_the_event_once(teams: Teams) -> None:
    await teams.install()

    first = await dialog(teams, "task/submit", submitted(), activity_id="f:schedule-1")
    again = await dialog(teams, "task/submit", submitted(), activity_id="f:schedule-1")

    assert first["task"]["value"].startswith("Scheduled:")
    assert again["task"]["value"].startswith("Already scheduled:")
    assert len(await agenda(teams)) == 1


async def test_a_time_that_happens_twice_asks_which_and_then_schedules_that_one(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()
    night = {"start_date": "2026-10-25", "start_time": "01:30", "end_date": "", "end_time": ""}

    card = await rejected(teams, card_schema, **night)
    fold = inputs(card)["sch_fold"]
    assert [c["value"] for c in fold["choices"]] == ["0", "1"]
    assert "BST" in fold["choices"][0]["title"]
    assert "GMT" in fold["choices"][1]["title"]
    assert "happens twice" in (error_under(card, "sch_fold") or "")

    answer = await dialog(teams, "task/submit", submitted(**night, fold="1"))

    assert answer["task"]["type"] == "message"
    (item,) = await agenda(teams)
    assert item.event.starts_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


async def test_the_choice_between_two_equal_times_is_kept_when_another_field_is_wrong(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(
        teams, card_schema, title="", start_date="2026-10-25", start_time="01:30",
        end_date="", end_time="", fold="1",
    )  # fmt: skip

    assert inputs(card)["sch_fold"]["value"] == "1"
    assert error_under(card, "sch_fold") is None
    assert error_under(card, "sch_title") == "give the event a title."


async def test_a_choice_between_two_equal_times_that_is_neither_is_shown_under_it(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(
        teams, card_schema, start_date="2026-10-25", start_time="01:30", end_date="",
        end_time="", fold="2",
    )  # fmt: skip

    assert error_under(card, "sch_fold") == "Choose the first or the second of the two times."


# Bad input: the form again, an error under the field, input kept, nothing scheduled ------------


async def test_an_end_before_the_start_is_shown_under_the_end(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, end_time="13:00")

    assert error_under(card, "sch_end_time") == "the end is before the start."
    fields = inputs(card)
    assert (fields["sch_end_date"]["value"], fields["sch_end_time"]["value"]) == (
        "2026-02-10",
        "13:00",
    )
    assert fields["sch_title"]["value"] == GOOD["title"]
    assert fields["sch_channels"]["value"] == RESEARCH


async def test_an_unknown_time_zone_is_shown_under_the_zone(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, timezone="Mars/Olympus_Mons")

    assert "unknown time zone 'Mars/Olympus_Mons'" in (error_under(card, "sch_timezone") or "")


async def test_a_local_time_the_clocks_skip_is_shown_under_the_start(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(
        teams, card_schema, start_date="2026-03-29", start_time="01:30", end_date="", end_time=""
    )

    error = error_under(card, "sch_start_time") or ""
    assert "01:30 does not exist in Europe/London" in error
    assert inputs(card)["sch_start_time"]["value"] == "01:30"


async def test_a_channel_the_bot_does_not_know_is_shown_under_the_channels(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(
        teams, card_schema, channels=f"{RESEARCH},teams/19:elsewhere@thread.tacv2"
    )

    error = error_under(card, "sch_channels") or ""
    assert "engage is not in the channel 'teams/19:elsewhere@thread.tacv2'" in error
    assert inputs(card)["sch_channels"]["value"] == RESEARCH  # what is still offered is kept


async def test_a_channel_the_bot_was_removed_from_is_no_longer_accepted(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()
    await teams.send(act.bot_removed(teams.service_url))

    card = await rejected(teams, card_schema)

    assert "sch_channels" not in inputs(card)  # none left to offer
    assert any(text.startswith("engage is not in the channel") for text in attention(card))


async def test_a_sector_no_channel_carries_is_shown_under_the_sector(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, channels="", sector="sector:nowhere")

    assert any("sector tag 'nowhere'" in text for text in attention(card))


async def test_no_channel_and_no_sector_asks_for_one(teams: Teams, card_schema: CardSchema) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, channels="")

    assert error_under(card, "sch_channels") == "Choose at least one channel, or a sector."


async def test_a_start_in_the_past_is_shown_under_the_start(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, start_date="2025-12-01", end_date="2025-12-01")

    assert "in the past" in (error_under(card, "sch_start_time") or "")


async def test_a_missing_start_time_is_shown_under_the_start(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, start_time="")

    assert error_under(card, "sch_start_date") == "Choose the start time."


async def test_a_date_that_is_not_a_date_is_shown_under_it_and_not_put_back(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, start_date="next tuesday")

    assert "'next tuesday' is not a date" in (error_under(card, "sch_start_date") or "")
    assert "value" not in inputs(card)["sch_start_date"]


async def test_an_empty_title_is_shown_under_the_title(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, title="   ")

    assert error_under(card, "sch_title") == "give the event a title."


async def test_a_link_that_is_not_a_web_address_is_shown_under_the_link(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, link="javascript:alert(1)")

    assert "is not a web address" in (error_under(card, "sch_link") or "")


async def test_an_unknown_section_is_shown_under_the_sections(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, sections="no-such-section")

    assert "No section 'no-such-section'" in (error_under(card, "sch_sections") or "")


async def test_a_reminder_switch_with_an_odd_value_is_shown_under_the_reminders(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, remind_1h="maybe")

    assert error_under(card, "sch_follow_up") == "Switch each reminder on or off."


async def test_a_message_too_long_is_shown_under_the_message(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, message="word " * 500)

    assert error_under(card, "sch_message") == "Keep the message under 2000 characters."


async def test_several_bad_fields_are_all_shown_at_once(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, title="", link="not a link", end_time="09:00")

    assert error_under(card, "sch_title") is not None
    assert error_under(card, "sch_link") is not None
    assert error_under(card, "sch_end_time") is not None


# Malformed submits --------------------------------------------------------------------------


async def test_inputs_that_are_not_text_are_shown_as_unreadable(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = await rejected(teams, card_schema, title=42, channels=[RESEARCH], start_time={"h": 1})

    unreadable = "That value could not be read; enter it again."
    assert error_under(card, "sch_title") == unreadable
    assert error_under(card, "sch_channels") == unreadable
    assert error_under(card, "sch_start_date") == unreadable


async def test_a_submit_with_only_the_routing_data_asks_for_every_required_field(
    teams: Teams, card_schema: CardSchema
) -> None:
    await teams.install()

    card = task_card(await dialog(teams, "task/submit", {"engage": "schedule"}))

    assert card_schema.errors(card) == []
    assert error_under(card, "sch_start_date") == "Choose the start date."
    assert error_under(card, "sch_channels") == "Choose at least one channel, or a sector."
    assert await agenda(teams) == []


async def test_a_submit_from_someone_who_is_not_an_organiser_schedules_nothing(
    teams: Teams,
) -> None:
    await teams.install()

    card = task_card(await dialog(teams, "task/submit", submitted(), sender=act.ALICE_AAD))

    assert attention(card) == [REFUSAL]
    assert await agenda(teams) == []


async def test_a_schedule_submit_whose_value_is_not_an_object_gets_an_error_card(
    teams: Teams,
) -> None:
    body = act.invoke(
        teams.service_url, "task/submit", thread=f"{act.RESEARCH};messageid=m-300",
        reply_to="m-301", data=None, sender=act.ORGANISER_AAD,
    )  # fmt: skip
    body["value"] = ["engage", "schedule"]

    response = await teams.send(body)

    assert response.status == 200
    assert "out of date" in attention(task_card(await response.json()))[0]
    assert await agenda(teams) == []


async def test_the_dialog_works_from_a_personal_chat(teams: Teams) -> None:
    await teams.install()
    body = act.personal_invoke(
        teams.service_url, "task/submit", sender=act.ORGANISER_AAD, data=submitted()
    )

    response = await teams.send(body)

    assert (await response.json())["task"]["type"] == "message"
    assert len(await agenda(teams)) == 1
