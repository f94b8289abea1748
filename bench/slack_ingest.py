"""Ingest: signed Slack reaction and reply events, as fast as engage stores them.

One load generator (an aiohttp client, requests signed before the clock starts, 64 at a time)
drives each server in a process of its own, on loopback:

- bare:  an aiohttp handler that reads the body and answers 200 (the HTTP floor);
- bolt:  a plain Bolt AsyncApp (signature check, authorization) with no-op listeners;
- engage (SQLite file), engage (PostgreSQL, a fresh database): `engage serve`'s app
  (`bot.app.build_app`) with Slack mounted, after publishing three sections, so every event is
  about one of our posts and is persisted before the 200.

Printed: events/s and p50/p99 latency per server, engage/Bolt throughput (target >= 0.7) and
p99 (target < 100 ms), and how many events engage stored. With `--rounds N`, plain Bolt and
engage are measured N times in turn (each engage figure against the Bolt run just before it,
as a shared machine's load drifts) and the medians are printed.

    .venv/bin/python -m bench.slack_ingest [--events 20000] [--concurrency 64] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.slack_common import (
    DEFAULT_POSTGRES,
    REPO,
    SECRET,
    TEAM,
    TOKEN,
    count_rows,
    fresh_postgres,
    percentile,
    settings,
    write_paper,
)
from bot.app import SERVICES, build_app
from bot.domain import Outcome, Platform, PostState
from bot.ports import read_transaction
from tests.fakes.slack_api import Bot, FakeSlackApi
from tests.fakes.slack_signing import signed_headers

CHANNEL = "C0BENCH"
EMOJI = ("thumbsup", "thinking_face", "bulb", "tada", "eyes", "heart", "+1", "wave")


@dataclass(frozen=True, kw_only=True)
class Result:
    name: str
    events: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        return (
            f"{self.name:<22} {self.rate:8.0f} events/s   p50 {percentile(ms, 0.5):6.1f} ms"
            f"   p99 {percentile(ms, 0.99):6.1f} ms   non-200 {self.failures}"
        )


# --- the servers (each runs in its own process: `python -m bench.slack_ingest serve KIND`) -----


async def _serve(kind: str, database_url: str) -> None:
    fake = FakeSlackApi(bots={TOKEN: Bot(team_id=TEAM)}, post_interval=0.0)
    api_url = await fake.start()
    fake.add_channel(CHANNEL, "bench")
    roots: list[str] = []
    if kind == "bare":
        app = web.Application()
        app.router.add_post("/slack/events", _bare)
    elif kind == "bolt":
        app = _plain_bolt(api_url)
    else:
        # The paper is read at start-up; the folder lives as long as this process.
        paper = write_paper(Path(tempfile.mkdtemp(prefix="engage-bench-")), sections=3)
        app = build_app(settings(database_url, api_url=api_url, paper=paper))
        if kind == "adapter":
            # Diagnostic: the Slack adapter's own cost, with the core's storage taken out.
            async def stored(event: object) -> Outcome:
                return Outcome.STORED

            app[SERVICES].engagement.record = stored  # type: ignore[method-assign]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    if kind in ("engage", "adapter"):
        roots = await _publish(app)
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"port": port, "roots": roots}), flush=True)
    await asyncio.Event().wait()


async def _bare(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=200)


def _plain_bolt(api_url: str) -> web.Application:
    bolt = AsyncApp(
        signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url), name="plain"
    )

    async def noop() -> None:
        return None

    bolt.event("reaction_added")(noop)
    bolt.event("message")(noop)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


async def _publish(app: web.Application) -> list[str]:
    services = app[SERVICES]
    await services.engagement.register_channel(
        platform=Platform.SLACK, workspace_id=TEAM, external_id=CHANNEL, name="bench"
    )
    await services.engagement.publish(sections=["all"], target=CHANNEL, platform=Platform.SLACK)
    while True:  # the outbox sender, started with the app, delivers them
        async with read_transaction(services.store) as tx:
            posts = list(await tx.list_posts())
        if posts and all(p.state is PostState.SENT for p in posts):
            return [p.message_ids[0] for p in posts]
        await asyncio.sleep(0.05)


# --- the load generator -------------------------------------------------------------------


def _requests(count: int, roots: list[str], *, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed event requests: reactions and thread replies on our posts, each unique."""
    requests = []
    now = int(time.time())
    for i in range(offset, offset + count):
        root = roots[i % len(roots)]
        if i % 2:
            event: dict[str, Any] = {
                "type": "reaction_added",
                "user": f"U{i:08d}",
                "reaction": EMOJI[i % len(EMOJI)],
                "item": {"type": "message", "channel": CHANNEL, "ts": root},
                "event_ts": f"{now}.{i % 1_000_000:06d}",
            }
        else:
            event = {
                "type": "message",
                "user": f"U{i:08d}",
                "text": f"Reply number {i}: we tried something like this last year.",
                "channel": CHANNEL,
                "ts": f"{now + 1}.{i:08d}",
                "thread_ts": root,
                "event_ts": f"{now + 1}.{i:08d}",
                "channel_type": "channel",
            }
        envelope = {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "ABENCH",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{i:010d}",
            "event_time": now,
            "authed_users": ["UBOT"],
        }
        body = json.dumps(envelope)
        requests.append((body.encode(), signed_headers(body, secret=SECRET, timestamp=now)))
    return requests


