"""Settings, read from the environment (and a `.env` file) by pydantic-settings.

A `Settings` object is built once by the CLI and passed down; nothing imports a global instance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EXAMPLE_PAPER = Path(__file__).resolve().parent.parent / "examples" / "paper"
DEFAULT_REACTIONS = ("👍", "🤔", "👎", "💡")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(",") if item.strip())
    return value


# A comma-separated environment variable ("U1,U2") read as a tuple.
CsvTuple = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split_csv)]


class Settings(BaseSettings):
    """Everything engage can be configured with. Each field reads `ENGAGE_<NAME>` unless its
    alias says otherwise (Slack and Bot Framework variables keep their usual names)."""

    model_config = SettingsConfigDict(
        env_prefix="ENGAGE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Core
    database_url: str = "sqlite+aiosqlite:///./engage.db"
    host: str = "127.0.0.1"
    port: int = 3978
    log_level: str = "INFO"
    paper: Path = EXAMPLE_PAPER
    public_url: str = "http://127.0.0.1:3978"
    secret_key: SecretStr = SecretStr("change-me-engage-development-secret")
    timezone: str = "Europe/London"
    outbox_poll_seconds: float = 0.5
    outbox_lease_seconds: float = 120.0
    outbox_max_attempts: int = 8

    # Web channel
    admin_token: SecretStr | None = None
    web_reactions: CsvTuple = DEFAULT_REACTIONS

    # Slack
    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "ENGAGE_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "ENGAGE_SLACK_SIGNING_SECRET"),
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "ENGAGE_SLACK_APP_TOKEN")
    )
    slack_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_ID", "ENGAGE_SLACK_CLIENT_ID")
    )
    slack_client_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("SLACK_CLIENT_SECRET", "ENGAGE_SLACK_CLIENT_SECRET"),
    )
    slack_api_url: str = "https://slack.com/api/"
    slack_organisers: CsvTuple = ()

    # Microsoft Teams (Bot Framework)
    microsoft_app_id: str | None = Field(
        default=None, validation_alias=AliasChoices("MicrosoftAppId", "ENGAGE_MICROSOFT_APP_ID")
    )
    microsoft_app_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("MicrosoftAppPassword", "ENGAGE_MICROSOFT_APP_PASSWORD"),
    )
    microsoft_app_type: str = Field(
        default="MultiTenant",
        validation_alias=AliasChoices("MicrosoftAppType", "ENGAGE_MICROSOFT_APP_TYPE"),
    )
    microsoft_app_tenant_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MicrosoftAppTenantId", "ENGAGE_MICROSOFT_APP_TENANT_ID"),
    )
    teams_openid_metadata_url: str | None = None
    # The OAuth 2.0 token endpoint for the bot's outgoing calls; default: Azure AD through MSAL.
    teams_login_url: str | None = None
    teams_organisers: CsvTuple = ()

    # Scheduling
    misfire_grace_seconds: int = 3600

    # Export and privacy
    export_dir: Path | None = None
    export_link_seconds: int = 24 * 3600
    retention_days: int | None = None
    consent_text: str = (
        "What you send here is stored to inform the design work and may be quoted in reports "
        "as you choose below. You can ask for your data to be deleted at any time."
    )

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password masked, for logs and error messages."""
        try:
            return make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:  # an unparsable URL has no password we could find to hide
            return self.database_url

    @property
    def slack_enabled(self) -> bool:
        """Slack is on when a bot token (or an OAuth client) and a signing secret are set."""
        has_credentials = self.slack_bot_token is not None or self.slack_client_id is not None
        return has_credentials and self.slack_signing_secret is not None

    @property
    def teams_enabled(self) -> bool:
        """Teams is on when a Bot Framework app id is set."""
        return bool(self.microsoft_app_id)
