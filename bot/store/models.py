"""The database tables, as typed SQLAlchemy 2 models.

Personal texts (drafts, notes, comments, message bodies) live in nullable columns so that
`policybot purge` can blank them after the retention period; states, decisions and audit events
stay.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

EMAIL = 320
KEY = 200


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and on SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; refuse naive values, which would be ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """SQLite hands back naive values: they were stored as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class RequestRow(Base):
    """A doubt check (B.3) or an escalation (B.2); `id` is the number staff type (/akkoord 12)."""

    __tablename__ = "requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    school: Mapped[str] = mapped_column(String(64), index=True)
    requester: Mapped[str] = mapped_column(String(EMAIL), index=True)
    assignee: Mapped[str | None] = mapped_column(String(EMAIL))
    platform: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    medium: Mapped[str | None] = mapped_column(String(100))
    draft_text: Mapped[str | None] = mapped_column(Text)
    draft_link: Mapped[str | None] = mapped_column(Text)
    publish_at: Mapped[datetime | None]
    findings: Mapped[list[Any] | None]
    decided_by: Mapped[str | None] = mapped_column(String(EMAIL))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    links: Mapped[list[Any] | None]
    description: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(10))
    thread_ref: Mapped[str | None] = mapped_column(String(KEY))
    deputy_asked: Mapped[bool] = mapped_column(default=False)
    purged_at: Mapped[datetime | None]
    lang: Mapped[str | None] = mapped_column(String(2))  # the flow's language, for the requester


class NoteRow(Base):
    """A note on a request, by either side; the text is purged after the retention period."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    author: Mapped[str] = mapped_column(String(EMAIL))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """One transition or refusal: who, what, when and from which platform. Never purged."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    actor: Mapped[str] = mapped_column(String(EMAIL), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime]
    detail: Mapped[str | None] = mapped_column(String(KEY))


class OutboxRow(Base):
    """A message to deliver, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    operation: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str | None] = mapped_column(String(EMAIL))
    payload: Mapped[dict[str, Any]]
    ref_key: Mapped[str | None] = mapped_column(String(KEY))
    effect: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    message_ref: Mapped[str | None] = mapped_column(String(KEY))
    last_error: Mapped[str | None] = mapped_column(String(KEY))


class ReminderRow(Base):
    """A reminder or expiry with a due time, fired by the dispatcher (never an in-memory timer)."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[datetime] = mapped_column(index=True)
    working_hours: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="pending")
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class ConsoleInboxRow(Base):
    """The console port's mailbox: written in the transaction that marks an outbox row done."""

    __tablename__ = "console_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY), unique=True)
    recipient: Mapped[str] = mapped_column(String(EMAIL), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[Any]]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class SchoolChoice(Base):
    """The school someone picked because the organisation file could not place them."""

    __tablename__ = "school_choices"

    email: Mapped[str] = mapped_column(String(EMAIL), primary_key=True)
    school: Mapped[str] = mapped_column(String(64))
    chosen_at: Mapped[datetime]


class ProcessedCommand(Base):
    """A command already carried out, by its dedup key (e.g. a platform's event id)."""

    __tablename__ = "processed_commands"

    key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    request_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class SeenEvent(Base):
    """A platform event id already taken (Slack retries a delivery; processes share this)."""

    __tablename__ = "seen_events"

    key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class FeedbackRow(Base):
    """One 👍/👎 on an answer; the person is a keyed hash, never their platform id."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    user_hash: Mapped[str] = mapped_column(String(64))
    clause_id: Mapped[str] = mapped_column(String(40), index=True)
    helpful: Mapped[bool]
    created_at: Mapped[datetime]


class SentMessage(Base):
    """Where an external port is sending the message with an idempotency key (written first).

    `find_sent` reads it after a crash to know which conversation to search for the key.
    """

    __tablename__ = "sent_messages"

    key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(KEY))
    thread: Mapped[str | None] = mapped_column(String(KEY))
    created_at: Mapped[datetime]


class QuestionRow(Base):
    """One question the assistant answered or declined, for `policybot report`.

    Nobody is recorded: no user id, no hash. The text is kept only for the questions the
    knowledge should learn from (declined, did-you-mean or low confidence), and it is blanked
    after the retention period (`policybot purge`).
    """

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asked_at: Mapped[datetime] = mapped_column(index=True)
    platform: Mapped[str] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(20))
    clause_id: Mapped[str | None] = mapped_column(String(40), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)


class ConversationRow(Base):
    """What one conversation was last about (bot/conversation.py), for follow-up questions.

    Kept for the idle time only (ten minutes by default): rows older than that are deleted
    whenever a conversation's context is written. No user id; the key is the platform's
    conversation or thread id.
    """

    __tablename__ = "conversations"

    key: Mapped[str] = mapped_column(String(KEY), primary_key=True)
    clause_id: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    updated_at: Mapped[datetime] = mapped_column(index=True)
