"""Fixtures of the web channel's tests: a served app on a fresh SQLite file.

Migrating and publishing the example paper are done once per session into template files;
each test copies one, so a test starts from a real migrated (and, if it asks for `posts`,
published) database in a few milliseconds.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web

from adapters.web.demo import prepare_demo
from bot.app import SERVICES, build_app
from bot.clock import ManualClock
from bot.domain import Platform, Post, PostKind
from storage.migrate import upgrade
from tests.web.site import Client, Member, Site, web_settings

AiohttpClient = Callable[[web.Application], Awaitable[Client]]
DB = "web.db"


async def _publish_demo(folder: Path) -> None:
    app = build_app(web_settings(folder), clock=ManualClock(), run_senders=False, migrate=False)
    runner = web.AppRunner(app)
    await runner.setup()  # loads the paper
    try:
        await prepare_demo(app[SERVICES])
        await app[SERVICES].senders[Platform.WEB].drain()
    finally:
        await runner.cleanup()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two databases at the head migration: empty, and with #general holding the paper."""
    empty = tmp_path_factory.mktemp("empty")
    upgrade(web_settings(empty).database_url)
    published = tmp_path_factory.mktemp("published")
    upgrade(web_settings(published).database_url)
    asyncio.run(_publish_demo(published))
    return {"empty": empty / DB, "published": published / DB}


def copy_template(template: Path, folder: Path) -> None:
    """Copy a template database (with its WAL files, if any) into `folder`."""
    for suffix in ("", "-wal", "-shm"):
        source = template.with_name(template.name + suffix)
        if source.exists():
            shutil.copyfile(source, folder / (DB + suffix))


@pytest.fixture
async def site(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    templates: dict[str, Path],
    aiohttp_client: AiohttpClient,
) -> AsyncIterator[Site]:
    wants_posts = {"posts", "ann"} & set(request.fixturenames)
    copy_template(templates["published" if wants_posts else "empty"], tmp_path)
    clock = ManualClock()
    app = build_app(web_settings(tmp_path), clock=clock, run_senders=False, migrate=False)
    # No background jobs: the scheduler sleeps on the clock, and on a ManualClock every sleep
    # moves time on by its poll interval, so the clock would run away under the tests. Tests
    # that need prompts fired call the scheduler themselves.
    app[SERVICES].background.clear()
    the_site = Site(client=await aiohttp_client(app), clock=clock, db=tmp_path / DB)
    try:
        yield the_site
    finally:
        await the_site.close()


@pytest.fixture
async def posts(site: Site) -> list[Post]:
    """The example paper's sections, sent to #general (from the published template)."""
    found = await site.section_posts()
    assert found, "the published template has no posts"
    assert all(p.kind is PostKind.SECTION and p.message_ids for p in found)
    return found


@pytest.fixture
async def ann(site: Site, posts: list[Post]) -> Member:
    member = site.member()
    await member.join()
    return member
