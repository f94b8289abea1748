"""The scheduler loop: sleeps on the injected clock until the next prompt is due, fires it.

The prompts table is the truth and APScheduler's CronTrigger computes recurrences; we do not
run an APScheduler `AsyncIOScheduler`. Its job stores "must never be shared between
schedulers" (APScheduler 3 user guide), so several replicas on one database would each fire
every job, and its wall-clock timing cannot be driven by `Clock` in tests. Polling the table
(every `poll_seconds`, or sooner when the next due time is nearer) also picks up prompts that
another process (the CLI, another replica) scheduled.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.clock import wait_any
from bot.domain import Paper, Platform
from bot.firing import FirePolicy, FireReport, PromptFirer
from bot.ports import Clock, Store

log = logging.getLogger(__name__)

# When prompts are due but none could be claimed (another replica holds them), do not spin.
_BUSY_PAUSE = 0.05


@dataclass(frozen=True, kw_only=True)
class SchedulerPolicy:
    """How often the loop looks at the table when nothing is due sooner."""

    poll_seconds: float = 5.0
    fire: FirePolicy = field(default_factory=FirePolicy)


def instance_name() -> str:
    """Who claimed a prompt, for the record: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class PromptScheduler:
    """Runs until stopped, firing due prompts into the outbox and waking the senders."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        paper: Callable[[], Paper],
        policy: SchedulerPolicy,
        on_enqueued: Callable[[frozenset[Platform]], None] | None = None,
        name: str | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy
        self._on_enqueued = on_enqueued
        self._firer = PromptFirer(
            store=store,
            clock=clock,
            paper=paper,
            policy=policy.fire,
            claimer=name or instance_name(),
        )
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look at the table now (a prompt was scheduled or changed in this process)."""
        self._wake.set()

    async def fire_due(self) -> FireReport:
        """Fire everything due now, batch after batch; returns the totals and the next due
        time."""
        total = FireReport()
        while True:
            report = await self._firer.fire_due()
            if report.platforms and self._on_enqueued is not None:
                self._on_enqueued(frozenset(report.platforms))
            total.claimed += report.claimed
            total.sent += report.sent
            total.missed += report.missed
            total.failed += report.failed
            total.cancelled += report.cancelled
            total.posts += report.posts
            total.platforms |= report.platforms
            total.next_due = report.next_due
            if not report.full:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        """Fire due prompts until `stop` is set."""
        log.info("scheduler started")
        while not stop.is_set():
            self._wake.clear()
            try:
                report = await self.fire_due()
                delay = self._delay(report)
            except Exception:
                log.exception(
                    "firing prompts failed; trying again in %ss", self._policy.poll_seconds
                )
                delay = self._policy.poll_seconds
            await wait_any(self._clock, delay, stop, self._wake)
        log.info("scheduler stopped")

    def _delay(self, report: FireReport) -> float:
        if report.next_due is None:
            return self._policy.poll_seconds
        seconds = (report.next_due - self._clock.now()).total_seconds()
        if seconds > 0:
            return min(self._policy.poll_seconds, seconds)
        # Due already: fell due while we fired (go again now), or held by another replica.
        return 0.0 if report.claimed else _BUSY_PAUSE
