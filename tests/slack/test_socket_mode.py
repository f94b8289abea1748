"""Socket Mode: events arrive over a WebSocket engage opens, are stored, then acknowledged."""

from __future__ import annotations

import asyncio

from adapters.slack.socket_mode import run_socket_mode
from tests.slack import payloads
from tests.slack.world import GENERAL, MEMBER, SlackWorld

APP_TOKEN = "xapp-1-engage-tests"


async def test_an_event_over_socket_mode_is_stored_and_acknowledged(world: SlackWorld) -> None:
    await world.join()
    (post,) = await world.publish(["1"])
    assert post.root_message_id is not None
    world.fake.app_tokens.add(APP_TOKEN)
    running = asyncio.create_task(run_socket_mode(world.services, APP_TOKEN))
    try:
        await asyncio.wait_for(world.fake.socket_connected.wait(), timeout=10)
        event = payloads.reaction(
            "reaction_added", user=MEMBER, emoji="bulb", channel=GENERAL, ts=post.root_message_id
        )
        await world.fake.push(
            {
                "envelope_id": "env-1",
                "type": "events_api",
                "accepts_response_payload": False,
                "retry_attempt": 0,
                "retry_reason": "",
                "payload": payloads.envelope(event),
            }
        )
        ack = await asyncio.wait_for(world.fake.socket_acks.get(), timeout=10)
        assert ack["envelope_id"] == "env-1"
        assert world.rows("reactions") == 1  # stored before the acknowledgement went back
    finally:
        world.services.stop.set()
        await asyncio.wait_for(running, timeout=10)
