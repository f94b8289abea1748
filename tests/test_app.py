from __future__ import annotations

import gc
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_app
from bot.config import Settings
from bot.gc_tuning import YOUNG_THRESHOLD, long_lived_heap


def _settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret")


async def test_healthz_answers_200_when_the_database_is_reachable(sqlite_url: str) -> None:
    async with TestClient(TestServer(build_app(_settings(sqlite_url)))) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}


async def test_healthz_answers_503_when_the_database_is_not(tmp_path: Path) -> None:
    # Nothing listens on port 1; the app must still start and say it is unhealthy.
    url = "postgresql+asyncpg://engage@127.0.0.1:1/engage"
    app = build_app(_settings(url), migrate=False)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 503


async def test_metrics_are_served_in_prometheus_text_format(sqlite_url: str) -> None:
    async with TestClient(TestServer(build_app(_settings(sqlite_url)))) as client:
        response = await client.get("/metrics")
        body = await response.text()
    assert response.status == 200
    assert response.content_type == "text/plain"
    assert "# TYPE engage_inbound_events_total counter" in body


async def test_the_heap_alive_at_start_up_is_frozen_while_the_app_runs(sqlite_url: str) -> None:
    threshold = gc.get_threshold()
    async with TestClient(TestServer(build_app(_settings(sqlite_url)))):
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    # Stopped: nothing stays frozen (a process that runs many apps would keep all their
    # garbage) and the thresholds are what they were.
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == threshold


def test_nested_heaps_are_restored_by_the_last_one_out() -> None:
    threshold = gc.get_threshold()
    with long_lived_heap():
        with long_lived_heap():
            pass
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == threshold
    assert gc.get_freeze_count() == 0
