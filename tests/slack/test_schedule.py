"""`/engage schedule`: organisers fill in a modal; a good submission schedules the event and
its prompts and is confirmed privately, a bad one gets errors on the right fields and stores
nothing."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from adapters.slack.mount import SLACK
from bot.commands import REFUSAL
from bot.domain import Platform
from tests.slack import payloads
from tests.slack.schedule_state import schedule_state
from tests.slack.world import GENERAL, MEMBER, ORGANISER, Reply, SlackWorld


@pytest.fixture
async def view(world: SlackWorld) -> dict[str, Any]:
    """The modal an organiser opened from #general."""
    world.fake.add_channel(GENERAL, "general")
    reply = await world.command("schedule")
    assert reply.status == 200, reply.text
    assert reply.text == ""  # the modal is the answer
    return world.fake.views[-1]


async def _submit(
    world: SlackWorld, view: dict[str, Any], user: str = ORGANISER, **state: Any
) -> Reply:
    submission = payloads.view_submission(view=view, values=schedule_state(**state), user=user)
    reply = await world.interact(submission)
    assert reply.status == 200, reply.text
    return reply


def _errors(reply: Reply) -> dict[str, str]:
    body = reply.json()
    assert body["response_action"] == "errors", body
    return dict(body["errors"])


def _nothing_scheduled(world: SlackWorld) -> bool:
    return world.rows("engagement_events") == 0 and world.rows("prompts") == 0


async def _targets(world: SlackWorld) -> list[tuple[str, ...]]:
    async with world.services.store.transaction() as tx:
        return [e.targets for e in await tx.list_events(include_cancelled=False)]


