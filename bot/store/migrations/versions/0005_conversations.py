"""Conversation context for follow-up questions (kept for minutes, no user identities).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)  # what UTCDateTime in bot.store.models stores

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create conversations."""
    op.create_table(
        "conversations",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("clause_id", sa.String(40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False, index=True),
    )


def downgrade() -> None:
    """Drop conversations."""
    op.drop_table("conversations")
