"""Bot Framework authentication configured from engage's Settings.

Every endpoint is given explicitly (public-cloud defaults, overridden by settings), so the SDK
always takes its parameterized path, in tests and in production alike:
- incoming tokens: issuer https://api.botframework.com, keys from the OpenID metadata at
  `teams_openid_metadata_url` (default: login.botframework.com);
- outgoing tokens: from Azure AD, or from `teams_login_url` when set (see credentials.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication

from adapters.teams.credentials import EngageCredentialFactory
from bot.config import Settings


@dataclass(frozen=True)
class SdkConfiguration:
    """The attributes `ConfigurationBotFrameworkAuthentication` reads, named as it expects."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str
    OAUTH_URL: str
    CALLER_ID: str
    VALIDATE_AUTHORITY: bool = True


def sdk_configuration(settings: Settings) -> SdkConfiguration:
    """The SDK's view of the Teams settings."""
    if not settings.microsoft_app_id:
        raise ValueError("MicrosoftAppId is not set: Teams needs the Azure Bot's app id")
    password = settings.microsoft_app_password
    return SdkConfiguration(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD="" if password is None else password.get_secret_value(),
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=(
            settings.teams_login_url or AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        ),
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=(
            settings.teams_openid_metadata_url
            or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
        ),
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        ),
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        CALLER_ID=CallerIdConstants.public_azure_channel,
    )


def build_authentication(
    settings: Settings,
) -> tuple[BotFrameworkAuthentication, EngageCredentialFactory]:
    """The SDK's authentication object and the credentials factory it uses."""
    config = sdk_configuration(settings)
    credentials = EngageCredentialFactory(
        ConfigurationServiceClientCredentialFactory(config),
        app_id=config.APP_ID,
        password=config.APP_PASSWORD,
        token_url=settings.teams_login_url,
    )
    auth = ConfigurationBotFrameworkAuthentication(config, credentials_factory=credentials)
    return auth, credentials
