"""The Slack app manifest: paste it into https://api.slack.com/apps → Create New App → From a
manifest, and the app has engage's scopes, events, slash command and URLs."""

from __future__ import annotations

from typing import Any

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

BOT_SCOPES = (
    "chat:write",
    "commands",
    "reactions:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "users:read",
    "im:write",  # conversations.open: exports and confirmations go to the organiser's DM
    "files:write",  # /engage export uploads the files
)
BOT_EVENTS = (
    "reaction_added",
    "reaction_removed",
    "message.channels",
    "message.groups",
    "member_joined_channel",
    "member_left_channel",
    "channel_left",
    "group_left",
    "app_uninstalled",
    "tokens_revoked",
)
USAGE = (
    "help | status | post <section|all> [#channel|sector:<tag>] | schedule "
    "| export [csv|xlsx|jsonl]"
)


def manifest(public_url: str, *, socket_mode: bool = False, name: str = "engage") -> dict[str, Any]:
    """The manifest for an app served at `public_url` (or reached over Socket Mode)."""
    base = public_url.rstrip("/")
    events_url = {} if socket_mode else {"request_url": base + EVENTS_PATH}
    # Where Slack asks for the choices of a long feedback question (an external select).
    options_url = {} if socket_mode else {"message_menu_options_url": base + EVENTS_PATH}
    command: dict[str, Any] = {
        "command": "/engage",
        "description": "Organisers: post sections of the paper and see responses",
        "usage_hint": USAGE,
        "should_escape": True,  # channels arrive as <#C123|name>, which engage resolves by id
        **({} if socket_mode else {"url": base + EVENTS_PATH}),
    }
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": name,
            "description": "Discuss a paper section by section: react, reply, give feedback.",
            "background_color": "#1d3557",
        },
        "features": {
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {
            "redirect_urls": [base + REDIRECT_PATH],
            "scopes": {"bot": list(BOT_SCOPES)},
        },
        "settings": {
            "event_subscriptions": {**events_url, "bot_events": list(BOT_EVENTS)},
            "interactivity": {"is_enabled": True, **events_url, **options_url},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
