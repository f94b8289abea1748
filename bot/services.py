"""The running parts of one engage process, built by `bot.app.build_app` and handed to adapters.

Adapters receive this in their `mount()` and register their `ChatPlatform` here; they never
build a store, a clock or an engagement service of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.domain import Platform
from bot.engagement import Engagement
from bot.metrics import Metrics
from bot.outbox import OutboxPolicy, OutboxSender
from bot.ports import ChatPlatform, Clock, Store

BackgroundJob = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""A long-running job started with the app (after the database is ready) that returns once
the event it is given is set: the scheduler, a retention purge."""


@dataclass(kw_only=True)
class Services:
    """Store, clock, engagement service, metrics, and the registered platforms with their
    outbox senders."""

    settings: Settings
    store: Store
    clock: Clock
    engagement: Engagement
    metrics: Metrics
    platforms: dict[Platform, ChatPlatform] = field(default_factory=dict)
    senders: dict[Platform, OutboxSender] = field(default_factory=dict)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    background: list[BackgroundJob] = field(default_factory=list)

    def register_platform(self, platform: ChatPlatform) -> OutboxSender:
        """Register a platform and create the outbox sender that will drain its rows."""
        if platform.platform in self.platforms:
            raise ValueError(f"platform {platform.platform} is registered twice")
        self.platforms[platform.platform] = platform
        sender = OutboxSender(
            platform=platform,
            store=self.store,
            clock=self.clock,
            policy=OutboxPolicy(
                lease_seconds=self.settings.outbox_lease_seconds,
                poll_seconds=self.settings.outbox_poll_seconds,
                max_attempts=self.settings.outbox_max_attempts,
            ),
            metrics=self.metrics,
        )
        self.senders[platform.platform] = sender
        return sender

    def wake_senders(self, platforms: frozenset[Platform]) -> None:
        """Tell the senders of these platforms that new rows are waiting."""
        for name in platforms:
            sender = self.senders.get(name)
            if sender is not None:
                sender.wake()
