"""A recording chat platform for core tests: scripted failures, no network."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import Channel, Delivery, Platform, Post, Section
from bot.errors import DeliveryError
from bot.ports import Capabilities, Clock, DeliveryProgress, RateWindow


@dataclass(frozen=True, kw_only=True)
class SentMessage:
    """One call the fake accepted."""

    channel: str
    post_id: int
    kind: str
    text: str
    at: datetime
    message_id: str


@dataclass(kw_only=True)
class FakePlatform:
    """Accepts posts and records them; `failures` are raised, one per call, before accepting."""

    clock: Clock
    name: Platform = Platform.WEB
    per_channel: tuple[RateWindow, ...] = (RateWindow(count=1, seconds=1.0),)
    failures: deque[DeliveryError] = field(default_factory=deque)
    # Raised after a section's root went out, before its continuation.
    failures_after_root: deque[DeliveryError] = field(default_factory=deque)
    sent: list[SentMessage] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)
    private: list[tuple[str, str, str]] = field(default_factory=list)
    calls: int = 0

    @property
    def platform(self) -> Platform:
        return self.name

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(max_message_bytes=40_000, per_channel_limits=self.per_channel)

    async def _accept(
        self, *, channel: Channel, post: Post, kind: str, text: str, progress: DeliveryProgress
    ) -> Delivery:
        """A root message (recorded in `sent`), then one continuation (in `continued`)."""
        self.calls += 1
        if self.failures:
            raise self.failures.popleft()
        if not progress.message_ids:
            message_id = f"m{len(self.sent) + 1}"
            self.sent.append(
                SentMessage(
                    channel=channel.external_id,
                    post_id=post.id,
                    kind=kind,
                    text=text,
                    at=self.clock.now(),
                    message_id=message_id,
                )
            )
            await progress.sent(message_id, last=False)
            if self.failures_after_root:
                raise self.failures_after_root.popleft()
        continuation = f"{progress.message_ids[0]}-cont"
        self.continued.append(continuation)
        await progress.sent(continuation, last=True)
        return Delivery(message_ids=tuple(progress.message_ids))

    async def post_section(
        self, *, channel: Channel, section: Section, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return await self._accept(
            channel=channel, post=post, kind="section", text=section.title, progress=progress
        )

    async def post_prompt(
        self, *, channel: Channel, text: str, post: Post, progress: DeliveryProgress
    ) -> Delivery:
        return await self._accept(
            channel=channel, post=post, kind="prompt", text=text, progress=progress
        )

    async def send_private(self, *, channel: Channel, user_id: str, text: str) -> None:
        self.private.append((channel.external_id, user_id, text))
