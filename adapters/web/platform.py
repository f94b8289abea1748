"""The web channel as a `ChatPlatform`.

Pages are rendered from the store, so "posting" only has to give the outbox row a message id
(`web-<post id>`) by which reactions, replies and feedback find the post again. Nothing leaves
the process, so there are no rate limits and nothing to retry.
"""

from __future__ import annotations

from bot.domain import Channel, Delivery, Platform, Post, Section
from bot.ports import Capabilities

_CAPABILITIES = Capabilities(max_message_bytes=1_000_000, threads=True, reactions=True, forms=True)


def message_id(post: Post) -> str:
    """The web channel's message id for a post."""
    return f"web-{post.id}"


class WebPlatform:
    """Posts to web channels (pages served by this process)."""

    @property
    def platform(self) -> Platform:
        return Platform.WEB

    @property
    def capabilities(self) -> Capabilities:
        return _CAPABILITIES

    async def post_section(self, *, channel: Channel, section: Section, post: Post) -> Delivery:
        return Delivery(message_ids=(message_id(post),))

    async def post_prompt(self, *, channel: Channel, text: str, post: Post) -> Delivery:
        return Delivery(message_ids=(message_id(post),))

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        # The confirmation is shown on the page that submitted the feedback.
        return None
