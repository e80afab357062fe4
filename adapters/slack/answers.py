"""Answers Slack did not take: kept in the outbox and posted where the question was asked.

An answer is posted straight away, in the listener (the fast path: no database write). It
carries its key ("answer:<event id>", as a hash) in the message's metadata. When the post fails
after slack_sdk's retries (Slack down for longer, a rate limit that lasts, a timeout), the
answer is not lost: `AnswerQueue.keep` writes it to the outbox, with the channel and thread it
was meant for (`sent_messages`), as a row whose first attempt was that post. The dispatcher then
delivers it with its backoff and lease: its next attempt first looks in that conversation for
the key (a post that timed out may have landed after all), and posts into that same channel
and thread only when it is not there. So an answer arrives once, late rather than never.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock
from bot.models import Reply
from bot.ports import Recipient
from bot.store.db import Store
from bot.store.outbox import enqueue, find_by_key
from bot.store.platform import note_sending

LOG = logging.getLogger("policybot.slack.answers")
PLATFORM = "slack"


def answer_key(event_id: str) -> str:
    """The idempotency key of the answer to the event `event_id`."""
    return f"answer:{event_id}"


@dataclass(frozen=True)
class Unposted:
    """An answer whose post failed: for whom, where it was going, and why it failed."""

    event_id: str
    user: str
    channel: str
    thread: str | None
    reply: Reply
    error: str


class AnswerQueue:
    """Keeps answers Slack did not take in the outbox (see the module's docstring)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def keep(self, unposted: Unposted) -> bool:
        """Queue the answer for the dispatcher; False when it was queued already."""
        key, now = answer_key(unposted.event_id), self.clock.now()
        with self.store.transaction() as session:
            if find_by_key(session, key) is not None:
                return False
            note_sending(
                session,
                key,
                platform=PLATFORM,
                channel=unposted.channel,
                thread=unposted.thread,
                moment=now,
            )
            row = enqueue(
                session,
                key=key,
                operation="send",
                platform=PLATFORM,
                message=unposted.reply,
                now=now,
                to=Recipient(email="", name="", platform_id=unposted.user),
            )
            row.attempts, row.last_error = 1, unposted.error[:200]  # the post was attempt 1
        LOG.warning("slack: answer to event %s kept in the outbox", unposted.event_id)
        return True