async def _drive(
    url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def worker() -> None:
            nonlocal failures
            for body, headers in queue:
                started = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, failures


@asynccontextmanager
async def _server(kind: str, database_url: str = "") -> AsyncIterator[dict[str, Any]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_ingest",
        "serve",
        kind,
        "--database-url",
        database_url,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=120)
        yield json.loads(line)
    finally:
        process.terminate()
        await process.wait()


async def measure(name: str, kind: str, args: argparse.Namespace, database_url: str = "") -> Result:
    async with _server(kind, database_url) as ready:
        roots = ready["roots"] or ["1700000001.000001"]
        url = f"http://127.0.0.1:{ready['port']}/slack/events"
        warmup = _requests(min(1000, args.events // 10), roots, offset=0)
        await _drive(url, warmup, args.concurrency)
        load = _requests(args.events, roots, offset=len(warmup))
        seconds, latencies, failures = await _drive(url, load, args.concurrency)
    return Result(
        name=name, events=args.events, seconds=seconds, latencies=latencies, failures=failures
    )


async def _all(args: argparse.Namespace) -> None:
    print(
        f"{args.events} signed events (half reactions, half thread replies), "
        f"concurrency {args.concurrency}, {args.rounds} round(s)"
    )
    print((await measure("bare aiohttp", "bare", args)).line())
    ratios: dict[str, list[tuple[float, float]]] = {"SQLite": [], "PostgreSQL": []}
    for round_ in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"-- round {round_}")
        # Plain Bolt again each round: the engage figures are compared with the Bolt run
        # next to them, so a machine that gets busier meanwhile skews the ratio less.
        bolt = await measure("plain Bolt (no-op)", "bolt", args)
        print(bolt.line())
        if round_ == 1:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'adapter.db'}"
                adapter = await measure("engage, record() no-op", "adapter", args, url)
            print(adapter.line())
            print(f"{'':<22} {adapter.rate / bolt.rate:.2f} x plain Bolt: the adapter alone")
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'ingest.db'}"
            result = await measure("engage, SQLite file", "engage", args, url)
            stored = await count_rows(url, "processed_events")
            ratios["SQLite"].append(_report(result, bolt, stored, args))
        if args.skip_postgres:
            continue
        async with fresh_postgres(args.postgres) as pg_url:
            if pg_url is not None:
                result = await measure("engage, PostgreSQL", "engage", args, pg_url)
                stored = await count_rows(pg_url, "processed_events")
                ratios["PostgreSQL"].append(_report(result, bolt, stored, args))
    if args.rounds > 1:
        print(f"-- median of {args.rounds} rounds")
        for backend, figures in ratios.items():
            if figures:
                ratio = statistics.median(r for r, _ in figures)
                p99 = statistics.median(p for _, p in figures)
                print(
                    f"engage, {backend:<14} {ratio:.2f} x plain Bolt (target >= 0.7), "
                    f"p99 {p99:.1f} ms (target < 100)"
                )


def _report(
    result: Result, bolt: Result, stored: int, args: argparse.Namespace
) -> tuple[float, float]:
    sent = args.events + min(1000, args.events // 10)
    print(result.line())
    ms = sorted(x * 1000 for x in result.latencies)
    ratio, p99 = result.rate / bolt.rate, percentile(ms, 0.99)
    print(
        f"{'':<22} {ratio:.2f} x plain Bolt (target >= 0.7), "
        f"p99 {p99:.1f} ms (target < 100), stored {stored} of {sent} events"
    )
    return ratio, p99


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="(internal) run one server")
    serve.add_argument("kind", choices=["bare", "bolt", "adapter", "engage"])
    serve.add_argument("--database-url", default="")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure Bolt and engage this many times"
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.command == "serve":
        asyncio.run(_serve(args.kind, args.database_url))
    else:
        asyncio.run(_all(args))


if __name__ == "__main__":
    main()
