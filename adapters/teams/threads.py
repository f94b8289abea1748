"""Teams conversation ids: a channel thread is `<channel id>;messageid=<root message id>`."""

from __future__ import annotations

_MARKER = ";messageid="


def split_conversation_id(conversation_id: str) -> tuple[str, str | None]:
    """The channel id and, for a thread, the id of its root message."""
    channel, marker, root = conversation_id.partition(_MARKER)
    return channel, (root or None) if marker else None


def thread_conversation_id(channel_id: str, root_id: str) -> str:
    """The conversation id that addresses the thread under `root_id` in a channel."""
    return f"{channel_id}{_MARKER}{root_id}"
