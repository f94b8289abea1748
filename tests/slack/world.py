"""A running engage with Slack mounted, talking to the loopback fake Slack Web API.

Requests reach the real aiohttp app (Bolt inside) over real HTTP, signed as Slack signs them;
the app's Web API calls reach the fake. The fake and the app share one ManualClock, so the
fake's one-message-per-second rule and the outbox's pacing agree without sleeping.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from adapters.slack.layout import FEEDBACK_ACTION
from adapters.slack.mount import SLACK
from bot.app import SERVICES
from bot.clock import ManualClock
from bot.config import EXAMPLE_PAPER, Settings
from bot.domain import Platform, Post
from bot.services import Services
from tests.fakes.slack_api import Bot, FakeSlackApi
from tests.fakes.slack_signing import signed_headers
from tests.slack import payloads

SECRET = "slack-signing-secret-for-tests"
TOKEN = "xoxb-engage-tests"
ORGANISER = "UORGANISER"
MEMBER = "UMEMBER"
BOT = Bot(team_id=payloads.TEAM, user_id="UBOT", bot_id="BBOT")
GENERAL = "C0GENERAL"
FORM = "application/x-www-form-urlencoded"


def slack_settings(
    db: Path, *, api_url: str, paper: Path = EXAMPLE_PAPER, **extra: Any
) -> Settings:
    """Settings of a single-workspace Slack app on its own database file."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{db}",
        "paper": paper,
        "slack_bot_token": SecretStr(TOKEN),
        "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": api_url,
        "slack_organisers": (ORGANISER,),
        "secret_key": SecretStr("engage-secret-for-slack-tests"),
        **extra,
    }
    return Settings(_env_file=None, **values)


@dataclass(frozen=True)
class Reply:
    """An HTTP answer with its body read."""

    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


@dataclass
class SlackWorld:
    """The app, the fake Slack, the clock and the database file of one test."""

    client: TestClient[web.Request, web.Application]
    fake: FakeSlackApi
    clock: ManualClock
    db: Path

    @property
    def services(self) -> Services:
        app = self.client.app
        assert app is not None
        return app[SERVICES]

    async def send(
        self,
        body: str,
        *,
        content_type: str = "application/json",
        secret: str = SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Reply:
        """POST a body to /slack/events, signed like Slack signs it unless `signed` is off."""
        sent = signed_headers(body, secret=secret, timestamp=timestamp, content_type=content_type)
        if not signed:
            sent = {"Content-Type": content_type}
        response = await self.client.post(
            "/slack/events", data=body.encode(), headers={**sent, **(headers or {})}
        )
        return Reply(status=response.status, text=await response.text())

    async def event(self, event: dict[str, Any], **envelope: Any) -> Reply:
        return await self.send(json.dumps(payloads.envelope(event, **envelope)))

    async def interact(self, payload: dict[str, Any]) -> Reply:
        return await self.send(payloads.interactive_body(payload), content_type=FORM)

    async def press(
        self, post: Post, *, action_id: str = FEEDBACK_ACTION, user: str = MEMBER
    ) -> Reply:
        """A member presses a button under a post's root message (*Give feedback* unless
        `action_id` says otherwise); returns once the work engage does after the
        acknowledgement (opening the modal, sending a private hint) is done."""
        assert post.root_message_id is not None
        action = payloads.block_action(
            action_id=action_id,
            value=str(post.id),
            user=user,
            channel=GENERAL,
            message_ts=post.root_message_id,
        )
        reply = await self.interact(action)
        await self.client.app[SLACK].background.wait()
        return reply

    async def command(self, text: str, *, user: str = ORGANISER, channel: str = GENERAL) -> Reply:
        return await self.send(
            payloads.slash(text=text, user=user, channel=channel), content_type=FORM
        )

    async def join(self, channel: str = GENERAL, name: str = "general") -> None:
        """The bot is invited to a channel the fake knows; engage registers it."""
        self.fake.add_channel(channel, name)
        reply = await self.event(payloads.member_joined(user=BOT.user_id, channel=channel))
        assert reply.status == 200, reply.text

    async def publish(self, sections: list[str], channel: str = GENERAL) -> list[Post]:
        """Publish sections to a channel and let the Slack outbox sender deliver them."""
        await self.services.engagement.publish(
            sections=sections, target=channel, platform=Platform.SLACK
        )
        await self.services.senders[Platform.SLACK].drain()
        return await self.posts()

    async def posts(self) -> list[Post]:
        async with self.services.store.transaction() as tx:
            return list(await tx.list_posts())

    def rows(self, table: str) -> int:
        with sqlite3.connect(self.db) as conn:
            return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608

    def row_counts(self) -> dict[str, int]:
        with sqlite3.connect(self.db) as conn:
            names = [
                n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
        return {name: self.rows(name) for name in names}
