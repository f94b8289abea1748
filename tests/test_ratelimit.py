from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.ports import RateWindow
from bot.ratelimit import RateLimiter


async def test_one_per_second_spaces_calls_a_second_apart() -> None:
    clock = ManualClock()
    start = clock.now()
    limiter = RateLimiter(clock=clock, windows=(RateWindow(count=1, seconds=1.0),))
    times = []
    for _ in range(3):
        await limiter.acquire("C1")
        times.append((clock.now() - start).total_seconds())
    assert times == [0.0, 1.0, 2.0]


async def test_keys_are_limited_independently() -> None:
    clock = ManualClock()
    start = clock.now()
    limiter = RateLimiter(clock=clock, windows=(RateWindow(count=1, seconds=1.0),))
    await limiter.acquire("C1")
    await limiter.acquire("C2")
    assert clock.now() == start


async def test_every_window_holds_at_once() -> None:
    clock = ManualClock()
    start = clock.now()
    windows = (RateWindow(count=7, seconds=1.0), RateWindow(count=8, seconds=2.0))
    limiter = RateLimiter(clock=clock, windows=windows)
    for _ in range(9):
        await limiter.acquire("thread")
    # Seven in the first second; the eighth waits for the 1 s window, the ninth for the 2 s one.
    assert (clock.now() - start).total_seconds() == 2.0


async def test_block_holds_calls_until_the_given_time() -> None:
    clock = ManualClock()
    limiter = RateLimiter(clock=clock, windows=())
    until = clock.now() + timedelta(seconds=30)
    limiter.block("C1", until=until)
    await limiter.acquire("C1")
    assert clock.now() == until
