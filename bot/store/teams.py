"""Teams tables: where each person can be reached (conversation references) and the messages
the Teams port has sent (so a card can be updated in place and a retry finds the first send).

Plain data only: a conversation reference is the Bot Framework's JSON form, never an SDK type.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import KEY, Base


class TeamsReferenceRow(Base):
    """The newest conversation reference of one person (AAD object id) per conversation type."""

    __tablename__ = "teams_references"

    aad_object_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(KEY))
    conversation_id: Mapped[str] = mapped_column(Text)
    service_url: Mapped[str] = mapped_column(Text)
    tenant_id: Mapped[str] = mapped_column(String(64))
    reference: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class TeamsMessageRow(Base):
    """One message the Teams port sent: its conversation and activity id, keyed by outbox key."""

    __tablename__ = "teams_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY), unique=True)
    conversation_id: Mapped[str] = mapped_column(Text)
    activity_id: Mapped[str] = mapped_column(Text)
    reference: Mapped[dict[str, Any]]
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
