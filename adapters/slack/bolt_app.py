"""The Bolt `AsyncApp`: single-workspace (a bot token) or multi-workspace (OAuth install)."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.stateless import StatelessOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.events import register_events
from adapters.slack.feedback import Background, register_feedback
from adapters.slack.manifest import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from adapters.slack.schedule import register_schedule
from adapters.slack.slash import register_slash
from bot.config import Settings
from bot.services import Services

log = logging.getLogger(__name__)

OAUTH_STATE_SECONDS = 300
# Bolt's signature check logs each request it refuses with the whole body, at INFO: anyone
# could fill the log with what they like. `SlackRoutes` logs every refusal with its reason.
BOLT_REFUSAL_LOGGER = "slack_bolt.RequestVerification"


def signing_secret(settings: Settings) -> str:
    """The signing secret, or "" (every request is then refused)."""
    secret = settings.slack_signing_secret
    return secret.get_secret_value() if secret is not None else ""


def oauth_enabled(settings: Settings) -> bool:
    """OAuth (multi-workspace) when a client id and secret are set; else one bot token."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


def build_bolt(
    services: Services,
    *,
    api_url: str,
    installations: AsyncInstallationStore | None,
    background: Background,
) -> AsyncApp:
    """A Bolt app with engage's listeners. Listeners run before the acknowledgement
    (`process_before_response`), so Slack's 200 means the event is stored."""
    settings = services.settings
    multi = oauth_enabled(settings) and installations is not None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    bolt = AsyncApp(
        name="engage",
        logger=_bolt_logger(),
        signing_secret=signing_secret(settings),
        process_before_response=True,
        request_verification_enabled=True,
        client=AsyncWebClient(base_url=api_url, token=None if multi else token, retry_handlers=[]),
        installation_store=installations if multi else None,
        installation_store_bot_only=True if multi else None,
        oauth_settings=_oauth_settings(settings, installations) if installations else None,
    )
    register_events(bolt, services, installations=installations)
    register_feedback(bolt, services, background=background)
    register_slash(bolt, services, background=background)
    register_schedule(
        bolt,
        services,
        background=background,
        organisers=frozenset(settings.slack_organisers),
    )
    return bolt


def _bolt_logger() -> logging.Logger:
    """The logger Bolt writes to, at the level it inherits. Bolt decides whether to build its
    per-request debug messages from a logger's own level, not its effective one, so a logger
    left at NOTSET (0) would have it format them for every request, to be dropped."""
    logger = logging.getLogger("adapters.slack.bolt")
    if logger.level == logging.NOTSET:
        logger.setLevel(logger.getEffectiveLevel())
    refusals = logging.getLogger(BOLT_REFUSAL_LOGGER)
    if not any(isinstance(kept, _NoRefusedBodies) for kept in refusals.filters):
        refusals.addFilter(_NoRefusedBodies())
    return logger


class _NoRefusedBodies(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid request signature")


def _oauth_settings(
    settings: Settings, installations: AsyncInstallationStore
) -> AsyncOAuthSettings:
    assert settings.slack_client_id is not None
    assert settings.slack_client_secret is not None
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        installation_store_bot_only=True,
        # Signed, self-contained state: nothing to store, and any replica can check it.
        state_store=StatelessOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS,
            signing_secret=settings.secret_key.get_secret_value(),
        ),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=settings.public_url.rstrip("/") + REDIRECT_PATH,
    )
