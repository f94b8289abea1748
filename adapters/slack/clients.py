"""Slack Web API clients: one HTTP session, the configured base URL, a bot token per workspace.

`ENGAGE_SLACK_API_URL` points every client (and the OAuth token exchange) somewhere other than
https://slack.com/api/ — the tests' loopback fake.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import PermanentDeliveryError

REQUEST_TIMEOUT_SECONDS = 10


class SlackClients:
    """Hands out `AsyncWebClient`s that share one aiohttp session.

    Single-workspace apps have one bot token; OAuth apps look the token up per team in the
    installation store. Clients carry no retry handlers: the outbox sender owns retrying, so a
    429 or a 5xx is recorded on the outbox row rather than hidden inside the SDK.
    """

    def __init__(
        self,
        *,
        base_url: str,
        bot_token: str | None,
        installation_store: AsyncInstallationStore | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._bot_token = bot_token
        self._installations = installation_store
        self._session: aiohttp.ClientSession | None = None

    def client(self, token: str | None = None) -> AsyncWebClient:
        """A client for `token`, on the shared session (created on first use, in the loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return AsyncWebClient(
            token=token,
            base_url=self.base_url,
            session=self._session,
            timeout=REQUEST_TIMEOUT_SECONDS,
            retry_handlers=[],
        )

    async def token_for(self, team_id: str) -> str:
        """The bot token for a workspace; PermanentDeliveryError when there is none."""
        if self._installations is None:
            if self._bot_token is None:
                raise PermanentDeliveryError("no SLACK_BOT_TOKEN is configured")
            return self._bot_token
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team_id)
        if bot is None or not bot.bot_token:
            raise PermanentDeliveryError(
                f"engage is not installed in Slack workspace {team_id}: "
                "install it from /slack/install"
            )
        return bot.bot_token

    async def for_team(self, team_id: str) -> AsyncWebClient:
        """A client carrying the workspace's bot token."""
        return self.client(await self.token_for(team_id))

    async def close(self) -> None:
        """Close the shared session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
