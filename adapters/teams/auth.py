"""Bot Framework authentication, configured from `TeamsSettings`.

We always configure botbuilder's parameterized authentication with the public-cloud constants
(read from the SDK's `AuthenticationConstants`), so that the code path the tests run, with only
the OpenID metadata URL pointing at a loopback stand-in, is the one production runs.

`connector_token` replaces the app password for calls to the Bot Connector (the tests' only
way around Azure AD: msal insists on https and on instance discovery at login.microsoftonline.com).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import requests
from botbuilder.integration.aiohttp import (  # type: ignore[import-untyped]
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botframework.connector.auth import (  # type: ignore[import-untyped]
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ServiceClientCredentialsFactory,
)
from msrest.authentication import Authentication

from adapters.teams.settings import TeamsSettings

TokenSource = Callable[[], str]


@dataclass(frozen=True)
class SdkConfiguration:
    """The attributes ConfigurationBotFrameworkAuthentication reads, by their SDK names."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str = (
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
    )
    OAUTH_URL: str = AuthenticationConstants.OAUTH_URL
    VALIDATE_AUTHORITY: bool = True


def sdk_configuration(settings: TeamsSettings) -> SdkConfiguration:
    """The SDK's configuration object for `settings`."""
    password = settings.microsoft_app_password
    return SdkConfiguration(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=password.get_secret_value() if password else "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=(
            settings.teams_openid_metadata_url
            or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
        ),
    )


def build_authentication(
    settings: TeamsSettings, *, connector_token: TokenSource | None = None
) -> BotFrameworkAuthentication:
    """The authentication the CloudAdapter uses to check requests and sign its replies."""
    configuration = sdk_configuration(settings)
    credentials: ServiceClientCredentialsFactory = ConfigurationServiceClientCredentialFactory(
        configuration
    )
    if connector_token is not None:
        credentials = FixedTokenCredentialsFactory(credentials, connector_token)
    return ConfigurationBotFrameworkAuthentication(configuration, credentials_factory=credentials)


class FixedTokenCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Checks app ids like `inner`, but signs outgoing calls with a token from `source`."""

    def __init__(self, inner: ServiceClientCredentialsFactory, source: TokenSource) -> None:
        self._inner = inner
        self._source = source

    async def is_valid_app_id(self, app_id: str) -> bool:
        """Whether `app_id` is this bot's app id."""
        valid: bool = await self._inner.is_valid_app_id(app_id)
        return valid

    async def is_authentication_disabled(self) -> bool:
        """Whether no app id is configured."""
        disabled: bool = await self._inner.is_authentication_disabled()
        return disabled

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        """Credentials that put the fixed token on every call (none while auth is off)."""
        if await self.is_authentication_disabled():
            empty: Authentication = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
            return empty
        return _BearerToken(self._source)


class _BearerToken(Authentication):
    def __init__(self, source: TokenSource) -> None:
        self._source = source

    def signed_session(self, session: requests.Session | None = None) -> requests.Session:
        session = session if session is not None else requests.Session()
        session.headers["Authorization"] = f"Bearer {self._source()}"
        return session
