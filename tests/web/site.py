"""A running web channel for HTTP tests: the real app, a real SQLite file, members as browsers
with cookie jars of their own."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from adapters.web.demo import prepare_demo
from bot.app import SERVICES
from bot.clock import ManualClock
from bot.config import EXAMPLE_PAPER, Settings
from bot.domain import Platform, Post, PostKind
from bot.services import Services
from tests.web.pages import Page

Client = TestClient[web.Request, web.Application]
ADMIN_TOKEN = "organiser-token-for-tests"
SECRET = "a-secret-only-these-tests-know"


def web_settings(tmp_path: Path, *, admin_token: str | None = ADMIN_TOKEN) -> Settings:
    """Settings for a test app: its own database file, our example paper."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'web.db'}",
        paper=EXAMPLE_PAPER,
        admin_token=SecretStr(admin_token) if admin_token else None,
        secret_key=SecretStr(SECRET),
        export_dir=tmp_path / "exports",
        _env_file=None,
    )


def row_counts(db: Path) -> dict[str, int]:
    """Rows per table, read straight from the SQLite file: "nothing stored" means equal."""
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name != "alembic_version"
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


@dataclass
class Reply:
    """A response with its body read, for assertions."""

    status: int
    text: str
    location: str | None
    cookies: dict[str, str]

    @property
    def page(self) -> Page:
        return Page(self.text)


@dataclass
class Member:
    """One browser: its own cookies, the last page it saw."""

    site: Site
    session: aiohttp.ClientSession
    last: Page | None = None

    async def get(self, path: str) -> Reply:
        async with self.session.get(self.site.url(path), allow_redirects=False) as response:
            reply = Reply(
                status=response.status,
                text=await response.text(),
                location=response.headers.get("Location"),
                cookies={k: v.value for k, v in response.cookies.items()},
            )
        if response.content_type == "text/html":
            self.last = reply.page
        return reply

    async def post(
        self,
        path: str,
        data: dict[str, str] | list[tuple[str, str]] | str | bytes,
        *,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        async with self.session.post(
            self.site.url(path), data=data, headers=headers, allow_redirects=False
        ) as response:
            return Reply(
                status=response.status,
                text=await response.text(),
                location=response.headers.get("Location"),
                cookies={k: v.value for k, v in response.cookies.items()},
            )

    def cookie(self, name: str) -> str | None:
        found = [c.value for c in self.session.cookie_jar if c.key == name]
        return found[0] if found else None

    async def join(
        self, name: str = "Ann Analyst", organisation: str = "Northshire Council"
    ) -> None:
        """Fill in the identity form shown on the channel page."""
        page = (await self.get("/web/c/general")).page
        reply = await self.post(
            "/web/identity",
            {
                "csrf_token": page.hidden("/web/identity", "csrf_token"),
                "display_name": name,
                "organisation": organisation,
                "next": "/web/c/general",
            },
        )
        assert reply.status == 303, reply.text

    async def token(self, path: str = "/web/me/delete") -> str:
        """The member's CSRF token (one for all their forms), read from the last form of a
        page; by default the small *Delete my data* confirmation."""
        page = (await self.get(path)).page
        return page.all("input", name="csrf_token")[-1].attrs["value"]


@dataclass
class Site:
    """The app under test, served on loopback by aiohttp's test client."""

    client: Client
    clock: ManualClock
    db: Path
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)

    @property
    def services(self) -> Services:
        app = self.client.app
        assert app is not None
        return app[SERVICES]

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    def member(self) -> Member:
        session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sessions.append(session)
        return Member(site=self, session=session)

    async def publish_demo(self) -> list[Post]:
        """Channel #general with every section, delivered by the web outbox sender."""
        await prepare_demo(self.services)
        await self.services.senders[Platform.WEB].drain()
        return await self.section_posts()

    async def section_posts(self) -> list[Post]:
        async with self.services.store.transaction() as tx:
            return list(await tx.list_posts(kind=PostKind.SECTION))

    def counts(self) -> dict[str, int]:
        return row_counts(self.db)

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()
