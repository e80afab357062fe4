"""Which serviceUrl the bot may send to: the one the caller proved, or (locally) loopback only.

The SDK posts every reply to the activity's `serviceUrl`, so whoever picks it picks where our
server sends HTTP requests. With authentication on, the Bot Framework signs the serviceUrl into
its token (the `serviceurl` claim) and the activity must name the same one (botbuilder checks
this for channel tokens; `claimed_service_url_refusal` checks it again for every token, so an
emulator or skill token without the claim does not pass either). With authentication off
(`POLICYBOT_TEAMS_INSECURE_LOCAL=1`) nothing is proved, so only loopback addresses are allowed:
127.0.0.0/8, ::1 and `localhost`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from botframework.connector.auth import (  # type: ignore[import-untyped]
    AuthenticationConstants,
    ClaimsIdentity,
)

UrlCheck = Callable[[str], bool]
LOOPBACK_NAMES = frozenset({"localhost"})


class ServiceUrlRefused(PermissionError):
    """The bot will not send to this serviceUrl."""


def is_loopback_url(url: str) -> bool:
    """Whether `url` is an http(s) URL whose host is a loopback address or `localhost`.

    Anything that another parser could read differently (user info, a backslash, spaces) is
    refused rather than interpreted.
    """
    if not url.startswith(("http://", "https://")) or any(c in url for c in "\\@ \t\r\n"):
        return False
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed IPv6 address
        return False
    return host is not None and _is_loopback_host(host)


def _is_loopback_host(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name other than localhost, or not an address in the usual form
        return False


def claimed_service_url_refusal(identity: ClaimsIdentity, service_url: str | None) -> str | None:
    """Why the token does not vouch for `service_url` (its `serviceurl` claim differs or is
    missing), or None when it does."""
    claim = identity.get_claim_value(AuthenticationConstants.SERVICE_URL_CLAIM)
    if not claim:
        return "the token has no serviceurl claim"
    if claim != service_url:
        return "the activity's serviceUrl is not the token's"
    return None


def require_allowed(service_url: str, allowed: UrlCheck | None) -> None:
    """Raise ServiceUrlRefused unless `allowed` (None: anything) accepts `service_url`."""
    if allowed is not None and not allowed(service_url):
        raise ServiceUrlRefused("this serviceUrl is not allowed (loopback only)")


def sending_allowed(insecure_local: bool) -> UrlCheck | None:
    """Where connector clients may be built: loopback only without authentication, else
    anywhere (each serviceUrl was proved by a token, or comes from a stored reference)."""
    return is_loopback_url if insecure_local else None
