"""Who a Slack user is: the organisation file's person by slack_id, else by email (users.info).

The email comes from `users.info` (scope users:read.email) and is cached per process. The lookup,
retries included, gets LOOKUP_SECONDS: a form submission must be answered within Slack's 3 s,
and an outage must not pass for "you are unknown" (IdentityUnavailable tells them apart).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.org import Org

LOG = logging.getLogger("policybot.slack.identity")
LOOKUP_SECONDS = 2.0
RATE_LIMITED = 429
SERVER_ERROR = 500


class IdentityUnavailable(Exception):
    """Slack did not say who this is in time (an outage, a rate limit, a timeout): try later."""


class Identities:
    """Maps Slack user ids to the email addresses the workflows identify people by."""

    def __init__(
        self, org: Org, *, max_size: int = 5000, lookup_seconds: float = LOOKUP_SECONDS
    ) -> None:
        self.org = org
        self.max_size = max_size
        self.lookup_seconds = lookup_seconds
        self._emails: dict[str, str] = {}

    async def email_of(self, client: AsyncWebClient, user_id: str) -> str | None:
        """The person's email, or None when Slack does not tell us one (or names no user).

        Raises IdentityUnavailable when Slack could not be asked within `lookup_seconds`.
        """
        if not user_id:
            return None
        person = self.org.find_by_platform("slack", user_id)
        if person is not None:
            return person.email
        if user_id not in self._emails:
            email = await _lookup(client, user_id, self.lookup_seconds)
            if email is None:
                return None
            if len(self._emails) >= self.max_size:
                self._emails.clear()
            self._emails[user_id] = email
        return self._emails[user_id]


async def _lookup(client: AsyncWebClient, user_id: str, seconds: float) -> str | None:
    try:
        response = await asyncio.wait_for(client.users_info(user=user_id), seconds)
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        LOG.warning("slack: users.info for %s failed: %s", user_id, type(exc).__name__)
        if is_outage(exc):
            raise IdentityUnavailable(user_id) from exc
        return None
    user: Any = response.get("user") or {}
    email = (user.get("profile") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) and "@" in email else None


def is_outage(exc: Exception) -> bool:
    """Whether a failed lookup says nothing about the person: Slack was unreachable, slow,
    rate limiting or failing. A plain API error (user_not_found) is an answer."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 0)
        return status == RATE_LIMITED or status >= SERVER_ERROR
    return True
