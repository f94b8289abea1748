"""Sliding-window rate limiting for outbound platform calls.

Each key (a channel, a workspace) may carry several windows at once, as Teams does
(7 per second, 8 per 2 seconds, 60 per 30 seconds). Written by hand because the limiter must run
on the injected clock so tests and benchmarks never sleep on wall time.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable, Sequence
from datetime import datetime

from bot.ports import Clock, RateWindow


class _Windows:
    def __init__(self, windows: Sequence[RateWindow]) -> None:
        self.windows = tuple(windows)
        longest = max((w.count for w in windows), default=0)
        self.sent: deque[datetime] = deque(maxlen=max(longest, 1))
        self.blocked_until: datetime | None = None
        self.lock = asyncio.Lock()

    def wait_seconds(self, now: datetime) -> float:
        wait = 0.0
        if self.blocked_until is not None:
            wait = max(wait, (self.blocked_until - now).total_seconds())
        for window in self.windows:
            if len(self.sent) >= window.count:
                oldest_in_window = self.sent[-window.count]
                wait = max(wait, window.seconds - (now - oldest_in_window).total_seconds())
        return wait


class RateLimiter:
    """Waits until a call for a key fits all of the key's windows, then counts it."""

    def __init__(self, *, clock: Clock, windows: Sequence[RateWindow]) -> None:
        self._clock = clock
        self._windows = tuple(windows)
        self._keys: dict[Hashable, _Windows] = {}

    def _state(self, key: Hashable) -> _Windows:
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _Windows(self._windows)
        return state

    async def acquire(self, key: Hashable) -> None:
        """Wait for a slot for `key` and take it."""
        state = self._state(key)
        async with state.lock:
            while (wait := state.wait_seconds(self._clock.now())) > 0:
                await self._clock.sleep(wait)
            state.sent.append(self._clock.now())

    def block(self, key: Hashable, *, until: datetime) -> None:
        """Hold every call for `key` until a time (the platform said Retry-After)."""
        state = self._state(key)
        if state.blocked_until is None or until > state.blocked_until:
            state.blocked_until = until
