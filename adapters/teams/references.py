"""Conversation references: what the bot must keep to reach a channel or a person later.

A Teams bot can only message conversations it has seen. A channel's reference is stored with the
channel (`Channel.reference`) as JSON: `{"conversationReference": {...}, "teamId", "teamName"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import ConversationAccount, ConversationReference

from bot.domain import Channel


def channel_reference(
    base: ConversationReference,
    *,
    channel_id: str,
    channel_name: str,
    tenant_id: str,
    team_id: str,
    team_name: str | None,
) -> dict[str, object]:
    """A channel's reference, built from the reference of the activity that told us about it.
    The member who installed the app is not kept: posting needs the bot and the service URL."""
    reference = ConversationReference(
        bot=base.bot,
        channel_id=base.channel_id,
        service_url=base.service_url,
        locale=base.locale,
        conversation=ConversationAccount(
            id=channel_id,
            name=channel_name,
            is_group=True,
            conversation_type="channel",
            tenant_id=tenant_id,
        ),
    )
    return {
        "conversationReference": reference.serialize(),
        "teamId": team_id,
        "teamName": team_name,
    }


def reference_of(channel: Channel) -> ConversationReference | None:
    """The stored reference of a channel, or None if it has none (or an unreadable one)."""
    stored = channel.reference or {}
    raw = stored.get("conversationReference")
    if not isinstance(raw, Mapping):
        return None
    reference = ConversationReference().deserialize(dict(raw))
    if not reference.service_url or reference.bot is None:
        return None
    return reference


def team_id_of(channel: Channel) -> str | None:
    """The id of the team a channel belongs to."""
    team = (channel.reference or {}).get("teamId")
    return team if isinstance(team, str) else None


def serialise(reference: ConversationReference) -> dict[str, Any]:
    """A reference as JSON-able data."""
    return dict(reference.serialize())
