"""Platform tables: seen event ids, answer feedback, and where external messages went.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)  # what UTCDateTime in bot.store.models stores
KEY = 200

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create seen_events, feedback and sent_messages."""
    op.create_table(
        "seen_events",
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("seen_at", TIMESTAMP, nullable=False, index=True),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("user_hash", sa.String(64), nullable=False),
        sa.Column("clause_id", sa.String(40), nullable=False, index=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "sent_messages",
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(KEY), nullable=False),
        sa.Column("thread", sa.String(KEY), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("sent_messages")
    op.drop_table("feedback")
    op.drop_table("seen_events")
