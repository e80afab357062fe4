"""The language a doubt check or escalation was started in (the requester's notifications).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add requests.lang (empty for older requests: their requester's org language)."""
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("lang", sa.String(2), nullable=True))


def downgrade() -> None:
    """Drop requests.lang."""
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("lang")
