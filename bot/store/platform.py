"""Small platform-neutral records the adapters keep: seen event ids, feedback, sent messages.

`first_seen` is an insert-or-conflict on a unique key, so any number of processes sharing the
database agree on which one takes an event: exactly one insert succeeds.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.ports import Feedback
from bot.store.db import Store
from bot.store.models import KEY, FeedbackRow, SeenEvent, SentMessage

# Built once: every Slack event runs this insert before it is acknowledged, and building the
# statement (and an ORM session) per event cost more CPU than the insert itself.
_FIRST_SEEN = {
    module.dialect.name: module.insert(SeenEvent).on_conflict_do_nothing().returning(SeenEvent.key)
    for module in (postgresql, sqlite)
}


def first_seen(store: Store, key: str, moment: datetime) -> bool:
    """True for the first process to record `key`; False for every later attempt."""
    statement = _FIRST_SEEN["sqlite" if store.is_sqlite else "postgresql"]
    with store.engine.begin() as connection:
        found = connection.execute(statement, {"key": key[:KEY], "seen_at": moment}).first()
        return found is not None


def forget_seen_before(store: Store, moment: datetime) -> int:
    """Delete event ids seen before `moment` (platforms stop retrying after minutes)."""
    with store.transaction() as session:
        result = session.execute(delete(SeenEvent).where(SeenEvent.seen_at < moment))
        return int(getattr(result, "rowcount", 0) or 0)


def user_hash(secret: bytes, platform: str, user_id: str) -> str:
    """A keyed hash of a platform user id: stable per person, not reversible without `secret`."""
    return hmac.new(secret, f"{platform}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def record_feedback(
    store: Store, *, platform: str, user: str, clause_id: str, helpful: bool, moment: datetime
) -> None:
    """Store one 👍/👎 (`user` is already hashed)."""
    with store.transaction() as session:
        session.execute(
            insert(FeedbackRow).values(
                platform=platform,
                user_hash=user[:64],
                clause_id=clause_id[:40],
                helpful=helpful,
                created_at=moment,
            )
        )


def remember_sending(
    store: Store, key: str, *, platform: str, channel: str, thread: str | None, moment: datetime
) -> None:
    """Record where the message with `key` goes, before sending it (kept on a retry)."""
    with store.transaction() as session:
        note_sending(session, key, platform=platform, channel=channel, thread=thread, moment=moment)


def note_sending(
    session: Session,
    key: str,
    *,
    platform: str,
    channel: str,
    thread: str | None,
    moment: datetime,
) -> None:
    """`remember_sending` in the caller's transaction."""
    if session.get(SentMessage, key[:KEY]) is None:
        session.add(
            SentMessage(
                key=key[:KEY], platform=platform, channel=channel, thread=thread, created_at=moment
            )
        )


def where_sent(store: Store, key: str) -> SentMessage | None:
    """Where the message with `key` was being sent, if a port recorded it."""
    with store.transaction() as session:
        return session.get(SentMessage, key[:KEY])


class DbFeedback:
    """Feedback in the database (`feedback`), the user as a keyed hash of their platform id."""

    def __init__(self, store: Store, *, secret: bytes, clock: Clock | None = None) -> None:
        self.store = store
        self.secret = secret
        self.clock = clock or SystemClock()

    def record(self, feedback: Feedback) -> None:
        """Insert one click."""
        record_feedback(
            self.store,
            platform=feedback.platform,
            user=user_hash(self.secret, feedback.platform, feedback.user_id),
            clause_id=feedback.clause_id,
            helpful=feedback.helpful,
            moment=self.clock.now(),
        )
