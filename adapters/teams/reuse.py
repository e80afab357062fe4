"""Connector and user-token clients reused across turns instead of built for every turn.

botbuilder's CloudAdapter asks, on every turn, its connector factory for a new `ConnectorClient`
and its authentication for a new `UserTokenClient`. Each is an msrest client: a Configuration
(with a configparser), a pipeline, a requests.Session with its own connection pool, and
credentials (in production a `MicrosoftAppCredentials` with its own msal app and token cache,
so a fresh one fetches a fresh Azure AD token). Rebuilding all that per turn was a large share
of a Teams turn's CPU, and meant a new TCP (and TLS) connection for every reply.

`ReusingAuthentication` wraps the BotFrameworkAuthentication the adapter uses and hands out
clients from bounded caches:

- connector clients keyed by (bot app id, serviceUrl, audience): everything the SDK's
  `_ConnectorFactoryImpl` builds one from, since the rest (OAuth scope, login endpoint,
  credentials factory) is fixed for one authentication;
- user-token clients keyed by bot app id, which is all `create_user_token_client` reads.

Reuse is safe: msrest asks the credentials to sign every request (`signed_session` on each
call, and msal renews a token before it expires), so a long-lived client keeps signing with
valid tokens; one client only ever signs with its own app's credentials; and nothing in the
SDK's turn changes a client. Concurrent turns may share a client: requests' connection pool
is thread-safe, and two turns that build the same client at once keep one of them. (botbuilder's
older BotFrameworkAdapter kept its connector clients the same way, per serviceUrl and app id.)

The caches are bounded (serviceUrls come from requests) and their entries age out after
`CLIENT_MAX_AGE`, so no client, credentials object or connection pool lives for days. A client
that drops out is not closed (a turn may still be using it); its connections close when it is
garbage collected.

Each connector client is built with `CallLimits`: msrest's defaults wait 100 s for a connection
and again for each read, and retry by themselves (connection errors, and 5xx on PUT and GET, for
as long as a Retry-After asks). `TEAMS_API_TIMEOUT_SECONDS` bounds the waits; the dispatcher's
clients also do not retry (the outbox does, with its backoff), so one of its calls takes at
most `CallLimits.call_seconds`, which the `TeamsChat` lease is made of.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity  # type: ignore[import-untyped]
from botframework.connector.auth import (  # type: ignore[import-untyped]
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from adapters.teams.cache import BoundedCache
from adapters.teams.service_url import UrlCheck, require_allowed

MAX_CONNECTOR_CLIENTS = 64  # Teams uses a handful of serviceUrls (one per region)
MAX_USER_TOKEN_CLIENTS = 8  # one per bot app id: one in practice
CLIENT_MAX_AGE = 30 * 60.0  # seconds; a client (and its connection pool) is rebuilt this often

ConnectorKey = tuple[str, str, str]


@dataclass(frozen=True)
class CallLimits:
    """How long one connector call may wait, and whether msrest may retry it by itself."""

    timeout: float | None = None  # seconds to connect, and for each read; None: msrest's 100 s
    retries: int | None = None  # None: msrest's 3

    def apply(self, client: Any) -> Any:
        """Set these limits on a new msrest client (before its first request) and return it."""
        config = client.config
        if self.timeout is not None:
            config.connection.timeout = self.timeout
        if self.retries is not None:
            config.retry_policy.retries = self.retries
        return client

    @property
    def call_seconds(self) -> float:
        """The longest one call can take: connecting, then reading the answer, plus 1 s.

        Only calls that msrest does not retry are bounded: its retries wait as long as a
        Retry-After asks.
        """
        if self.timeout is None or self.retries != 0:
            raise ValueError("a connector call is only bounded with a timeout and no retries")
        return 2 * self.timeout + 1.0


def app_id_of(claims_identity: ClaimsIdentity) -> str:
    """The bot's app id in the claims, read as botbuilder reads it: the audience claim for a
    channel's token, the appid claim for the emulator's; "" when there is neither."""
    app_id = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    if app_id is None:
        app_id = claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)
    return str(app_id or "")


class ReusedConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder has no types
    """A connector factory that hands out the cached client for (app id, serviceUrl, audience),
    and asks `inner` (the SDK's factory for that app id) only when there is none.

    `allowed` (None: any) says which serviceUrls may get a client at all; the others raise
    ServiceUrlRefused, so neither a turn nor a proactive message can be sent there.
    """

    def __init__(
        self,
        inner: ConnectorFactory,
        app_id: str,
        clients: BoundedCache[ConnectorKey, Any],
        limits: CallLimits,
        allowed: UrlCheck | None = None,
    ) -> None:
        self.inner = inner
        self.app_id = app_id
        self._clients = clients
        self.limits = limits
        self.allowed = allowed

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        """The ConnectorClient for `service_url` and `audience`, built on first use."""
        require_allowed(service_url, self.allowed)
        key = (self.app_id, service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            built = self.limits.apply(await self.inner.create(service_url, audience))
            client = self._clients.put_if_absent(key, built)
        return client


class ReusingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """`inner`, except that the connector and user-token clients it makes are reused, and the
    connector clients are built with `limits` (and only for serviceUrls `allowed` accepts)."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        *,
        limits: CallLimits | None = None,
        allowed: UrlCheck | None = None,
        connector_clients: BoundedCache[ConnectorKey, Any] | None = None,
        user_token_clients: BoundedCache[str, Any] | None = None,
    ) -> None:
        self.inner = inner
        self.limits = limits or CallLimits()
        self.allowed = allowed
        self.connector_clients: BoundedCache[ConnectorKey, Any] = (
            connector_clients
            if connector_clients is not None
            else BoundedCache(max_entries=MAX_CONNECTOR_CLIENTS, max_age=CLIENT_MAX_AGE)
        )
        self.user_token_clients: BoundedCache[str, Any] = (
            user_token_clients
            if user_token_clients is not None
            else BoundedCache(max_entries=MAX_USER_TOKEN_CLIENTS, max_age=CLIENT_MAX_AGE)
        )

    async def authenticate_request(
        self, activity: Activity, auth_header: str | None
    ) -> AuthenticateRequestResult:
        """`inner`'s result, with a connector factory that reuses clients."""
        result = await self.inner.authenticate_request(activity, auth_header)
        return self._reusing(result)

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        """`inner`'s result, with a connector factory that reuses clients."""
        result = await self.inner.authenticate_streaming_request(auth_header, channel_id_header)
        return self._reusing(result)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """`inner`'s factory for these claims (proactive messages), reusing clients."""
        inner = self.inner.create_connector_factory(claims_identity)
        app_id = app_id_of(claims_identity)
        return ReusedConnectorFactory(
            inner, app_id, self.connector_clients, self.limits, self.allowed
        )

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        """The user-token client for the app id in the claims, built on first use."""
        app_id = app_id_of(claims_identity)
        client = self.user_token_clients.get(app_id)
        if client is None:
            client = self.user_token_clients.put_if_absent(
                app_id, await self.inner.create_user_token_client(claims_identity)
            )
        return client

    def create_bot_framework_client(self) -> Any:
        """`inner`'s client for calling skills."""
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        """`inner`'s audience for outgoing calls."""
        audience: str = self.inner.get_originating_audience()
        return audience

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        """`inner`'s check of a skill callback's token."""
        return await self.inner.authenticate_channel_request(auth_header)

    def _reusing(self, result: AuthenticateRequestResult) -> AuthenticateRequestResult:
        factory = result.connector_factory
        if factory is not None and not isinstance(factory, ReusedConnectorFactory):
            app_id = app_id_of(result.claims_identity)
            result.connector_factory = ReusedConnectorFactory(
                factory, app_id, self.connector_clients, self.limits, self.allowed
            )
        return result
