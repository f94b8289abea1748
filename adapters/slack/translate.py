"""Slack Events API payloads as the core's neutral events. Pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain import (
    Actor,
    MemberEvent,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
)

# A reply "also sent to the channel" is a thread_broadcast; one with a file attached, a
# file_share. Every other subtype (joins, bot messages, channel changes) is not a reply.
REPLY_SUBTYPES = (None, "thread_broadcast", "file_share")


def reply_key(*, channel: str, ts: str) -> str:
    """What names a reply in our store: a message's `ts` is unique only within its channel."""
    return f"{channel}/{ts}"


def occurred_at(body: Mapping[str, Any]) -> datetime:
    """When Slack says the event happened (`event_time`), else now."""
    seconds = body.get("event_time")
    if isinstance(seconds, int | float):
        return datetime.fromtimestamp(seconds, UTC)
    return datetime.now(UTC)


def reaction(body: Mapping[str, Any]) -> ReactionAdded | ReactionRemoved | None:
    """reaction_added / reaction_removed on a message; None for reactions on files."""
    event = body["event"]
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None
    kind = ReactionAdded if event["type"] == "reaction_added" else ReactionRemoved
    return kind(
        platform=Platform.SLACK,
        workspace_id=body["team_id"],
        event_id=body["event_id"],
        channel_id=item["channel"],
        message_id=item["ts"],
        actor=Actor(user_id=str(event.get("user", ""))),
        occurred_at=occurred_at(body),
        emoji=str(event.get("reaction", "")),
    )


def message(body: Mapping[str, Any], *, bot_user_id: str | None) -> MemberEvent | None:
    """A thread reply, an edit of one, or a deletion; None for anything else (top-level
    messages, bot messages, joins and other subtypes)."""
    event = body["event"]
    subtype = event.get("subtype")
    channel = str(event.get("channel", ""))
    common = {
        "platform": Platform.SLACK,
        "workspace_id": body["team_id"],
        "event_id": body["event_id"],
        "channel_id": channel,
        "occurred_at": occurred_at(body),
    }
    if subtype == "message_changed":
        changed = event.get("message") or {}
        if _from_bot(changed, bot_user_id) or not changed.get("ts"):
            return None
        return ReplyEdited(
            **common,
            message_id=str(changed.get("thread_ts") or changed["ts"]),
            actor=Actor(user_id=str(changed.get("user", ""))),
            reply_id=reply_key(channel=channel, ts=str(changed["ts"])),
            text=_text(changed),
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        deleted = event.get("deleted_ts") or previous.get("ts")
        if not deleted or _from_bot(previous, bot_user_id):
            return None
        return ReplyDeleted(
            **common,
            message_id=str(previous.get("thread_ts") or deleted),
            actor=Actor(user_id=str(previous.get("user", ""))),
            reply_id=reply_key(channel=channel, ts=str(deleted)),
        )
    thread = event.get("thread_ts")
    if subtype not in REPLY_SUBTYPES or not thread or thread == event.get("ts"):
        return None
    if _from_bot(event, bot_user_id) or not event.get("user"):
        return None
    return ReplyPosted(
        **common,
        message_id=str(thread),
        actor=Actor(user_id=str(event["user"])),
        reply_id=reply_key(channel=channel, ts=str(event["ts"])),
        text=_text(event),
    )


def _text(message: Mapping[str, Any]) -> str:
    """The message's words, and the names of the files shared with it: we keep no copy of a
    file (the app cannot read files), but a reply that is only a screenshot still counts, and
    the reader of an export can find the file in Slack by its name."""
    text = str(message.get("text", ""))
    files = message.get("files")
    names = [
        str(f.get("title") or f.get("name"))
        for f in (files if isinstance(files, list) else [])
        if isinstance(f, Mapping) and (f.get("title") or f.get("name"))
    ]
    shared = "\n".join(f"[file: {name}]" for name in names)
    return "\n".join(part for part in (text, shared) if part)


def _from_bot(message: Mapping[str, Any], bot_user_id: str | None) -> bool:
    return bool(message.get("bot_id")) or (
        bot_user_id is not None and message.get("user") == bot_user_id
    )
