"""The fake Bot Connector enforces what Teams enforces, or the tests above would prove little."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.clock import ManualClock
from tests.fakes.bot_connector import MAX_MESSAGE_BYTES, FakeBotConnector
from tests.fakes.token_issuer import TokenIssuer
from tests.teams import activities as act

THREAD = f"{act.RESEARCH};messageid=1"


@pytest.fixture
async def http(issuer: TokenIssuer) -> AsyncIterator[aiohttp.ClientSession]:
    status, body = issuer.client_credentials(
        {
            "grant_type": "client_credentials",
            "client_id": act.APP_ID,
            "client_secret": act.APP_PASSWORD,
            "scope": "https://api.botframework.com/.default",
        }
    )
    assert status == 200
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


def text_message(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text}


async def send(
    http: aiohttp.ClientSession, connector: FakeBotConnector, body: Any
) -> aiohttp.ClientResponse:
    return await http.post(f"{connector.url}v3/conversations/{THREAD}/activities", json=body)


async def test_a_message_over_28_kb_is_refused_as_too_big(
    http: aiohttp.ClientSession, connector: FakeBotConnector
) -> None:
    response = await send(http, connector, text_message("x" * MAX_MESSAGE_BYTES))

    assert response.status == 413
    assert (await response.json())["error"]["code"] == "MessageSizeTooBig"


async def test_an_eighth_message_in_a_second_is_throttled_with_retry_after(
    http: aiohttp.ClientSession, connector: FakeBotConnector, clock: ManualClock
) -> None:
    statuses = [(await send(http, connector, text_message(f"n{n}"))).status for n in range(7)]
    throttled = await send(http, connector, text_message("one too many"))
    clock.advance(1)
    later = await send(http, connector, text_message("after a second"))

    assert statuses == [201] * 7
    assert throttled.status == 429
    assert throttled.headers["Retry-After"] == "1"
    assert later.status == 201


async def test_a_token_the_issuer_did_not_sign_is_refused(connector: FakeBotConnector) -> None:
    async with aiohttp.ClientSession() as anonymous:
        response = await anonymous.post(
            f"{connector.url}v3/conversations/{THREAD}/activities",
            json=text_message("hi"),
            headers={"Authorization": "Bearer not-a-token"},
        )

    assert response.status == 401


async def test_a_body_the_connector_spec_rejects_is_a_bad_request(
    http: aiohttp.ClientSession, connector: FakeBotConnector
) -> None:
    if connector.spec is None:
        pytest.skip("the Bot Connector spec is not in ../shared/specs (../shared is absent)")

    response = await http.post(f"{connector.url}v3/conversations", json={"isGroup": "yes"})

    assert response.status == 400
    assert connector.spec_violations
