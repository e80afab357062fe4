"""Who a Slack user is: the organisation file's person by slack_id, else by email (users.info).

The email comes from `users.info` (scope users:read.email) and is cached per process.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.org import Org

LOG = logging.getLogger("policybot.slack.identity")


class Identities:
    """Maps Slack user ids to the email addresses the workflows identify people by."""

    def __init__(self, org: Org, *, max_size: int = 5000) -> None:
        self.org = org
        self.max_size = max_size
        self._emails: dict[str, str] = {}

    async def email_of(self, client: AsyncWebClient, user_id: str) -> str | None:
        """The person's email, or None when Slack does not tell us one (or names no user)."""
        if not user_id:
            return None
        person = self.org.find_by_platform("slack", user_id)
        if person is not None:
            return person.email
        if user_id not in self._emails:
            email = await _lookup(client, user_id)
            if email is None:
                return None
            if len(self._emails) >= self.max_size:
                self._emails.clear()
            self._emails[user_id] = email
        return self._emails[user_id]


async def _lookup(client: AsyncWebClient, user_id: str) -> str | None:
    try:
        response = await client.users_info(user=user_id)
    except SlackClientError as exc:
        LOG.warning("slack: users.info for %s failed: %s", user_id, type(exc).__name__)
        return None
    user: Any = response.get("user") or {}
    email = (user.get("profile") or {}).get("email")
    return email.strip().lower() if isinstance(email, str) and "@" in email else None
