"""The fake Slack Web API refuses what Slack refuses, so the other tests can trust it."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import ManualClock
from tests.fakes.slack_api import FakeSlackApi, Faults
from tests.slack.world import BOT, TOKEN


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


@pytest.fixture
def web(fake: FakeSlackApi) -> AsyncWebClient:
    fake.add_channel("C1", "one")
    return AsyncWebClient(token=TOKEN, base_url=fake.base_url, retry_handlers=[])


async def _error(call: Any) -> tuple[int, str]:
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value.response.status_code, caught.value.response.data.get("error", "")


async def test_more_than_fifty_blocks_are_invalid(web: AsyncWebClient) -> None:
    assert await _error(
        web.chat_postMessage(channel="C1", text="t", blocks=[_section("x")] * 51)
    ) == (200, "invalid_blocks")


async def test_section_text_over_3000_and_header_over_150_are_invalid(web: AsyncWebClient) -> None:
    assert await _error(
        web.chat_postMessage(channel="C1", text="t", blocks=[_section("x" * 3001)])
    ) == (200, "invalid_blocks")
    header = {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}
    assert await _error(web.chat_postMessage(channel="C1", text="t", blocks=[header])) == (
        200,
        "invalid_blocks",
    )


async def test_text_over_40000_characters_is_too_long(web: AsyncWebClient) -> None:
    assert await _error(web.chat_postMessage(channel="C1", text="x" * 40_001)) == (
        200,
        "msg_too_long",
    )


async def test_blocks_holding_more_text_than_a_message_may_are_too_long(
    web: AsyncWebClient,
) -> None:
    # Each block is within its 3,000 characters; together they are past the ceiling.
    blocks = [_section("x" * 2_500)] * 5
    assert await _error(web.chat_postMessage(channel="C1", text="t", blocks=blocks)) == (
        200,
        "msg_blocks_too_long",
    )
    accepted = await web.chat_postMessage(channel="C1", text="t", blocks=blocks[:4])
    assert accepted["ok"] is True


async def test_a_second_message_within_the_interval_gets_429_with_retry_after(
    web: AsyncWebClient, fake: FakeSlackApi, clock: ManualClock
) -> None:
    await web.chat_postMessage(channel="C1", text="one")
    clock.advance(0.4)
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C1", text="two")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    clock.advance(0.6)
    await web.chat_postMessage(channel="C1", text="two")
    assert [m.text for m in fake.posted("C1")] == ["one", "two"]


async def test_an_unknown_token_is_invalid_auth(fake: FakeSlackApi) -> None:
    web = AsyncWebClient(token="xoxb-nope", base_url=fake.base_url, retry_handlers=[])
    assert await _error(web.auth_test()) == (200, "invalid_auth")
    assert fake.calls[-1].error == "invalid_auth"


async def test_a_fraction_of_calls_can_be_answered_with_429(clock: ManualClock) -> None:
    api = FakeSlackApi(
        bots={TOKEN: BOT},
        now=lambda: clock.now().timestamp(),
        post_interval=0,
        faults=Faults(rate=0.5, kinds=("429",)),
    )
    await api.start()
    try:
        api.add_channel("C1", "one")
        web = AsyncWebClient(token=TOKEN, base_url=api.base_url, retry_handlers=[])
        for _ in range(40):
            with contextlib.suppress(SlackApiError):
                await web.chat_postMessage(channel="C1", text="x")
        limited = [c for c in api.calls if c.status == 429]
        assert 8 <= len(limited) <= 32
        assert len(api.messages) == 40 - len(limited)
    finally:
        await api.close()
