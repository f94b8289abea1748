"""`delete my data` and `export` through the whole app: real store, real export, real link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.commands import run_command
from bot.config import Settings
from bot.domain import Actor, OrganiserCommand, Platform, ReplyPosted
from bot.services import Services

Client = TestClient[web.Request, web.Application]
ORGANISER = Actor(user_id="U-org")
ADA = Actor(user_id="U-ada", display_name="Ada Lovelace", organisation="Northshire")


@pytest.fixture
async def client(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Client]:
    settings = Settings(
        database_url=sqlite_url,
        secret_key="test-secret",
        export_dir=tmp_path / "exports",
    )
    async with TestClient(TestServer(build_app(settings))) as the_client:
        yield the_client


def _services(client: Client) -> Services:
    return client.app[SERVICES]


def _command(text: str, actor: Actor) -> OrganiserCommand:
    return OrganiserCommand(
        platform=Platform.WEB, workspace_id="local", channel_id="general", actor=actor, text=text
    )


async def _ada_replies(services: Services) -> int:
    engagement = services.engagement
    await engagement.register_channel(
        platform=Platform.WEB, workspace_id="local", external_id="general", name="general"
    )
    await engagement.publish(sections=["1"], target="web/general")
    await services.senders[Platform.WEB].drain()
    async with services.store.transaction() as tx:
        (post,) = await tx.list_posts()
    await engagement.record(
        ReplyPosted(
            platform=Platform.WEB,
            workspace_id="local",
            event_id="e1",
            channel_id="general",
            message_id=post.root_message_id or "",
            actor=ADA,
            occurred_at=services.clock.now(),
            reply_id="r1",
            text="My organisation tried this in 2024",
        )
    )
    return post.id


async def test_delete_my_data_removes_the_members_words_and_name(
    client: Client,
) -> None:
    services = _services(client)
    post_id = await _ada_replies(services)
    reply = await run_command(
        services.engagement,
        _command("delete my data", ADA),
        organisers=(),
        here="general",
        services=services,
    )
    assert reply.ok
    assert reply.text.startswith("Done:")
    async with services.store.transaction() as tx:
        # The reply stays as an anonymous count, its words gone.
        replies = await tx.list_replies(post_id=post_id, include_deleted=True)
        assert [r.text for r in replies] == [""]
        assert (
            await tx.find_participant(platform=Platform.WEB, workspace_id="local", user_id="U-ada")
            is None
        )


async def test_export_in_chat_gives_a_link_that_downloads_the_file(
    client: Client,
) -> None:
    services = _services(client)
    await _ada_replies(services)
    reply = await run_command(
        services.engagement,
        _command("export", ORGANISER),
        organisers={"U-org"},
        here="general",
        services=services,
    )
    assert reply.ok
    link = reply.text.splitlines()[-1]
    parts = urlsplit(link)
    response = await client.get(f"{parts.path}?{parts.query}")
    assert response.status == 200
    body = await response.read()
    assert body[:2] == b"PK"  # an XLSX file is a zip archive

    last = parts.query[-1]
    forged = await client.get(f"{parts.path}?{parts.query[:-1]}{'1' if last == '0' else '0'}")
    assert forged.status == 403
