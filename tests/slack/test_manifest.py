"""`engage slack manifest`: a Slack app manifest with engage's scopes, events and URLs."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from adapters.slack.cli import cli
from adapters.slack.manifest import manifest

URL = "https://engage.example.org"


def test_the_manifest_points_events_interactivity_and_the_command_at_one_url() -> None:
    data = manifest(URL + "/")
    settings = data["settings"]
    assert settings["event_subscriptions"]["request_url"] == f"{URL}/slack/events"
    assert settings["interactivity"] == {
        "is_enabled": True,
        "request_url": f"{URL}/slack/events",
        # the choices of a feedback question too long for a static menu
        "message_menu_options_url": f"{URL}/slack/events",
    }
    (command,) = data["features"]["slash_commands"]
    assert (command["command"], command["url"], command["should_escape"]) == (
        "/engage",
        f"{URL}/slack/events",
        True,
    )
    assert data["oauth_config"]["redirect_urls"] == [f"{URL}/slack/oauth_redirect"]


def test_the_manifest_asks_for_the_scopes_and_events_engage_uses() -> None:
    data = manifest(URL)
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {
        "chat:write",
        "reactions:read",
        "channels:history",
        "groups:history",
        "commands",
    } <= scopes
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert {
        "reaction_added",
        "reaction_removed",
        "message.channels",
        "message.groups",
        "member_joined_channel",
        "app_uninstalled",
        "tokens_revoked",
    } <= events
    assert len(data["display_information"]["description"]) <= 140
    assert len(data["features"]["bot_user"]["display_name"]) <= 80


def test_the_manifest_asks_for_what_exports_and_confirmations_need() -> None:
    data = manifest(URL)
    # files:write uploads an export; im:write opens the DM it goes to.
    assert {"files:write", "im:write"} <= set(data["oauth_config"]["scopes"]["bot"])
    assert "export" in data["features"]["slash_commands"][0]["usage_hint"]


def test_the_socket_mode_manifest_has_no_request_urls() -> None:
    data = manifest(URL, socket_mode=True)
    assert data["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in data["settings"]["event_subscriptions"]
    assert data["settings"]["interactivity"] == {"is_enabled": True}
    assert "url" not in data["features"]["slash_commands"][0]


def test_the_command_prints_the_manifest_as_json() -> None:
    result = CliRunner().invoke(cli, ["manifest", "--public-url", URL])
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.output)["settings"]["event_subscriptions"]["request_url"]
        == f"{URL}/slack/events"
    )
