"""The web channel as a `ChatPlatform`.

Pages are rendered from the store, so "posting" only has to give the outbox row a message id
(`web-<post id>`) by which reactions, replies and feedback find the post again. Nothing leaves
the process, so there are no rate limits and nothing to retry.
"""

from __future__ import annotations

from bot.domain import Channel, Delivery, Platform, Post, Section
from bot.ports import Capabilities, DeliveryProgress

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

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return await self._show(post, progress)

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return await self._show(post, progress)

    @staticmethod
    async def _show(post: Post, progress: DeliveryProgress) -> Delivery:
        # The page renders posts from the database: one message, named after the post.
        if not progress.message_ids:
            await progress.sent(message_id(post), last=True)
        return Delivery(message_ids=tuple(progress.message_ids))

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        # The confirmation is shown on the page that submitted the feedback.
        return None
