"""Requests as Slack sends them (Events API envelopes, interactivity payloads, slash commands),
in the shapes Slack documents."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

TEAM = "T0ENGAGE"
APP = "AENGAGE"
_ids = itertools.count(1)


def envelope(
    event: dict[str, Any], *, team: str = TEAM, event_id: str | None = None
) -> dict[str, Any]:
    """An `event_callback` around `event`."""
    now = int(time.time())
    return {
        "token": "legacy-verification-token",
        "team_id": team,
        "api_app_id": APP,
        "event": {"event_ts": f"{now}.000100", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": now,
        "authed_users": ["UBOT"],
        "event_context": "4-eyJldCI6InJlYWN0aW9uX2FkZGVkIn0",
    }


def reaction(kind: str, *, user: str, emoji: str, channel: str, ts: str) -> dict[str, Any]:
    return {
        "type": kind,
        "user": user,
        "reaction": emoji,
        "item_user": "UBOT",
        "item": {"type": "message", "channel": channel, "ts": ts},
    }


def reply(
    *, user: str | None, text: str, channel: str, ts: str, thread_ts: str | None, **extra: Any
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "message", "channel": channel, "text": text, "ts": ts}
    if user is not None:
        event["user"] = user
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return {**event, "channel_type": "channel", **extra}


def edited(*, user: str, text: str, channel: str, ts: str, thread_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "ts": f"{ts}9",
        "message": {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread_ts,
            "edited": {"user": user, "ts": f"{ts}8"},
        },
        "previous_message": {"type": "message", "user": user, "text": "before", "ts": ts},
    }


def deleted(*, user: str, channel: str, ts: str, thread_ts: str) -> dict[str, Any]:
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "ts": f"{ts}7",
        "deleted_ts": ts,
        "previous_message": {
            "type": "message",
            "user": user,
            "text": "gone",
            "ts": ts,
            "thread_ts": thread_ts,
        },
    }


def member_joined(*, user: str, channel: str) -> dict[str, Any]:
    return {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": "C",
        "team": TEAM,
    }


def block_action(
    *, action_id: str, value: str, user: str, channel: str, message_ts: str, team: str = TEAM
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team, "domain": "fake"},
        "user": {"id": user, "username": "member", "team_id": team},
        "api_app_id": APP,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{next(_ids)}.{int(time.time())}.abcdef",
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": "section"},
        "response_url": "https://hooks.slack.test/actions/T/1/x",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "engage_actions",
                "value": value,
                "action_ts": f"{int(time.time())}.000200",
            }
        ],
    }


def view_submission(
    *,
    view: dict[str, Any],
    values: dict[str, Any],
    user: str,
    view_id: str = "V001",
    view_hash: str = "h1",
) -> dict[str, Any]:
    """A submission of `view` (as engage opened it) with `values` as Slack's state.values."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": "member", "team_id": TEAM},
        "api_app_id": APP,
        "token": "legacy-verification-token",
        "trigger_id": f"{next(_ids)}.{int(time.time())}.abcdef",
        "view": {
            **view,
            "id": view_id,
            "hash": view_hash,
            "team_id": TEAM,
            "app_id": APP,
            "state": {"values": values},
        },
        "response_urls": [],
    }


def text_state(value: str | None, *, kind: str = "plain_text_input") -> dict[str, Any]:
    return {"value": {"type": kind, "value": value}}


def select_state(value: str | None) -> dict[str, Any]:
    option = (
        None if value is None else {"text": {"type": "plain_text", "text": "x"}, "value": value}
    )
    return {"value": {"type": "static_select", "selected_option": option}}


def interactive_body(payload: dict[str, Any]) -> str:
    """An interactivity request body: the payload JSON in a form field."""
    return urlencode({"payload": json.dumps(payload)})


def slash(*, text: str, user: str, channel: str, channel_name: str = "general") -> str:
    """A slash command request body (form-encoded)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": "organiser",
            "command": "/engage",
            "text": text,
            "api_app_id": APP,
            "response_url": "https://hooks.slack.test/commands/T/1/x",
            "trigger_id": f"{next(_ids)}.{int(time.time())}.abcdef",
        }
    )


def url_verification(challenge: str) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "challenge": challenge,
        "type": "url_verification",
    }
