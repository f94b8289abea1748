"""Outgoing credentials: the token the bot shows the Bot Connector.

By default the SDK's own credentials get it from Azure AD through MSAL. MSAL only accepts an
https authority and first asks login.microsoftonline.com whether the authority is known, so a
configured token endpoint (a sovereign cloud's, or the loopback issuer in tests) is called here
directly with the OAuth 2.0 client-credentials grant instead: a form POST and a cached answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory

_REFRESH_MARGIN_SECONDS = 300.0
_TIMEOUT_SECONDS = 10.0


class TokenRequestError(Exception):
    """The token endpoint did not issue a token; `transient` says whether retrying may help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True, kw_only=True)
class _Token:
    value: str
    expires_at: float


class TokenCache:
    """Tokens by (endpoint, app id, scope), shared by every credentials object of a process;
    a lock because the SDK asks for tokens from the event loop and from worker threads."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def get(self, *, token_url: str, app_id: str, password: str, scope: str) -> str:
        key = (token_url, app_id, scope)
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and token.expires_at - _REFRESH_MARGIN_SECONDS > time.monotonic():
                return token.value
            token = self._fetch(token_url=token_url, app_id=app_id, password=password, scope=scope)
            self._tokens[key] = token
            return token.value

    def _fetch(self, *, token_url: str, app_id: str, password: str, scope: str) -> _Token:
        self.requests += 1
        form = {
            "grant_type": "client_credentials",
            "client_id": app_id,
            "client_secret": password,
            "scope": scope if scope.endswith("/.default") else f"{scope}/.default",
        }
        try:
            response = requests.post(token_url, data=form, timeout=_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            raise TokenRequestError(
                f"could not reach the token endpoint {token_url}: {error}", transient=True
            ) from error
        if response.status_code != 200:
            raise TokenRequestError(
                f"the token endpoint {token_url} answered {response.status_code} "
                f"({_error_text(response)}); check MicrosoftAppId and MicrosoftAppPassword",
                transient=response.status_code >= 500 or response.status_code == 429,
            )
        body = response.json()
        return _Token(
            value=str(body["access_token"]),
            expires_at=time.monotonic() + float(body.get("expires_in", 3600)),
        )


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error_description") or body.get("error") or body)[:200]


class TokenEndpointCredentials(AppCredentials):  # type: ignore[misc]
    """Credentials that sign connector requests with a token from a configured endpoint."""

    def __init__(
        self, *, app_id: str, password: str, token_url: str, oauth_scope: str, cache: TokenCache
    ) -> None:
        super().__init__(app_id=app_id, oauth_scope=oauth_scope)
        self.oauth_endpoint = token_url
        self._password = password
        self._cache = cache

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._cache.get(
            token_url=self.oauth_endpoint,
            app_id=self.microsoft_app_id,
            password=self._password,
            scope=self.oauth_scope,
        )


class EngageCredentialFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """The SDK's credentials factory, except that a configured token endpoint is used directly."""

    def __init__(
        self,
        inner: ServiceClientCredentialsFactory,
        *,
        app_id: str,
        password: str,
        token_url: str | None,
    ) -> None:
        self._inner = inner
        self._app_id = app_id
        self._password = password
        self._token_url = token_url
        self.cache = TokenCache()

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if self._token_url is None or login_endpoint != self._token_url:
            return await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        if app_id != self._app_id:
            raise PermissionError(f"app id {app_id!r} is not this bot's MicrosoftAppId")
        return TokenEndpointCredentials(
            app_id=app_id,
            password=self._password,
            token_url=self._token_url,
            oauth_scope=oauth_scope,
            cache=self.cache,
        )
