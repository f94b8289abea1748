"""Only activities carrying a valid Bot Framework token reach the bot; every other request is
answered 401 (or 400 for a body that is not an activity) and leaves the database untouched."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.token_issuer import new_key
from tests.teams import activities as act
from tests.teams.conftest import Teams


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    """A key the issuer never published."""
    return new_key()


async def _refused(teams: Teams, *, status: int, reason: str, **send: Any) -> None:
    response = await teams.send(act.bot_added(teams.service_url), **send)
    assert response.status == status, await response.text()
    assert "error" in await response.json()
    assert await teams.channels() == []
    assert teams.connector.calls == []
    assert teams.rejected(reason) == 1


async def test_a_valid_token_is_accepted(teams: Teams) -> None:
    response = await teams.send(act.bot_added(teams.service_url))

    assert response.status == 200
    assert len(await teams.channels()) == 2


async def test_a_token_for_another_app_is_refused(teams: Teams) -> None:
    await _refused(
        teams, status=401, reason="invalid_token", token=teams.token(audience="another-app")
    )


async def test_a_token_from_another_issuer_is_refused(teams: Teams) -> None:
    token = teams.token(issuer="https://sts.example.org/")
    await _refused(teams, status=401, reason="invalid_token", token=token)


async def test_an_expired_token_is_refused(teams: Teams) -> None:
    # Beyond the SDK's five minutes of clock tolerance.
    await _refused(teams, status=401, reason="invalid_token", token=teams.token(expires_in=-600))


async def test_a_token_signed_by_another_key_is_refused(
    teams: Teams, stranger_key: rsa.RSAPrivateKey
) -> None:
    token = teams.token(key=stranger_key)
    await _refused(teams, status=401, reason="invalid_token", token=token)


async def test_a_token_with_an_unknown_key_id_is_refused(teams: Teams) -> None:
    token = teams.token(key_id="not-a-published-key")  # signed with the right key
    await _refused(teams, status=401, reason="invalid_token", token=token)


async def test_a_token_for_another_service_url_is_refused(teams: Teams) -> None:
    token = teams.token(service_url="https://smba.example.org/emea/")
    await _refused(teams, status=401, reason="invalid_token", token=token)


async def test_a_request_without_authorization_is_refused(teams: Teams) -> None:
    response = await teams.client.post("/api/messages", json=act.bot_added(teams.service_url))

    assert response.status == 401
    assert await teams.channels() == []
    assert teams.rejected("missing_authorization") == 1


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt"])
async def test_a_malformed_authorization_header_is_refused(teams: Teams, header: str) -> None:
    response = await teams.client.post(
        "/api/messages", json=act.bot_added(teams.service_url), headers={"Authorization": header}
    )

    assert response.status == 401
    assert await teams.channels() == []


async def test_malformed_json_is_a_bad_request(teams: Teams) -> None:
    response = await teams.client.post(
        "/api/messages",
        data=b'{"type": "message", ',
        headers={"Authorization": f"Bearer {teams.token()}", "Content-Type": "application/json"},
    )

    assert response.status == 400
    assert "JSON" in (await response.json())["error"]
    assert teams.rejected("malformed_json") == 1


@pytest.mark.parametrize("body", [[1, 2], {"text": "no type"}, {"type": "message"}, "a string"])
async def test_a_body_that_is_not_an_activity_is_a_bad_request(teams: Teams, body: Any) -> None:
    response = await teams.client.post(
        "/api/messages", json=body, headers={"Authorization": f"Bearer {teams.token()}"}
    )

    assert response.status == 400


async def test_a_body_that_is_not_json_is_refused_as_unsupported(teams: Teams) -> None:
    response = await teams.client.post(
        "/api/messages", data=b"type=message", headers={"Content-Type": "text/plain"}
    )

    assert response.status == 415
