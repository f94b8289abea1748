"""The Teams adapter under test: the real app (CloudAdapter, aiohttp, SQLite) between a loopback
token issuer and a loopback Bot Connector."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.app import SERVICES, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.domain import Channel, Platform, Post
from bot.services import Services
from storage.migrate import upgrade
from storage.store import SqlStore
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.token_issuer import TokenIssuer
from tests.teams import activities as act

SHARED = Path(__file__).resolve().parents[3] / "shared"
CONNECTOR_SPEC = SHARED / "specs" / "bot-connector-api-v3.json"
CARD_SCHEMA = SHARED / "specs" / "adaptivecards-1.5" / "adaptive-card.json"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session; each test gets a copy (migrating takes ~0.3 s)."""
    path = tmp_path_factory.mktemp("teams-template") / "engage.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def store(sqlite_url: str, migrated_database: Path) -> AsyncIterator[SqlStore]:
    target = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    for file in migrated_database.parent.glob(migrated_database.name + "*"):
        shutil.copy(file, target.parent / file.name)
    the_store = SqlStore.open(sqlite_url)
    try:
        yield the_store
    finally:
        await the_store.close()


@pytest.fixture(scope="session")
def issuer() -> Iterator[TokenIssuer]:
    running = TokenIssuer(app_id=act.APP_ID, app_password=act.APP_PASSWORD).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def connector_spec() -> dict[str, Any] | None:
    """The Bot Connector v3 Swagger, when ../shared is at hand (the fake checks bodies with it)."""
    return json.loads(CONNECTOR_SPEC.read_text()) if CONNECTOR_SPEC.exists() else None


class CardSchema:
    """The Adaptive Cards 1.5 schema, when ../shared is at hand; without it no card can be
    checked, and `test_cards` reports that as a skip."""

    def __init__(self, path: Path) -> None:
        self.available = path.exists()
        schema = json.loads(path.read_text()) if self.available else {}
        self._validator = jsonschema.Draft6Validator(schema)

    def errors(self, card: dict[str, Any]) -> list[str]:
        if not self.available:
            return []
        return [f"{e.json_path}: {e.message}" for e in self._validator.iter_errors(card)]


@pytest.fixture(scope="session")
def card_schema() -> CardSchema:
    return CardSchema(CARD_SCHEMA)


@pytest.fixture
async def connector(
    issuer: TokenIssuer, clock: ManualClock, connector_spec: dict[str, Any] | None
) -> AsyncIterator[FakeBotConnector]:
    # The fake keeps time on the test's clock, like the outbox's rate limiter does.
    fake = FakeBotConnector(
        issuer=issuer, spec=connector_spec, clock=lambda: clock.now().timestamp()
    )
    fake.add_team(act.TEAM, act.TEAM_NAME, [(act.TEAM, None), (act.RESEARCH, "Research")])
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(sqlite_url: str, issuer: TokenIssuer, tmp_path: Path) -> Settings:
    return Settings(
        database_url=sqlite_url,
        export_dir=tmp_path / "exports",
        microsoft_app_id=act.APP_ID,
        microsoft_app_password=act.APP_PASSWORD,
        teams_openid_metadata_url=issuer.metadata_url,
        teams_login_url=issuer.token_url,
        teams_organisers=(act.ORGANISER_AAD,),
        public_url="https://engage.example.org",
    )


@dataclass
class Teams:
    """The running app as Teams sees it, and what the test needs to look inside."""

    client: TestClient[Any, Any]
    services: Services
    connector: FakeBotConnector
    issuer: TokenIssuer
    store: SqlStore

    @property
    def service_url(self) -> str:
        return self.connector.url

    def token(self, **wrong: Any) -> str:
        return self.issuer.channel_token(
            service_url=wrong.pop("service_url", self.service_url), **wrong
        )

    async def send(
        self,
        body: dict[str, Any],
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ClientResponse:
        sent = {"Authorization": f"Bearer {token or self.token()}", **(headers or {})}
        return await self.client.post("/api/messages", json=body, headers=sent)

    def rejected(self, reason: str) -> float:
        """How many requests were refused for this reason, as /metrics reports it."""
        value = self.services.metrics.registry.get_sample_value(
            "engage_rejected_requests_total", {"platform": "teams", "reason": reason}
        )
        return value or 0.0

    def events(self, kind: str, outcome: str) -> float:
        """How many inbound Teams events of a kind had this outcome."""
        value = self.services.metrics.registry.get_sample_value(
            "engage_inbound_events_total", {"platform": "teams", "kind": kind, "outcome": outcome}
        )
        return value or 0.0

    async def channels(self, *, active_only: bool = False) -> list[Channel]:
        async with self.store.transaction() as tx:
            return list(await tx.list_channels(platform=Platform.TEAMS, active_only=active_only))

    async def install(self) -> list[Channel]:
        response = await self.send(act.bot_added(self.service_url))
        assert response.status == 200, await response.text()
        return await self.channels()


@pytest.fixture
async def teams(
    settings: Settings,
    store: SqlStore,
    clock: ManualClock,
    connector: FakeBotConnector,
    issuer: TokenIssuer,
) -> AsyncIterator[Teams]:
    app = build_app(settings, store=store, clock=clock, migrate=False, run_senders=False)
    # No scheduler or retention job: on a ManualClock each of their waits advances the clock,
    # so they would spin, move time on by minutes per test and fire what the tests schedule.
    app[SERVICES].background.clear()
    async with TestClient(TestServer(app)) as client:
        yield Teams(
            client=client, services=app[SERVICES], connector=connector, issuer=issuer, store=store
        )


@dataclass(frozen=True)
class Posted:
    post: Post
    thread: str

    @property
    def root(self) -> str:
        assert self.post.root_message_id is not None
        return self.post.root_message_id


@pytest.fixture
async def posted(teams: Teams) -> Posted:
    """Section 1 posted to the Research channel."""
    await teams.install()
    await teams.services.engagement.publish(
        sections=["1"], target=act.RESEARCH, platform=Platform.TEAMS
    )
    await teams.services.senders[Platform.TEAMS].drain()
    async with teams.store.transaction() as tx:
        (post,) = await tx.list_posts()
    (thread,) = teams.connector.threads()
    return Posted(post=post, thread=thread)


async def replies(
    store: SqlStore, post: Post, *, include_deleted: bool = False
) -> list[tuple[str, str]]:
    async with store.transaction() as tx:
        found = await tx.list_replies(post_id=post.id, include_deleted=include_deleted)
    return [(r.external_id, r.text) for r in found]
