"""Stopping and starting between scheduling, firing and delivery loses no prompt and sends
none twice: the prompts table and the outbox are the truth, not the process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestServer

from bot.app import SERVICES, build_app, build_services, prepare
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain import Paper, Platform
from bot.engagement import Engagement
from bot.scheduling import Scheduling
from bot.scheduling_types import PromptState
from storage.store import SqlStore
from tests.fakes.platform import FakePlatform
from tests.scheduling.conftest import ZONE, make_scheduler, make_sender

DUE = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)


async def _plan(url: str, clock: ManualClock, paper: Paper) -> None:
    """One process: a channel, an event with a reminder and a recurring prompt; then it stops."""
    store = SqlStore.open(url)
    try:
        engagement = Engagement(store=store, clock=clock)
        await engagement.load_paper(paper)
        await engagement.register_channel(
            platform=Platform.WEB, workspace_id="local", external_id="general", name="general"
        )
        scheduling = Scheduling(store=store, clock=clock, paper=lambda: paper, default_zone=ZONE)
        await scheduling.schedule_event(
            title="Open house",
            start=DUE + timedelta(hours=1),
            targets=["#general"],
            reminders=(timedelta(hours=1),),
            follow_up=None,
        )
        await scheduling.schedule_prompt(
            kind="message", text="Weekly", targets=["#general"], recurrence="0 9 * * tue"
        )
    finally:
        await store.close()


async def _fire_and_deliver(url: str, clock: ManualClock, paper: Paper, fake: FakePlatform) -> None:
    """Another process on the same file: a fresh store, scheduler and sender."""
    store = SqlStore.open(url)
    try:
        await make_scheduler(store, clock, paper).fire_due()
        await make_sender(store, clock, fake).drain()
    finally:
        await store.close()


async def test_a_restart_between_scheduling_and_firing_delivers_each_prompt_once(
    sqlite_url: str, clock: ManualClock, example_paper: Paper
) -> None:
    await _plan(sqlite_url, clock, example_paper)
    fake = FakePlatform(clock=clock, per_channel=())
    clock.set(DUE + timedelta(minutes=5))  # down over the due time, back within the grace
    await _fire_and_deliver(sqlite_url, clock, example_paper, fake)
    await _fire_and_deliver(sqlite_url, clock, example_paper, fake)

    assert sorted(m.text.splitlines()[0] for m in fake.sent) == [
        "Reminder: Open house starts in 55 minutes: Tuesday 6 January 2026, 10:00 GMT.",
        "Weekly",
    ]


async def test_a_restart_between_firing_and_delivery_delivers_each_prompt_once(
    sqlite_url: str, clock: ManualClock, example_paper: Paper
) -> None:
    await _plan(sqlite_url, clock, example_paper)
    clock.set(DUE)
    store = SqlStore.open(sqlite_url)
    report = await make_scheduler(store, clock, example_paper).fire_due()
    await store.close()  # stopped before its sender ran
    fake = FakePlatform(clock=clock, per_channel=())
    await _fire_and_deliver(sqlite_url, clock, example_paper, fake)
    await _fire_and_deliver(sqlite_url, clock, example_paper, fake)

    assert report.posts == 2
    assert len(fake.sent) == 2
    assert len({m.post_id for m in fake.sent}) == 2


async def _until(check: Callable[[], bool], *, attempts: int = 5000) -> None:
    for _ in range(attempts):
        if check():
            return
        await asyncio.sleep(0.001)


async def test_the_app_fires_prompts_scheduled_while_it_was_stopped_once_across_restarts(
    sqlite_url: str, clock: ManualClock
) -> None:
    # The app's polling loops advance the manual clock each time they sleep, and those that only
    # write (their statements run in place) go round far faster in real time than a lane that
    # reads on a thread: an outbox lease of two minutes can run out between claim and send.
    settings = Settings(
        database_url=sqlite_url, secret_key="test-secret", outbox_lease_seconds=3 * 3600.0
    )
    # Scheduled the way `engage events prompt` does it: no server running.
    services = build_services(settings, clock=clock)
    await prepare(services, migrate=True)
    await services.engagement.register_channel(
        platform=Platform.SLACK, workspace_id="T1", external_id="C1", name="general"
    )
    prompt = await Scheduling.from_services(services).schedule_prompt(
        kind="message", text="Served", targets=["slack/C1"], at=DUE
    )
    await services.store.close()
    clock.set(DUE - timedelta(seconds=10))  # stopped until shortly before the prompt is due

    fakes: list[FakePlatform] = []
    for _ in range(2):  # start, deliver, stop; then start again
        fake = FakePlatform(clock=clock, name=Platform.SLACK, per_channel=())
        fakes.append(fake)
        app = build_app(settings, clock=clock)
        app[SERVICES].register_platform(fake)
        async with TestServer(app):
            # The app's loops sleep on the manual clock, so time runs on while they work.
            # (B023: each lambda is awaited within its own iteration.)
            await _until(lambda: bool(fake.sent) or clock.now() > DUE + timedelta(hours=1))  # noqa: B023
            later = max(clock.now(), DUE) + timedelta(seconds=30)
            await _until(lambda: clock.now() > later)  # noqa: B023

    # Every loop of the app advances the shared manual clock as it sleeps, so when exactly the
    # prompt went out is not measured here (test_dst measures the loop's timing alone).
    assert [[m.text for m in f.sent] for f in fakes] == [["Served"], []]
    async with SqlStore.open(sqlite_url).transaction() as tx:
        stored = await tx.get_prompt(prompt_id=prompt.id)
    assert stored is not None
    assert stored.state is PromptState.SENT
