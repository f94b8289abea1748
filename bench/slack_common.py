"""Helpers shared by the Slack benchmarks: a paper of our own, percentiles, settings."""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import Settings
from storage.engine import create_engine, dispose_engine
from tests.fakes.slack_api import Bot, FakeSlackApi, Faults

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"
TEAM = "T0BENCH"


def write_paper(folder: Path, *, sections: int) -> Path:
    """A paper of `sections` short sections (our own words), for posting many times."""
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for n in range(1, sections + 1):
        name = f"{n:02d}-section-{n}.md"
        pages.append(name)
        body = (
            f"# Section {n} of the benchmark paper\n\n"
            f"This is section {n}. It asks what **your team** would change first, and why.\n\n"
            "- one point to discuss\n- another point, with [a link](https://example.org/b)\n"
        )
        (folder / name).write_text(body, encoding="utf-8")
    listed = ", ".join(f'"{p}"' for p in pages)
    (folder / "paper.toml").write_text(
        f'title = "Benchmark paper"\npages = [{listed}]\n', encoding="utf-8"
    )
    return folder


def settings(database_url: str, *, api_url: str, paper: Path, **extra: Any) -> Settings:
    """Single-workspace Slack settings for a benchmark run."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "paper": paper,
        "slack_bot_token": SecretStr(TOKEN),
        "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": api_url,
        "log_level": "WARNING",
        **extra,
    }
    return Settings(_env_file=None, **values)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the (sorted) values fall."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[str | None]:
    """A new, empty PostgreSQL database on the server of `server_url` (dropped afterwards),
    or None with a message when the server cannot be reached."""
    admin_url = make_url(server_url).set(drivername="postgresql+asyncpg")
    name = f"engage_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5}
    )
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (OSError, SQLAlchemyError) as error:
        print(f"PostgreSQL at {admin_url.render_as_string()} is unreachable ({error}): skipped")
        await admin.dispose()
        yield None
        return
    try:
        yield admin_url.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def count_rows(database_url: str, table: str) -> int:
    """Rows in a table of engage's database."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(f'SELECT count(*) FROM "{table}"'))).scalar_one())  # noqa: S608
    finally:
        await dispose_engine(engine)


@dataclass(frozen=True, kw_only=True)
class RemoteFake:
    """The fake Slack Web API running in a process of its own, so it does not share a CPU
    (or an event loop) with the engage being measured."""

    base_url: str
    post_interval: float
    retry_after: float

    async def add_channels(self, channels: list[tuple[str, str]]) -> None:
        body = [{"id": cid, "name": name} for cid, name in channels]
        async with aiohttp.ClientSession() as http:
            await http.post(self.base_url.replace("/api/", "/_fake/channels"), json=body)

    async def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every accepted message and every call, as the fake recorded them."""
        async with aiohttp.ClientSession() as http:
            response = await http.get(self.base_url.replace("/api/", "/_fake/records"))
            data: dict[str, list[dict[str, Any]]] = await response.json()
            return data


@asynccontextmanager
async def fake_process(
    *, post_interval: float = 1.0, fault_rate: float = 0.0, retry_after: float = 1.0
) -> AsyncIterator[RemoteFake]:
    """Start `python -m bench.slack_common` (the fake) and stop it afterwards."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_common",
        "--post-interval",
        str(post_interval),
        "--fault-rate",
        str(fault_rate),
        "--retry-after",
        str(retry_after),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    base_url = (await process.stdout.readline()).decode().strip()
    try:
        yield RemoteFake(base_url=base_url, post_interval=post_interval, retry_after=retry_after)
    finally:
        process.terminate()
        await process.wait()


async def _serve_fake(args: argparse.Namespace) -> None:
    fake = FakeSlackApi(
        bots={TOKEN: Bot(team_id=TEAM)},
        now=time.monotonic,
        post_interval=args.post_interval,
        faults=Faults(rate=args.fault_rate, kinds=("429",), retry_after=args.retry_after),
    )
    print(await fake.start(), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the fake Slack Web API until killed.")
    parser.add_argument("--post-interval", type=float, default=1.0)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--retry-after", type=float, default=1.0)
    asyncio.run(_serve_fake(parser.parse_args()))
