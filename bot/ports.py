"""The output seam: what an adapter implements so the workflows can reach people.

Payloads are platform-neutral `Reply` objects (text and buttons); each adapter renders them
(Block Kit, Adaptive Card, numbered choices in the terminal). Every call carries an idempotency
key, unique per message; see docs/workflows.md for how each port turns it into exactly-once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sqlalchemy.orm import Session

from bot.models import Lang, Reply


class RetryLater(Exception):
    """The platform asked to wait before trying again (e.g. HTTP 429 with Retry-After).

    The dispatcher then retries no sooner than `retry_after` seconds from now, or after its
    own backoff delay if that is longer.
    """

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


@dataclass(frozen=True)
class Recipient:
    """A person to deliver to, with their id on the port's platform (None if unknown)."""

    email: str
    name: str
    platform_id: str | None = None
    lang: Lang = "nl"


class ChatPort(Protocol):
    """One chat platform, as the dispatcher sees it. Return values are platform message refs."""

    platform: str

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Send `message` to one person (a direct message); returns the message's ref."""
        ...

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        """Open a conversation for `participants`, starting with `message`; returns its ref.

        `channel` is the school's escalation channel on this platform, if it has one.
        """
        ...

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        """Post `message` in the thread `thread` (a ref returned by open_thread)."""
        ...

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Replace a message sent earlier (e.g. remove its buttons once decided)."""
        ...

    def find_sent(self, key: str) -> str | None:
        """The ref of a message already sent with idempotency `key`, if the platform knows one.

        Called before a retry, so that a crash between sending and recording does not send twice.
        """
        ...


@runtime_checkable
class TransactionalPort(Protocol):
    """A port that delivers by writing to the database (the console inbox).

    The dispatcher enlists it in the transaction that marks the outbox row delivered, so the
    delivery and the mark commit together: exactly once, with no lookup needed.
    """

    def enlist(self, session: Session) -> None:
        """Deliver through `session` until the next enlist."""
        ...


@dataclass(frozen=True)
class Feedback:
    """One 👍/👎 click on an answer, from any platform."""

    platform: str
    user_id: str
    clause_id: str
    helpful: bool
    channel_id: str = ""
    message_ts: str = ""


class FeedbackSink(Protocol):
    """Where feedback clicks go. Called on the event loop, so it must be quick (one insert)."""

    def record(self, feedback: Feedback) -> None:
        """Store one feedback click."""
        ...


class InMemoryFeedback:
    """Keeps feedback in a list: the default, and what the tests inspect."""

    def __init__(self) -> None:
        self.items: list[Feedback] = []

    def record(self, feedback: Feedback) -> None:
        """Append the click to `items`."""
        self.items.append(feedback)
