"""Members' personal (1:1) chats with the bot: how to reach them privately.

Teams only lets a bot write to a conversation it has seen. A member's personal chat is seen when
they install the app personally or write to the bot; its reference is kept through the
engagement service, so a private answer (an export link, "delete my data") still reaches them
after a restart or from another replica. A copy is cached here because every personal message
refreshes it and would otherwise cost a write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import ConversationReference

from bot.domain import Platform
from bot.engagement import Engagement


class PersonalChats:
    """The personal chats the bot knows, stored, with a cache in front."""

    def __init__(self, *, engagement: Engagement) -> None:
        self._engagement = engagement
        self._known: dict[str, Mapping[str, Any]] = {}

    async def remember(self, user_id: str, reference: ConversationReference) -> None:
        """Keep the member's personal chat (written only when it is new or has changed)."""
        serialized: Mapping[str, Any] = reference.serialize()
        if self._known.get(user_id) == serialized:
            return
        conversation = reference.conversation
        await self._engagement.remember_private_chat(
            platform=Platform.TEAMS,
            workspace_id=(conversation.tenant_id if conversation else None) or "",
            user_id=user_id,
            reference=serialized,
        )
        self._known[user_id] = serialized

    async def find(self, user_id: str) -> ConversationReference | None:
        """The member's personal chat, or None if they never opened one."""
        stored = self._known.get(user_id)
        if stored is None:
            stored = await self._engagement.private_chat(platform=Platform.TEAMS, user_id=user_id)
            if stored is None:
                return None
            self._known[user_id] = stored
        reference = ConversationReference().deserialize(dict(stored))
        if reference.conversation is None or not reference.service_url:
            return None
        return reference

    async def forget(self, user_id: str) -> None:
        """The member removed the app from their personal scope: stop writing to them."""
        self._known.pop(user_id, None)
        await self._engagement.forget_private_chat(platform=Platform.TEAMS, user_id=user_id)
