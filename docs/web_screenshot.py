"""Regenerate docs/web-channel.png: the demo channel in headless Chromium, with a little activity.

Run from the repository root: `PYTHONPATH=. .venv/bin/python docs/web_screenshot.py` (needs
`chromium`, and `fonts-noto-color-emoji` so the reaction emoji are drawn).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from aiohttp import web
from playwright.async_api import async_playwright
from pydantic import SecretStr

from adapters.web.demo import prepare_demo
from bot.app import SERVICES, build_app
from bot.config import EXAMPLE_PAPER, Settings
from bot.domain import Actor, Platform, PostKind, ReactionAdded, ReplyPosted
from bot.services import Services

OUT = Path(__file__).resolve().parent / "web-channel.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


async def _activity(services: Services) -> None:
    async with services.store.transaction() as tx:
        first = next(p for p in await tx.list_posts(kind=PostKind.SECTION))
    people = [
        Actor(user_id="w_demo1", display_name="Priya", organisation="Eastvale Youth Service"),
        Actor(user_id="w_demo2", display_name="Tom", organisation="Northshire Council"),
        Actor(user_id="w_demo3", display_name="Sam", organisation="Harbour Trust"),
    ]
    now = services.clock.now()
    for person, emoji in zip(people, ("👍", "👍", "💡"), strict=True):
        await services.engagement.record(
            ReactionAdded(
                platform=Platform.WEB,
                workspace_id="local",
                event_id=uuid.uuid4().hex,
                channel_id="general",
                message_id=f"web-{first.id}",
                actor=person,
                occurred_at=now,
                emoji=emoji,
            )
        )
    await services.engagement.record(
        ReplyPosted(
            platform=Platform.WEB,
            workspace_id="local",
            event_id=uuid.uuid4().hex,
            channel_id="general",
            message_id=f"web-{first.id}",
            actor=people[0],
            occurred_at=now,
            reply_id=uuid.uuid4().hex,
            text="We rewrote a vaping session last year; happy to share it here.",
        )
    )


async def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed: run `make browser-deps` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'shot.db'}",
            paper=EXAMPLE_PAPER,
            secret_key=SecretStr(uuid.uuid4().hex),
            _env_file=None,
        )
        app = build_app(settings, run_senders=False)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            services = app[SERVICES]
            path = await prepare_demo(services)
            await services.senders[Platform.WEB].drain()
            await _activity(services)
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
                page = await browser.new_page(viewport={"width": 960, "height": 1280})
                await page.goto(base + path)
                await page.get_by_label("Your name").fill("Ann")
                await page.get_by_label("Your organisation").fill("Northshire Council")
                async with page.expect_navigation():
                    await page.get_by_role("button", name="Continue").click()
                await page.screenshot(path=str(OUT))
                await browser.close()
        finally:
            await runner.cleanup()
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
