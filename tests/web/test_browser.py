"""The web channel in a real headless Chromium (Playwright): what a member actually does.

One browser for the module; each test gets a fresh app on a loopback port and a fresh browser
context (its own cookies). Every step is checked on the page and in the database.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web

from bot.app import SERVICES, build_app
from bot.domain import Actor, Platform, Post, PostKind, ReactionAdded, SectionCounts
from bot.scheduling import Scheduling
from bot.services import Services
from tests.web.conftest import copy_template
from tests.web.site import ADMIN_TOKEN, web_settings

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROLE = "Other public sector role"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    if CHROMIUM is None:
        pytest.skip(
            "Chromium is not installed: `make browser-deps` (or apt-get install chromium) "
            "installs Debian's chromium, which these tests drive through Playwright"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Served:
    """The app on a loopback port, its services, and where screenshots go."""

    base: str
    services: Services
    shots: Path
    posts: list[Post]

    async def reactions(self, post: Post) -> dict[str, int]:
        async with self.services.store.transaction() as tx:
            return {e: n for e, n in (await tx.active_reactions(post_id=post.id)).items() if n}

    async def replies(self, post: Post) -> list[str]:
        async with self.services.store.transaction() as tx:
            return [r.text for r in await tx.list_replies(post_id=post.id)]

    async def feedback(self, section_id: str) -> int:
        counts: list[SectionCounts] = list(await self.services.engagement.status())
        return next(c.feedback for c in counts if c.section_id == section_id)


@pytest_asyncio.fixture(loop_scope="module")
async def served(tmp_path: Path, templates: dict[str, Path]) -> AsyncIterator[Served]:
    # The paper is already posted to #general in the published template.
    copy_template(templates["published"], tmp_path)
    app = build_app(web_settings(tmp_path), run_senders=False, migrate=False)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        services = app[SERVICES]
        async with services.store.transaction() as tx:
            posts = list(await tx.list_posts(kind=PostKind.SECTION))
        yield Served(base=f"http://{host}:{port}", services=services, shots=tmp_path, posts=posts)
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any, served: Served) -> AsyncIterator[Any]:
    context = await browser.new_context(
        base_url=served.base, viewport={"width": 1100, "height": 900}
    )
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def _submit(page: Any, locator: Any) -> None:
    """Click a submit button and wait for the page it leads to (POST, redirect, GET)."""
    async with page.expect_navigation():
        await locator.click()


async def _join(page: Any, served: Served) -> None:
    await page.goto("/web/c/general")
    await page.get_by_label("Your name").fill("Ann Analyst")
    await page.get_by_label("Your organisation").fill("Northshire Council")
    await _submit(page, page.get_by_role("button", name="Continue"))


async def _focused_id(page: Any) -> str:
    return str(await page.evaluate("document.activeElement.id"))


async def test_member_opens_the_channel_and_reacts_then_unreacts(page: Any, served: Served) -> None:
    await page.goto("/web/c/general")
    assert await page.locator("article.section").count() == len(served.posts)
    await page.screenshot(path=served.shots / "1-channel.png")
    await _join(page, served)
    post = served.posts[0]
    button = page.locator(f"#react-{post.id}-0")
    assert await button.get_attribute("aria-pressed") == "false"

    await _submit(page, button)
    assert await served.reactions(post) == {"👍": 1}
    assert await button.get_attribute("aria-pressed") == "true"
    assert (await button.locator(".count").text_content() or "").strip() == "1"
    assert await _focused_id(page) == f"react-{post.id}-0"  # focus stays on the button
    await page.screenshot(path=served.shots / "2-reacted.png")

    await _submit(page, button)
    assert await served.reactions(post) == {}
    assert await button.get_attribute("aria-pressed") == "false"
    assert (await button.locator(".count").text_content() or "").strip() == "0"


async def test_member_posts_a_reply(page: Any, served: Served) -> None:
    await _join(page, served)
    post = served.posts[1]
    words = "We run this in Northshire <script>alert(1)</script>"
    await page.get_by_label(f"Reply to “{_title(served, post)}”").fill(words)
    await _submit(page, page.locator(f"#reply-{post.id} ~ button"))
    assert await served.replies(post) == [words]
    reply = page.locator("li.reply").first
    assert (await reply.locator(".reply-text").text_content()) == words
    assert "Ann Analyst" in (await reply.locator(".reply-meta").text_content() or "")
    assert (await _focused_id(page)).startswith("reply-")
    await page.screenshot(path=served.shots / "3-replied.png")


async def test_member_sends_an_invalid_form_then_a_valid_one(page: Any, served: Served) -> None:
    await _join(page, served)
    post = served.posts[0]
    title = _title(served, post)
    await page.get_by_role("link", name=f"Give feedback on {title}").click()
    await page.wait_for_url(f"**/p/{post.id}/feedback")
    await page.get_by_label("Summary").fill("abc")
    await _submit(page, page.get_by_role("button", name="Send feedback"))

    summary_error = page.locator("#field-summary-error")
    role_error = page.locator("#field-role-error")
    assert await summary_error.is_visible()
    assert await role_error.is_visible()
    assert await page.get_by_label("Summary").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Your role").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Summary").input_value() == "abc"
    assert await page.evaluate("document.activeElement.className") == "error-summary"
    assert await served.feedback(post.section_id or "") == 0
    await page.screenshot(path=served.shots / "4-invalid-form.png", full_page=True)

    await page.get_by_label("Summary").fill("A shared network would save us months")
    await page.get_by_label("Your role").select_option(ROLE)
    await _submit(page, page.get_by_role("button", name="Send feedback"))
    thanks = page.locator("#feedback-thanks")
    assert (await thanks.text_content() or "").split() == (
        f"Thanks — your feedback on {title} is recorded.".split()
    )
    assert await _focused_id(page) == "feedback-thanks"
    assert await served.feedback(post.section_id or "") == 1
    await page.screenshot(path=served.shots / "5-thanks.png")


async def test_counts_update_without_a_reload(page: Any, served: Served) -> None:
    post = served.posts[0]
    await page.clock.install()
    await page.goto("/web/c/general")
    count = page.locator(f'.count[data-post="{post.id}"][data-emoji="🤔"]')
    assert (await count.text_content() or "").strip() == "0"
    # Someone else reacts; the page's script picks it up at its next poll.
    await served.services.engagement.record(
        ReactionAdded(
            platform=Platform.WEB,
            workspace_id="local",
            event_id="elsewhere-1",
            channel_id="general",
            message_id=f"web-{post.id}",
            actor=Actor(user_id="w_" + "1" * 32, display_name="Bob", organisation="Westshire"),
            occurred_at=served.services.clock.now(),
            emoji="🤔",
        )
    )
    async with page.expect_response("**/live.json", timeout=5_000):
        await page.clock.run_for(16_000)
    await page.wait_for_function(
        "el => el.textContent.trim() === '1'", arg=await count.element_handle(), timeout=5_000
    )
    assert (await count.text_content() or "").strip() == "1"


async def test_reacting_works_without_javascript(browser: Any, served: Served) -> None:
    context = await browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = await context.new_page()
        await _join(page, served)
        post = served.posts[2]
        await _submit(page, page.locator(f"#react-{post.id}-3"))
        assert await served.reactions(post) == {"💡": 1}
        assert await page.locator(f"#react-{post.id}-3").get_attribute("aria-pressed") == "true"
    finally:
        await context.close()


async def test_skip_link_is_the_first_stop_and_leads_to_the_content(
    page: Any, served: Served
) -> None:
    await page.goto("/web/c/general")
    await page.keyboard.press("Tab")
    assert (await page.evaluate("document.activeElement.textContent")).strip() == "Skip to content"
    await page.keyboard.press("Enter")
    assert await _focused_id(page) == "main"


def _title(served: Served, post: Post) -> str:
    section = served.services.engagement.paper.section(post.section_id or "")
    assert section is not None
    return section.title


async def test_organiser_fixes_a_refused_event_then_schedules_it(page: Any, served: Served) -> None:
    await page.goto("/web/admin")
    await page.get_by_label("Organiser token").fill(ADMIN_TOKEN)
    await _submit(page, page.get_by_role("button", name="Sign in"))
    await page.get_by_label("Title").fill("Open house")
    await page.locator("#event-start-date").fill("2030-06-10")
    await page.locator("#event-start-time").fill("14:00")
    await page.locator("#event-end-time").fill("13:00")
    await page.get_by_label("#general").check()
    await _submit(page, page.get_by_role("button", name="Schedule event"))
    focused = await page.evaluate("document.activeElement.className")
    assert focused == "error-summary"  # the summary takes focus, so it is read first
    assert await page.locator("#event-end-time").get_attribute("aria-invalid") == "true"
    assert await page.get_by_label("Title").input_value() == "Open house"

    await page.locator("#event-end-time").fill("16:00")
    await _submit(page, page.get_by_role("button", name="Schedule event"))
    assert await _focused_id(page) == "schedule-done"
    agenda = await Scheduling.from_services(served.services).agenda()
    assert [item.event.title for item in agenda.events] == ["Open house"]
    await page.screenshot(path=served.shots / "organiser-scheduled.png", full_page=True)
