"""Multi-workspace: installing through OAuth stores the workspace's bot token in our database,
and engage then answers and posts in that workspace with it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from tests.fakes.slack_api import Bot
from tests.slack import payloads
from tests.slack.conftest import MakeWorld
from tests.slack.world import SlackWorld

# slack_sdk still hands aiohttp a BasicAuth for the token exchange.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")

SECOND = Bot(team_id="T0SECOND", user_id="U0BOT2", bot_id="B0BOT2")
SECOND_TOKEN = "xoxb-second-workspace"


@pytest.fixture
async def oauth_world(make_world: MakeWorld) -> AsyncIterator[SlackWorld]:
    async with make_world(
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret=SecretStr("client-secret"),
    ) as world:
        yield world


async def _install(world: SlackWorld, code: str = "code-1") -> int:
    page = await world.client.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([^&\"']+)", await page.text())
    assert state is not None
    world.fake.oauth_codes[code] = (SECOND_TOKEN, SECOND)
    done = await world.client.get(
        f"/slack/oauth_redirect?code={code}&state={state.group(1)}",
        headers={"Cookie": f"slack-app-oauth-state={state.group(1)}"},
    )
    return done.status


async def test_installing_stores_the_workspaces_bot_token(oauth_world: SlackWorld) -> None:
    assert await _install(oauth_world) == 200
    assert oauth_world.rows("slack_bots") == 1
    assert oauth_world.rows("slack_installations") == 1
    (exchange,) = oauth_world.fake.calls_to("oauth.v2.access")
    assert exchange.error is None


async def test_a_callback_without_the_state_cookie_stores_nothing(oauth_world: SlackWorld) -> None:
    page = await oauth_world.client.get("/slack/install")
    state = re.search(r"state=([^&\"']+)", await page.text())
    assert state is not None
    done = await oauth_world.client.get(f"/slack/oauth_redirect?code=x&state={state.group(1)}")
    assert done.status == 400
    assert oauth_world.rows("slack_bots") == 0


async def test_the_installed_workspace_is_served_with_its_own_token(
    oauth_world: SlackWorld,
) -> None:
    world = oauth_world
    await _install(world)
    world.fake.add_channel("C0SECOND", "second-general")
    reply = await world.event(
        payloads.member_joined(user=SECOND.user_id, channel="C0SECOND"), team=SECOND.team_id
    )
    assert reply.status == 200
    (post,) = await world.publish(["1"], channel="C0SECOND")
    assert post.message_ids
    (call,) = world.fake.calls_to("chat.postMessage")
    assert call.token == SECOND_TOKEN


async def test_an_event_from_a_workspace_that_never_installed_is_not_processed(
    oauth_world: SlackWorld,
) -> None:
    oauth_world.fake.add_channel("C0STRANGER", "stranger")
    reply = await oauth_world.event(
        payloads.member_joined(user="U0X", channel="C0STRANGER"), team="T0STRANGER"
    )
    # Bolt acknowledges (Slack would only retry) and logs; the listener never runs.
    assert reply.status == 200
    assert oauth_world.rows("channels") == 0
    assert oauth_world.fake.calls_to("conversations.info") == []
