"""The organiser in HTTP tests: a browser signed in on the organiser page."""

from __future__ import annotations

from tests.web.pages import Page
from tests.web.site import ADMIN_TOKEN, Member, Reply, Site


class Organiser:
    """A signed-in organiser and the CSRF token of their session's forms."""

    def __init__(self, browser: Member, csrf_token: str) -> None:
        self.browser = browser
        self.csrf_token = csrf_token

    @classmethod
    async def sign_in(cls, site: Site) -> Organiser:
        browser = site.member()
        page = (await browser.get("/web/admin")).page
        reply = await browser.post(
            "/web/admin/login",
            {"csrf_token": page.hidden("/web/admin/login", "csrf_token"), "token": ADMIN_TOKEN},
        )
        assert reply.status == 303, reply.text
        dashboard = (await browser.get("/web/admin")).page
        return cls(browser, dashboard.hidden("/web/admin/events", "csrf_token"))

    async def page(self, path: str = "/web/admin") -> Page:
        reply = await self.browser.get(path)
        assert reply.status == 200, reply.text
        return reply.page

    async def post(self, path: str, data: dict[str, str] | list[tuple[str, str]]) -> Reply:
        """POST with the page's CSRF token added (unless `data` has one)."""
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        if not any(name == "csrf_token" for name, _ in fields):
            fields.append(("csrf_token", self.csrf_token))
        return await self.browser.post(path, fields)
