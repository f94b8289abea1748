"""Teams activities translated into the core's neutral events. Pure functions: no I/O.

Ids: the workspace is the tenant; a channel is its Teams channel id; a thread is named by its
root message id, read from the conversation id `<channel>;messageid=<root>`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botbuilder.schema import Activity
from botbuilder.schema.teams import TeamsChannelData

from adapters.teams.threads import split_conversation_id
from bot.domain import (
    Actor,
    Platform,
    ReactionAdded,
    ReactionRemoved,
    ReplyDeleted,
    ReplyEdited,
    ReplyPosted,
)

_OTHER_MENTION = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, kw_only=True)
class Where:
    """Where an activity happened: tenant, channel, and the thread's root message (if any)."""

    tenant_id: str
    channel_id: str
    root_id: str | None


def channel_data(activity: Activity) -> TeamsChannelData:
    """Teams' channel data of an activity (empty when absent)."""
    raw = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    return TeamsChannelData().deserialize(raw)


def where(activity: Activity) -> Where | None:
    """Tenant, channel and thread root of an activity in a team channel, else None."""
    data = channel_data(activity)
    conversation = activity.conversation
    if conversation is None or not conversation.id:
        return None
    channel_from_id, root_id = split_conversation_id(conversation.id)
    channel = data.channel.id if data.channel is not None and data.channel.id else None
    tenant = conversation.tenant_id or (data.tenant.id if data.tenant is not None else None)
    if not tenant or (channel is None and conversation.conversation_type != "channel"):
        return None
    return Where(tenant_id=tenant, channel_id=channel or channel_from_id, root_id=root_id)


def actor(activity: Activity) -> Actor:
    """The member behind an activity; the Azure AD object id names them across chats."""
    member = activity.from_property
    if member is None:
        return Actor(user_id="unknown")
    return Actor(user_id=member.aad_object_id or member.id or "unknown", display_name=member.name)


def occurred_at(activity: Activity, *, fallback: datetime) -> datetime:
    stamp = activity.timestamp
    if isinstance(stamp, datetime):
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return fallback


def mentions_bot(activity: Activity) -> bool:
    """Whether the bot was @mentioned."""
    bot_id = activity.recipient.id if activity.recipient else None
    return any(_mentioned_id(entity) == bot_id for entity in _mentions(activity))


def text_without_bot_mention(activity: Activity) -> str:
    """The message text with the bot's @mention removed; other people's mentions read as
    "@Name"."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in _mentions(activity):
        mention_text = (entity.additional_properties or {}).get("text")
        if _mentioned_id(entity) == bot_id and isinstance(mention_text, str) and mention_text:
            text = text.replace(mention_text, "")
    text = _OTHER_MENTION.sub(r"@\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _mentions(activity: Activity) -> list[Any]:
    return [e for e in activity.entities or [] if (e.type or "").lower() == "mention"]


def _mentioned_id(entity: Any) -> str | None:
    mentioned = (getattr(entity, "additional_properties", None) or {}).get("mentioned")
    return mentioned.get("id") if isinstance(mentioned, dict) else None


def reactions(
    activity: Activity, place: Where, *, added: bool, now: datetime
) -> list[ReactionAdded | ReactionRemoved]:
    """One event per reaction in a messageReaction activity, about the message it names."""
    listed = (activity.reactions_added if added else activity.reactions_removed) or []
    message_id = activity.reply_to_id or place.root_id
    if not message_id:
        return []
    kind = ReactionAdded if added else ReactionRemoved
    events: list[ReactionAdded | ReactionRemoved] = []
    for index, reaction in enumerate(listed):
        emoji = reaction.type or "unknown"
        # One activity may carry several reactions: each needs an id of its own.
        suffix = "" if len(listed) == 1 else f"#{index}:{emoji}"
        events.append(
            kind(
                platform=Platform.TEAMS,
                workspace_id=place.tenant_id,
                event_id=_event_id(activity, message_id, "added" if added else "removed") + suffix,
                channel_id=place.channel_id,
                message_id=message_id,
                actor=actor(activity),
                occurred_at=occurred_at(activity, fallback=now),
                emoji=emoji,
            )
        )
    return events


def reply_posted(
    activity: Activity, place: Where, *, text: str, now: datetime
) -> ReplyPosted | None:
    """A message in a thread as a reply to the thread's root; None for a thread's own root."""
    if not place.root_id or not activity.id or activity.id == place.root_id:
        return None
    key = reply_key(place, activity.id)
    return ReplyPosted(
        platform=Platform.TEAMS,
        workspace_id=place.tenant_id,
        event_id=key,
        channel_id=place.channel_id,
        message_id=place.root_id,
        actor=actor(activity),
        occurred_at=occurred_at(activity, fallback=now),
        reply_id=key,
        text=text,
    )


def reply_key(place: Where, activity_id: str) -> str:
    """What names a reply in our store: a message's id is unique only within its channel."""
    return f"{place.channel_id}/{activity_id}"


def reply_edited(activity: Activity, place: Where, *, now: datetime) -> ReplyEdited | None:
    """An edited message. Teams gives the edit the message's own id, so the event id adds a
    hash of the new text: a replayed edit is stored once, a second edit is not lost."""
    if not activity.id:
        return None
    text = text_without_bot_mention(activity)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    key = reply_key(place, activity.id)
    return ReplyEdited(
        platform=Platform.TEAMS,
        workspace_id=place.tenant_id,
        event_id=f"edit:{key}:{digest}",
        channel_id=place.channel_id,
        message_id=place.root_id or activity.id,
        actor=actor(activity),
        occurred_at=occurred_at(activity, fallback=now),
        reply_id=key,
        text=text,
    )


def reply_deleted(activity: Activity, place: Where, *, now: datetime) -> ReplyDeleted | None:
    """A (soft-)deleted message; like edits, it carries the message's own id."""
    if not activity.id:
        return None
    key = reply_key(place, activity.id)
    return ReplyDeleted(
        platform=Platform.TEAMS,
        workspace_id=place.tenant_id,
        event_id=f"delete:{key}",
        channel_id=place.channel_id,
        message_id=place.root_id or activity.id,
        actor=actor(activity),
        occurred_at=occurred_at(activity, fallback=now),
        reply_id=key,
    )


def _event_id(activity: Activity, message_id: str, verb: str) -> str:
    if activity.id:
        return str(activity.id)
    # Without an activity id, the same reaction replayed must still map to the same id.
    member = actor(activity).user_id
    stamp = activity.timestamp.isoformat() if isinstance(activity.timestamp, datetime) else ""
    return f"reaction:{message_id}:{member}:{verb}:{stamp}"


def tenant_of(activity: Activity) -> str | None:
    """The tenant an activity came from."""
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    tenant = channel_data(activity).tenant
    return str(tenant.id) if tenant is not None and tenant.id else None
