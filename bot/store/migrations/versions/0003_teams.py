"""Teams tables: conversation references (by AAD object id) and sent messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)  # what UTCDateTime in bot.store.models stores
KEY = 200

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create teams_references and teams_messages."""
    op.create_table(
        "teams_references",
        sa.Column("aad_object_id", sa.String(64), primary_key=True),
        sa.Column("conversation_type", sa.String(20), primary_key=True),
        sa.Column("user_id", sa.String(KEY), nullable=False),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "teams_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(KEY), nullable=False, unique=True),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("activity_id", sa.Text(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    """Drop the two tables."""
    op.drop_table("teams_messages")
    op.drop_table("teams_references")
