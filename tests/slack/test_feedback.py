"""*Give feedback*: the modal Slack is asked to open, and what its submission stores."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.slack.layout import FEEDBACK_ACTION, REPLY_ACTION
from adapters.slack.mount import SLACK
from bot.domain import Post
from bot.forms import ROLE_OPTIONS
from tests.slack import payloads
from tests.slack.payloads import select_state, text_state
from tests.slack.world import GENERAL, MEMBER, SlackWorld


@pytest.fixture
async def post(world: SlackWorld) -> Post:
    await world.join()
    (posted,) = await world.publish(["1"])
    return posted


async def _open(world: SlackWorld, post: Post) -> dict[str, Any]:
    reply = await world.press(post)
    assert reply.status == 200, reply.text
    return world.fake.views[-1]


def _good_values() -> dict[str, Any]:
    return {
        "nature": select_state("0"),
        "summary": text_state("A clear and useful section"),
        "details": text_state(None),
        "role": select_state(str(ROLE_OPTIONS.index("Data and digital supplier or partner"))),
        "org": text_state("Northshire Council"),
        "email": text_state("ann@example.org", kind="email_text_input"),
    }


async def test_give_feedback_opens_a_modal_with_the_sections_form(
    world: SlackWorld, post: Post
) -> None:
    view = await _open(world, post)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["nature", "summary", "details", "role", "org", "email", "quote"]
    assert inputs["quote"]["optional"] is True
    assert inputs["summary"]["element"]["min_length"] == 5
    assert inputs["details"]["element"]["multiline"] is True
    assert inputs["email"]["element"]["type"] == "email_text_input"
    assert inputs["nature"]["optional"] is True
    assert inputs["role"].get("optional", False) is False
    assert len(inputs["role"]["element"]["options"]) == len(ROLE_OPTIONS)
    assert f'"p":{post.id}' in view["private_metadata"]


async def test_an_invalid_submission_returns_errors_for_exactly_the_bad_fields(
    world: SlackWorld, post: Post
) -> None:
    view = await _open(world, post)
    values = {
        **_good_values(),
        "summary": text_state("abc"),
        "role": select_state(None),
        "email": text_state("not-an-email", kind="email_text_input"),
    }
    reply = await world.interact(payloads.view_submission(view=view, values=values, user=MEMBER))
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"summary", "role", "email"}
    assert world.rows("feedback") == 0


async def test_a_valid_submission_is_stored_and_confirmed_privately(
    world: SlackWorld, post: Post
) -> None:
    view = await _open(world, post)
    reply = await world.interact(
        payloads.view_submission(view=view, values=_good_values(), user=MEMBER)
    )
    assert reply.status == 200
    assert reply.text == ""  # an empty acknowledgement closes the modal
    await world.client.app[SLACK].background.wait()
    assert world.rows("feedback") == 1
    (confirmation,) = world.fake.ephemerals
    assert confirmation["user"] == MEMBER
    assert confirmation["channel"] == GENERAL
    assert "Why a shared practice network" in confirmation["text"]
    assert confirmation["link_names"] is False


async def test_a_double_submission_of_one_modal_is_stored_once(
    world: SlackWorld, post: Post
) -> None:
    view = await _open(world, post)
    submission = payloads.view_submission(
        view=view, values=_good_values(), user=MEMBER, view_id="V9", view_hash="h9"
    )
    first = await world.interact(submission)
    second = await world.interact(submission)
    await world.client.app[SLACK].background.wait()
    assert (first.status, second.status) == (200, 200)
    assert world.rows("feedback") == 1
    assert len(world.fake.ephemerals) == 1


async def test_a_submission_with_forged_metadata_is_refused_in_the_form(
    world: SlackWorld, post: Post
) -> None:
    view = {**(await _open(world, post)), "private_metadata": "{not ours"}
    reply = await world.interact(
        payloads.view_submission(view=view, values=_good_values(), user=MEMBER)
    )
    assert reply.json()["response_action"] == "errors"
    assert world.rows("feedback") == 0


async def test_give_feedback_on_a_message_that_is_not_ours_opens_nothing(
    world: SlackWorld, post: Post
) -> None:
    action = payloads.block_action(
        action_id=FEEDBACK_ACTION, value="999", user=MEMBER, channel=GENERAL, message_ts="1.1"
    )
    assert (await world.interact(action)).status == 200
    await world.client.app[SLACK].background.wait()
    assert world.fake.views == []
    assert world.fake.calls_to("views.open") == []


@pytest.mark.parametrize(
    ("failure", "code"), [("expired_trigger_id", "expired_trigger_id"), ("429", "ratelimited")]
)
async def test_when_slack_will_not_open_the_form_the_member_is_told_privately_to_press_again(
    world: SlackWorld, post: Post, failure: str, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    world.fake.fail_next("views.open", failure)
    reply = await world.press(post)
    assert (reply.status, reply.text) == (200, "")  # acknowledged all the same
    assert [c.error for c in world.fake.calls_to("views.open")] == [code]
    (apology,) = world.fake.ephemerals
    assert (apology["user"], apology["channel"]) == (MEMBER, GENERAL)
    assert "Give feedback" in apology["text"]
    assert "again" in apology["text"]
    assert apology["link_names"] is False
    (logged,) = [r for r in caplog.records if "views.open" in r.getMessage()]
    assert logged.levelno == logging.WARNING
    assert code in logged.getMessage()


async def test_reply_in_thread_sends_a_private_link_to_the_thread(
    world: SlackWorld, post: Post
) -> None:
    assert (await world.press(post, action_id=REPLY_ACTION)).status == 200
    (hint,) = world.fake.ephemerals
    assert "https://fake.slack.test/archives/C0GENERAL/p" in hint["text"]
