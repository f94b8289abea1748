"""A loopback stand-in for the Bot Framework's token services, in a thread of its own.

It serves what the Bot Framework SDK fetches with blocking calls (so it cannot share the test's
event loop): the OpenID metadata and the JWKS that incoming tokens are checked against, and an
OAuth 2.0 token endpoint (client-credentials grant) for the bot's outgoing calls. It mints
RS256 tokens the way the Bot Connector's are shaped, and can mint every kind of bad one.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
CONNECTOR_AUDIENCE = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
TOKEN_PATH = "/botframework.com/oauth2/v2.0/token"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class TokenIssuer:
    """The issuer's keys and the apps it knows; `start()` serves it on 127.0.0.1."""

    app_id: str
    app_password: str
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    key_id: str = "engage-test-key"
    endorsements: tuple[str, ...] = ("msteams",)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the issuer first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def metadata_url(self) -> str:
        return self.base_url + METADATA_PATH

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PATH

    @property
    def token_issuer(self) -> str:
        """The `iss` of the access tokens the token endpoint hands out."""
        return self.base_url + "/botframework.com/v2.0"

    def start(self) -> TokenIssuer:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == METADATA_PATH:
                    self._json(200, issuer.metadata())
                elif self.path == KEYS_PATH:
                    self._json(200, issuer.jwks())
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path != TOKEN_PATH:
                    self._json(404, {"error": "not_found"})
                    return
                status, body = issuer.client_credentials(form)
                self._json(status, body)

            def _json(self, status: int, body: object) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="token-issuer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def metadata(self) -> dict[str, object]:
        return {
            "issuer": BOT_FRAMEWORK_ISSUER,
            "authorization_endpoint": self.base_url + "/v1/auth",
            "jwks_uri": self.base_url + KEYS_PATH,
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }

    def jwks(self) -> dict[str, object]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update(kid=self.key_id, use="sig", endorsements=list(self.endorsements))
        return {"keys": [public]}

    def client_credentials(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """The token endpoint: an access token for the Bot Connector, for the right secret."""
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_password:
            return 401, {"error": "invalid_client", "error_description": "bad client secret"}
        if form.get("scope") != f"{CONNECTOR_AUDIENCE}/.default":
            return 400, {"error": "invalid_scope"}
        now = int(time.time())
        claims = {
            "iss": self.token_issuer,
            "aud": CONNECTOR_AUDIENCE,
            "appid": self.app_id,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.key_id})
        return 200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token}

    def channel_token(
        self,
        *,
        service_url: str,
        audience: str | None = None,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        key_id: str | None = None,
    ) -> str:
        """A token as the Bot Connector sends with each activity; every argument can make it
        wrong in one way."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience or self.app_id,
            "serviceurl": service_url,
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + expires_in,
        }
        return jwt.encode(
            claims,
            key or self.key,
            algorithm="RS256",
            headers={"kid": key_id or self.key_id},
        )

    def verify_access_token(self, token: str) -> dict[str, Any]:
        """Check a bearer token the bot sent the connector; raises if it is not ours."""
        decoded: dict[str, Any] = jwt.decode(
            token,
            self.key.public_key(),
            algorithms=["RS256"],
            audience=CONNECTOR_AUDIENCE,
            issuer=self.token_issuer,
        )
        if decoded.get("appid") != self.app_id:
            raise jwt.InvalidTokenError("token issued to another app")
        return decoded