async def test_an_organiser_gets_a_modal_with_every_field(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == [
        "title",
        "description",
        "start_date",
        "start_time",
        "end_date",
        "end_time",
        "timezone",
        "link",
        "channels",
        "sector",
        "sections",
        "prompts",
        "message",
    ]
    assert inputs["start_date"]["type"] == "datepicker"
    assert inputs["start_time"]["type"] == "timepicker"
    assert inputs["timezone"]["initial_option"]["value"] == "Europe/London"
    assert inputs["link"]["type"] == "url_text_input"
    assert inputs["channels"]["type"] == "multi_conversations_select"
    assert inputs["channels"]["default_to_current_conversation"] is True
    assert len(inputs["sections"]["options"]) == 4  # the example paper's sections
    assert len(inputs["prompts"]["initial_options"]) == 3  # both reminders and the follow-up
    assert inputs["description"]["multiline"] is True
    assert len(view["title"]["text"]) <= 24


async def test_someone_who_is_not_an_organiser_gets_no_modal(world: SlackWorld) -> None:
    reply = await world.command("schedule", user=MEMBER)
    assert reply.json() == {"response_type": "ephemeral", "text": REFUSAL}
    assert world.fake.views == []


async def test_a_good_submission_schedules_the_event_and_its_prompts_and_confirms_privately(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    reply = await _submit(world, view)
    assert reply.json() == {"response_action": "clear"}
    await world.client.app[SLACK].background.wait()
    assert world.rows("engagement_events") == 1
    assert world.rows("prompts") == 3
    assert await _targets(world) == [("slack/C0GENERAL",)]
    (confirmation,) = world.fake.ephemerals
    assert (confirmation["user"], confirmation["channel"]) == (ORGANISER, GENERAL)
    text = confirmation["text"]
    assert "*Open house: the network*" in text
    assert "Tuesday 10 March 2026, 14:00 GMT to Tuesday 10 March 2026, 15:00 GMT" in text
    assert "<#C0GENERAL>" in text
    assert "• Reminder: Monday 9 March 2026, 14:00 GMT" in text
    assert "• Reminder: Tuesday 10 March 2026, 13:00 GMT" in text
    assert "• Follow-up: Tuesday 10 March 2026, 16:00 GMT" in text


async def test_the_schedule_is_audited_under_the_organisers_slack_id(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    await _submit(world, view)
    with sqlite3.connect(world.db) as conn:
        rows = conn.execute("SELECT actor, action FROM audit_log").fetchall()
    assert (f"slack:{ORGANISER}", "event.schedule") in rows


async def test_an_end_before_the_start_is_shown_on_the_end_time_and_nothing_is_stored(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, start_time="14:00", end_time="13:00"))
    assert set(errors) == {"end_time"}
    assert "before the start" in errors["end_time"]
    assert _nothing_scheduled(world)


async def test_an_unknown_time_zone_is_shown_on_the_zone_and_nothing_is_stored(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, timezone="Europe/Atlantis"))
    assert set(errors) == {"timezone"}
    assert "unknown time zone 'Europe/Atlantis'" in errors["timezone"]
    assert _nothing_scheduled(world)


async def test_a_time_the_clocks_skip_is_refused_with_the_reason(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    # 29 March 2026: the UK's clocks go from 01:00 to 02:00.
    errors = _errors(
        await _submit(world, view, start_date="2026-03-29", start_time="01:30", end_time="03:00")
    )
    assert set(errors) == {"start_time"}
    assert "01:30 does not exist in Europe/London" in errors["start_time"]
    assert _nothing_scheduled(world)


async def test_a_time_that_happens_twice_asks_for_another_time_not_a_fold(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    # 25 October 2026: the UK's clocks go back from 02:00 to 01:00.
    errors = _errors(
        await _submit(world, view, start_date="2026-10-25", start_time="01:30", end_time="03:00")
    )
    assert "occurs twice" in errors["start_time"]
    assert "fold" not in errors["start_time"]
    assert errors["start_time"].endswith("Choose a time outside the repeated hour.")
    assert _nothing_scheduled(world)


async def test_a_start_in_the_past_is_refused(world: SlackWorld, view: dict[str, Any]) -> None:
    errors = _errors(await _submit(world, view, start_date="2025-12-01"))
    assert "in the past" in errors["start_time"]
    assert _nothing_scheduled(world)


async def test_a_missing_start_date_is_shown_on_the_date_alone(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, start_date=None))
    assert errors == {"start_date": "Choose the day the event starts."}
    assert _nothing_scheduled(world)


async def test_an_end_date_without_an_end_time_is_refused(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, end_date="2026-03-11", end_time=None))
    assert set(errors) == {"end_time"}
    assert _nothing_scheduled(world)


async def test_several_bad_fields_are_all_shown_at_once(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(
        await _submit(world, view, title=" ", link="ftp://files.example.org", end_time="13:00")
    )
    assert set(errors) == {"title", "link", "end_time"}
    assert "https://" in errors["link"]
    assert _nothing_scheduled(world)


async def test_a_channel_the_bot_cannot_see_is_refused_and_nothing_is_stored(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    channels_before = world.rows("channels")
    errors = _errors(await _submit(world, view, channels=(GENERAL, "C0SECRET")))
    assert set(errors) == {"channels"}
    assert "engage cannot see channel C0SECRET" in errors["channels"]
    assert "/invite @engage" in errors["channels"]
    assert _nothing_scheduled(world)
    assert world.rows("channels") == channels_before


async def test_a_channel_the_bot_is_not_a_member_of_is_refused(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    world.fake.add_channel("C0OUTSIDE", "outside", member=False)
    errors = _errors(await _submit(world, view, channels=("C0OUTSIDE",)))
    assert "engage is not in #outside" in errors["channels"]
    assert _nothing_scheduled(world)
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id="C0OUTSIDE"
    )
    assert channel is None


async def test_a_channel_engage_has_not_met_is_registered_under_its_slack_name(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    world.fake.add_channel("C0NEWS", "news-and-updates")
    reply = await _submit(world, view, channels=("C0NEWS",))
    assert reply.json() == {"response_action": "clear"}
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id="C0NEWS"
    )
    assert channel is not None
    assert channel.name == "news-and-updates"
    assert await _targets(world) == [("slack/C0NEWS",)]


async def test_an_invalid_event_registers_no_channel_it_named(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    world.fake.add_channel("C0NEWS", "news-and-updates")
    _errors(await _submit(world, view, channels=("C0NEWS",), end_time="13:00"))
    channel = await world.services.engagement.find_channel(
        platform=Platform.SLACK, workspace_id=payloads.TEAM, external_id="C0NEWS"
    )
    assert channel is None


async def test_no_channel_and_no_sector_is_refused(world: SlackWorld, view: dict[str, Any]) -> None:
    errors = _errors(await _submit(world, view, channels=()))
    assert errors == {"channels": "Choose at least one channel engage is in, or a sector tag."}
    assert _nothing_scheduled(world)


async def test_a_sector_tag_no_channel_carries_is_refused(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, sector="nobody-has-this"))
    assert "sector tag 'nobody-has-this'" in errors["channels"]
    assert _nothing_scheduled(world)


async def test_a_section_that_is_not_in_the_paper_is_refused(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, sections=("1", "99")))
    assert set(errors) == {"sections"}
    assert "No section '99'" in errors["sections"]
    assert _nothing_scheduled(world)


async def test_unticked_prompts_schedule_the_event_alone(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    await _submit(world, view, prompts=())
    await world.client.app[SLACK].background.wait()
    assert (world.rows("engagement_events"), world.rows("prompts")) == (1, 0)
    assert "No reminders or follow-up" in world.fake.ephemerals[0]["text"]


async def test_an_announcement_is_scheduled_as_a_message_to_the_same_channels(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    await _submit(world, view, prompts=(), message="Join us on the 10th!")
    await world.client.app[SLACK].background.wait()
    with sqlite3.connect(world.db) as conn:
        rows = conn.execute("SELECT kind, text, event_id FROM prompts").fetchall()
    assert rows == [("message", "Join us on the 10th!", 1)]
    assert "• Announcement:" in world.fake.ephemerals[0]["text"]


async def test_a_submission_from_someone_not_an_organiser_is_refused_in_the_form(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, view, user=MEMBER))
    assert errors == {"title": REFUSAL}
    assert _nothing_scheduled(world)


async def test_a_submission_with_forged_metadata_is_refused(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    errors = _errors(await _submit(world, {**view, "private_metadata": "{nope"}))
    assert "run /engage schedule again" in errors["title"]
    assert _nothing_scheduled(world)


async def test_the_confirmation_goes_to_a_dm_when_the_channel_refuses_it(
    world: SlackWorld, view: dict[str, Any]
) -> None:
    world.fake.fail_next("chat.postEphemeral", "channel_not_found")
    await _submit(world, view)
    await world.client.app[SLACK].background.wait()
    (dm,) = [m for m in world.fake.posted() if m.channel.startswith("D")]
    assert dm.channel == "D" + ORGANISER[1:]
    assert "*Open house: the network*" in dm.text
