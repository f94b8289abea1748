"""Wiring the scheduler into the app: one background job per process."""

from __future__ import annotations

from bot.firing import FirePolicy
from bot.scheduler import PromptScheduler, SchedulerPolicy
from bot.services import Services


def build_scheduler(services: Services, *, name: str | None = None) -> PromptScheduler:
    """A scheduler over the app's store, clock and paper that wakes the outbox senders."""
    return PromptScheduler(
        store=services.store,
        clock=services.clock,
        paper=lambda: services.engagement.paper,
        policy=SchedulerPolicy(
            fire=FirePolicy(grace_seconds=float(services.settings.misfire_grace_seconds))
        ),
        on_enqueued=services.wake_senders,
        name=name,
    )


def install_scheduler(services: Services) -> None:
    """Start the scheduler with the app (after the database is ready), stop it with the app."""
    services.background.append(build_scheduler(services).run)
