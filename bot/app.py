"""The composition root: `build_app(settings)` wires store, clock, engagement, adapters and the
outbox senders into one aiohttp application. Nothing else builds these parts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from adapters.slack.mount import mount as mount_slack
from adapters.teams.mount import mount as mount_teams
from adapters.web.mount import mount as mount_web
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain import Platform
from bot.engagement import Engagement
from bot.export_routes import mount_exports
from bot.gc_tuning import long_lived_heap
from bot.metrics import Metrics
from bot.paper import load_paper
from bot.ports import Clock, Store
from bot.retention import register_retention
from bot.scheduling_mount import install_scheduler
from bot.services import Services
from storage.migrate import upgrade
from storage.store import SqlStore

log = logging.getLogger(__name__)

_UNREACHABLE = (OSError, SQLAlchemyError)
_RETRY_SECONDS = 5.0

SERVICES = web.AppKey("services", Services)


def build_services(
    settings: Settings, *, store: Store | None = None, clock: Clock | None = None
) -> Services:
    """The process's parts, before any I/O: the store connects lazily."""
    the_clock = clock or SystemClock()
    the_store = store or SqlStore.open(settings.database_url)
    services: Services
    metrics = Metrics()

    def wake(platforms: frozenset[Platform]) -> None:
        services.wake_senders(platforms)

    engagement = Engagement(
        store=the_store,
        clock=the_clock,
        on_enqueued=wake,
        metrics=metrics,
        consent_text=settings.consent_text,
    )
    services = Services(
        settings=settings, store=the_store, clock=the_clock, engagement=engagement, metrics=metrics
    )
    install_scheduler(services)
    register_retention(services)
    return services


def mount_adapters(app: web.Application, services: Services) -> None:
    """Each adapter adds its routes and registers its platform. One line per adapter."""
    # adapters: mount calls go here, one per adapter package
    mount_web(app, services)
    mount_exports(app, services)
    if services.settings.slack_enabled:
        mount_slack(app, services)
    if services.settings.teams_enabled:
        mount_teams(app, services)


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    migrate: bool = True,
    run_senders: bool = True,
) -> web.Application:
    """The aiohttp application: health, metrics, every configured adapter, and the outbox
    senders and background jobs (scheduler, retention purge) started and stopped with the app.
    `run_senders=False` leaves senders and jobs off, for callers that drive them by hand."""
    services = build_services(settings, store=store, clock=clock)
    app = web.Application(client_max_size=1024 * 1024)
    app[SERVICES] = services
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    mount_adapters(app, services)
    app.cleanup_ctx.append(_lifecycle(migrate=migrate, run_senders=run_senders))
    return app


async def prepare(services: Services, *, migrate: bool) -> None:
    """Migrate the database and load the paper; raises if the database is unreachable."""
    if migrate:
        await asyncio.to_thread(upgrade, services.settings.database_url)
    if not services.engagement.has_paper:
        paper = await asyncio.to_thread(load_paper, services.settings.paper)
        await services.engagement.load_paper(paper)
        log.info("loaded paper '%s' (%d sections)", paper.title, len(paper.sections))


def _lifecycle(
    *, migrate: bool, run_senders: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        services = app[SERVICES]
        tasks: list[asyncio.Task[None]] = []

        def start_senders() -> None:
            if not run_senders:
                return
            tasks.extend(
                asyncio.create_task(sender.run(services.stop), name=f"outbox-{name}")
                for name, sender in services.senders.items()
            )
            tasks.extend(asyncio.create_task(job(services.stop)) for job in services.background)

        try:
            await prepare(services, migrate=migrate)
        except _UNREACHABLE as error:
            # Start anyway so /healthz can say 503; an orchestrator restarts or waits for us.
            log.error(
                "the database is unreachable (%s); retrying every %ss. Check ENGAGE_DATABASE_URL.",
                error,
                _RETRY_SECONDS,
            )
            tasks.append(asyncio.create_task(_keep_trying(services, migrate, start_senders)))
        else:
            start_senders()
        # Started: what is alive now lives as long as the app, and a full garbage collection
        # walking it under load paused every request for 120-145 ms (see bot.gc_tuning).
        with long_lived_heap():
            try:
                yield
            finally:
                services.stop.set()
                if tasks:
                    await asyncio.wait(tasks, timeout=10)
                    for task in tasks:
                        task.cancel()
                await services.engagement.aclose()
                await services.store.close()

    return lifecycle


async def _keep_trying(
    services: Services, migrate: bool, start_senders: Callable[[], None]
) -> None:
    while not services.stop.is_set():
        try:
            await asyncio.wait_for(services.stop.wait(), timeout=_RETRY_SECONDS)
            return
        except TimeoutError:
            pass
        try:
            await prepare(services, migrate=migrate)
        except _UNREACHABLE as error:
            log.warning("the database is still unreachable: %s", error)
            continue
        log.info("the database is reachable again; starting")
        start_senders()
        return


async def _healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    if await services.store.ping():
        return web.json_response({"status": "ok"})
    return web.json_response({"status": "database unreachable"}, status=503)


async def _metrics(request: web.Request) -> web.Response:
    body = request.app[SERVICES].metrics.render()
    return web.Response(body=body, content_type="text/plain", charset="utf-8")
