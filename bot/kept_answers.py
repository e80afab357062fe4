"""Answers the chat platform did not take: kept in the outbox and delivered later.

An adapter posts an answer straight away, while it handles the question (the fast path: no
database write). When that post fails after the SDK's own retries (the platform down for
longer, a rate limit that lasts, a timeout), the answer is not lost: `AnswerQueue.keep` writes
it to the outbox, as a row whose first attempt was that post, and the dispatcher delivers it
with its backoff and lease, to the person who asked.

Slack: the answer's key ("answer:slack:<event id>") also travels in the post's metadata, and
`keep` records the channel and thread it was meant for (`sent_messages`). So the next attempt
first looks there for the key (a post that timed out may have landed after all), and posts into
that same channel and thread only when it is not there: the answer arrives once.
Teams: the answer goes to the person's chat with the bot. Teams cannot be searched for a key,
so an answer whose post timed out but landed comes twice (at least once).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.models import Reply
from bot.ports import Recipient
from bot.store.db import Store
from bot.store.outbox import enqueue, find_by_key
from bot.store.platform import note_sending

LOG = logging.getLogger("policybot.answers")


def answer_key(platform: str, event_id: str) -> str:
    """The idempotency key of the answer to the platform's event (or activity) `event_id`."""
    return f"answer:{platform}:{event_id}"


@dataclass(frozen=True)
class Unposted:
    """An answer whose post failed: for whom (their platform id), where it was going (Slack:
    the channel and thread), and why it failed."""

    event_id: str
    user: str
    channel: str | None
    thread: str | None
    reply: Reply
    error: str


class AnswerQueue:
    """Keeps the answers one platform did not take in the outbox (see the module's docstring)."""

    def __init__(self, store: Store, clock: Clock, platform: str) -> None:
        self.store = store
        self.clock = clock
        self.platform = platform

    def keep(self, unposted: Unposted) -> bool:
        """Queue the answer for the dispatcher; False when it was queued already."""
        key, now = answer_key(self.platform, unposted.event_id), self.clock.now()
        with self.store.transaction() as session:
            if find_by_key(session, key) is not None:
                return False
            if unposted.channel:
                note_sending(
                    session,
                    key,
                    platform=self.platform,
                    channel=unposted.channel,
                    thread=unposted.thread,
                    moment=now,
                )
            row = enqueue(
                session,
                key=key,
                operation="send",
                platform=self.platform,
                message=unposted.reply,
                now=now,
                to=Recipient(email="", name="", platform_id=unposted.user),
            )
            row.attempts, row.last_error = 1, unposted.error[:200]  # the post was attempt 1
        LOG.warning("%s: answer to event %s kept in the outbox", self.platform, unposted.event_id)
        return True

    async def keep_from_loop(self, unposted: Unposted) -> None:
        """`keep` in a worker thread (its commit must not hold up the event loop); if the
        database fails too, the answer is lost, and an ERROR line names the event."""
        try:
            await asyncio.to_thread(self.keep, unposted)
        except (SQLAlchemyError, OSError) as exc:
            LOG.error(
                "%s: the answer to event %s is lost: %s",
                self.platform,
                unposted.event_id,
                type(exc).__name__,
            )
