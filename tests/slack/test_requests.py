"""Requests to /slack/events that engage must refuse, and the handshake it must answer."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import jsonschema
import pytest

from adapters.slack.bolt_app import BOLT_REFUSAL_LOGGER
from tests.slack import payloads
from tests.slack.world import FORM, MEMBER, SlackWorld

SCHEMA = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "specs"
    / "slack_common_event_wrapper_schema.json"
)


def _rejected(world: SlackWorld, reason: str) -> float:
    value = world.services.metrics.registry.get_sample_value(
        "engage_rejected_requests_total", {"platform": "slack", "reason": reason}
    )
    return value or 0.0


@pytest.mark.skipif(
    not SCHEMA.exists(), reason="the shared Slack specs (../shared/specs) are absent"
)
def test_the_event_envelopes_the_tests_send_match_slacks_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel="C1", ts="1.2"
    )
    jsonschema.validate(payloads.envelope(event), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**payloads.envelope(event), "event_id": 5}, schema)


async def test_a_bad_signature_is_refused_with_401_and_nothing_is_stored(world: SlackWorld) -> None:
    await world.join()
    (post,) = await world.publish(["1"])
    before = world.row_counts()
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel="C0GENERAL", ts=post.message_ids[0]
    )
    reply = await world.send(json.dumps(payloads.envelope(event)), secret="not-our-secret")
    assert reply.status == 401
    assert world.row_counts() == before
    assert _rejected(world, "bad_signature") == 1


async def test_a_refused_body_is_not_written_to_the_log(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # As in a server at LOG_LEVEL=INFO or below: Bolt's loggers take its level when built.
    caplog.set_level(logging.DEBUG, logger=BOLT_REFUSAL_LOGGER)
    event = payloads.reaction("reaction_added", user=MEMBER, emoji="x", channel="C1", ts="1.2")
    body = json.dumps(payloads.envelope(event, event_id="EvFORGED-a-line-nobody-should-keep"))
    reply = await world.send(body, secret="not-our-secret")
    assert reply.status == 401
    assert any("bad_signature" in record.getMessage() for record in caplog.records)
    assert not any("a-line-nobody-should-keep" in record.getMessage() for record in caplog.records)


async def test_a_timestamp_six_minutes_old_is_refused_with_401(world: SlackWorld) -> None:
    await world.join()
    (post,) = await world.publish(["1"])
    before = world.row_counts()
    event = payloads.reaction(
        "reaction_added", user=MEMBER, emoji="thumbsup", channel="C0GENERAL", ts=post.message_ids[0]
    )
    stale = int(time.time()) - 6 * 60
    reply = await world.send(json.dumps(payloads.envelope(event)), timestamp=stale)
    assert reply.status == 401
    assert world.row_counts() == before
    assert _rejected(world, "stale_timestamp") == 1


async def test_an_unsigned_request_is_refused_with_401(world: SlackWorld) -> None:
    reply = await world.send(json.dumps(payloads.url_verification("abc")), signed=False)
    assert reply.status == 401
    assert "abc" not in reply.text
    assert _rejected(world, "unsigned") == 1


async def test_a_signed_url_verification_gets_its_challenge_back(world: SlackWorld) -> None:
    reply = await world.send(json.dumps(payloads.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY")))
    assert reply.status == 200
    assert reply.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"}


async def test_a_signed_body_that_is_not_json_answers_400(world: SlackWorld) -> None:
    before = world.row_counts()
    reply = await world.send('{"type": "event_callback", "event": ')
    assert reply.status == 400
    assert "not valid JSON" in reply.json()["detail"]
    assert world.row_counts() == before
    assert _rejected(world, "malformed") == 1


async def test_an_unsigned_body_that_is_not_json_is_refused_as_unsigned(world: SlackWorld) -> None:
    reply = await world.send('{"type": "event_callback", "event": ', signed=False)
    assert reply.status == 401
    assert _rejected(world, "unsigned") == 1
    assert _rejected(world, "malformed") == 0


async def test_a_signed_json_body_that_is_not_an_object_answers_400(world: SlackWorld) -> None:
    reply = await world.send("[1, 2]")
    assert reply.status == 400
    assert "not an object" in reply.json()["detail"]


async def test_a_signed_event_without_an_event_id_answers_400(world: SlackWorld) -> None:
    body = payloads.envelope({"type": "reaction_added"})
    del body["event_id"]
    reply = await world.send(json.dumps(body))
    assert reply.status == 400


async def test_a_signed_form_whose_payload_is_not_json_answers_400(world: SlackWorld) -> None:
    reply = await world.send("payload=%7Bnot-json", content_type=FORM)
    assert reply.status == 400
    assert "payload" in reply.json()["detail"]


async def test_a_signed_form_that_is_no_slack_request_answers_400(world: SlackWorld) -> None:
    reply = await world.send("a=1&&=", content_type=FORM)
    assert reply.status == 400


async def test_an_unknown_event_type_is_acknowledged_and_changes_nothing(world: SlackWorld) -> None:
    before = world.row_counts()
    reply = await world.event({"type": "emoji_changed", "subtype": "add", "name": "party"})
    assert reply.status == 200
    assert world.row_counts() == before
