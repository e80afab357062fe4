"""Workflow tables: requests, notes, audit events, outbox, reminders, console inbox.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)  # what UTCDateTime in bot.store.models stores


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

EMAIL = 320
KEY = 200


def upgrade() -> None:
    """Create every table."""
    _requests()
    _notes_and_audit()
    _outbox_and_reminders()
    _console_and_misc()


def _requests() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("school", sa.String(64), nullable=False, index=True),
        sa.Column("requester", sa.String(EMAIL), nullable=False, index=True),
        sa.Column("assignee", sa.String(EMAIL)),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("medium", sa.String(100)),
        sa.Column("draft_text", sa.Text()),
        sa.Column("draft_link", sa.Text()),
        sa.Column("publish_at", TIMESTAMP),
        sa.Column("findings", sa.JSON()),
        sa.Column("decided_by", sa.String(EMAIL)),
        sa.Column("decided_at", TIMESTAMP),
        sa.Column("comment", sa.Text()),
        sa.Column("links", sa.JSON()),
        sa.Column("description", sa.Text()),
        sa.Column("urgency", sa.String(10)),
        sa.Column("thread_ref", sa.String(KEY)),
        sa.Column("deputy_asked", sa.Boolean(), nullable=False),
        sa.Column("purged_at", TIMESTAMP),
    )


def _notes_and_audit() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True, nullable=False
        ),
        sa.Column("author", sa.String(EMAIL), nullable=False),
        sa.Column("text", sa.Text()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True),
        sa.Column("actor", sa.String(EMAIL), nullable=False, index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20)),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("detail", sa.String(KEY)),
    )


def _outbox_and_reminders() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(KEY), nullable=False, unique=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(EMAIL)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("ref_key", sa.String(KEY)),
        sa.Column("effect", sa.String(40)),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False, index=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("delivered_at", TIMESTAMP),
        sa.Column("message_ref", sa.String(KEY)),
        sa.Column("last_error", sa.String(KEY)),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id", sa.Integer(), sa.ForeignKey("requests.id"), index=True, nullable=False
        ),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False, index=True),
        sa.Column("working_hours", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("done_at", TIMESTAMP),
    )


def _console_and_misc() -> None:
    op.create_table(
        "console_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(KEY), nullable=False, unique=True),
        sa.Column("recipient", sa.String(EMAIL), nullable=False, index=True),
        sa.Column("text", sa.Text()),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("read_at", TIMESTAMP),
    )
    op.create_table(
        "school_choices",
        sa.Column("email", sa.String(EMAIL), primary_key=True),
        sa.Column("school", sa.String(64), nullable=False),
        sa.Column("chosen_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "processed_commands",
        sa.Column("key", sa.String(KEY), primary_key=True),
        sa.Column("request_id", sa.Integer()),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in (
        "processed_commands",
        "school_choices",
        "console_inbox",
        "reminders",
        "outbox",
        "audit_events",
        "notes",
        "requests",
    ):
        op.drop_table(table)
