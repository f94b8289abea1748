"""Activities shaped as Teams sends them to a bot (JSON, camelCase), for the tests."""

from __future__ import annotations

import itertools
from typing import Any

APP_ID = "6f1c2b8e-0d5a-4c1e-9a57-2b1f0c3d4e5f"
APP_PASSWORD = "loopback-secret"
BOT_ID = f"28:{APP_ID}"
TENANT = "0a1b2c3d-1111-2222-3333-444455556666"
TEAM = "19:general-youth@thread.tacv2"
RESEARCH = "19:research-youth@thread.tacv2"
TEAM_NAME = "Youth Services"
ALICE_AAD = "aad-alice-0001"
ORGANISER_AAD = "aad-olu-0002"

_ids = itertools.count(1)


def activity(
    kind: str,
    *,
    service_url: str,
    conversation_id: str = TEAM,
    channel: str | None = "",
    activity_id: str | None = None,
    sender: str = ALICE_AAD,
    sender_name: str = "Alice",
    **extra: Any,
) -> dict[str, Any]:
    """A team-channel activity from a member to the bot; the channel is the conversation's
    unless given (None: no channel in the channel data)."""
    channel_data: dict[str, Any] = {
        "tenant": {"id": TENANT},
        "team": {"id": TEAM, "name": TEAM_NAME},
    }
    if channel == "":
        channel = conversation_id.split(";", 1)[0]
    if channel is not None:
        channel_data["channel"] = {"id": channel}
    body: dict[str, Any] = {
        "type": kind,
        "id": activity_id or f"f:{next(_ids)}",
        "timestamp": "2026-01-05T09:30:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{sender}", "name": sender_name, "aadObjectId": sender},
        "conversation": {
            "id": conversation_id,
            "conversationType": "channel",
            "isGroup": True,
            "tenantId": TENANT,
        },
        "recipient": {"id": BOT_ID, "name": "engage"},
        "channelData": channel_data,
    }
    body.update(extra)
    return body


def bot_added(service_url: str) -> dict[str, Any]:
    """The app added to the team: the bot joins as a member."""
    body = activity("conversationUpdate", service_url=service_url, membersAdded=[{"id": BOT_ID}])
    body["channelData"]["eventType"] = "teamMemberAdded"
    return body


def bot_removed(service_url: str) -> dict[str, Any]:
    body = activity("conversationUpdate", service_url=service_url, membersRemoved=[{"id": BOT_ID}])
    body["channelData"]["eventType"] = "teamMemberRemoved"
    return body


def installation(service_url: str, action: str) -> dict[str, Any]:
    return activity("installationUpdate", service_url=service_url, action=action)


def channel_event(service_url: str, event: str, channel_id: str, name: str) -> dict[str, Any]:
    body = activity("conversationUpdate", service_url=service_url)
    body["channelData"]["eventType"] = event
    body["channelData"]["channel"] = {"id": channel_id, "name": name}
    return body


def message(
    service_url: str,
    text: str,
    *,
    conversation_id: str,
    channel: str = "",
    mention: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A channel message; with `mention`, it starts with the bot's @mention as Teams sends it."""
    entities: list[dict[str, Any]] = []
    if mention:
        text = f"<at>engage</at> {text}"
        entities.append(
            {
                "type": "mention",
                "text": "<at>engage</at>",
                "mentioned": {"id": BOT_ID, "name": "engage"},
            }
        )
    return activity(
        "message",
        service_url=service_url,
        conversation_id=conversation_id,
        channel=channel,
        text=text,
        textFormat="plain",
        entities=entities,
        **extra,
    )


def reaction(
    service_url: str, *, thread: str, reply_to: str, added: list[str] | None = None,
    removed: list[str] | None = None, activity_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    extra: dict[str, Any] = {"replyToId": reply_to}
    if added:
        extra["reactionsAdded"] = [{"type": t} for t in added]
    if removed:
        extra["reactionsRemoved"] = [{"type": t} for t in removed]
    return activity(
        "messageReaction",
        service_url=service_url,
        conversation_id=thread,
        activity_id=activity_id,
        **extra,
    )


def invoke(
    service_url: str, name: str, *, thread: str, reply_to: str | None, data: Any,
    activity_id: str | None = None, sender: str = ALICE_AAD,
) -> dict[str, Any]:  # fmt: skip
    extra: dict[str, Any] = {"name": name, "value": {"data": data, "context": {"theme": "default"}}}
    if reply_to is not None:
        extra["replyToId"] = reply_to
    return activity(
        "invoke", service_url=service_url, conversation_id=thread, activity_id=activity_id,
        sender=sender, **extra,
    )  # fmt: skip


def personal_invoke(service_url: str, name: str, *, sender: str, data: Any) -> dict[str, Any]:
    """A dialog's fetch or submit from a card in the member's personal chat with the bot."""
    body = personal_message(service_url, "", sender=sender)
    body.pop("text")
    body.update(type="invoke", name=name, value={"data": data, "context": {"theme": "default"}})
    return body


def personal_message(service_url: str, text: str, *, sender: str) -> dict[str, Any]:
    body = activity(
        "message",
        service_url=service_url,
        conversation_id=f"a:personal-{sender}",
        channel=None,
        sender=sender,
        text=text,
    )
    body["conversation"] = {
        "id": f"a:personal-{sender}",
        "conversationType": "personal",
        "tenantId": TENANT,
    }
    body["channelData"] = {"tenant": {"id": TENANT}}
    return body
