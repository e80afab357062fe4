"""What the workflows do when a message is delivered, and which reminder runs which handler."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEvent, ConsoleInboxRow, OutboxRow, RequestRow
from bot.workflows import doubt_check, escalation
from bot.workflows.base import OWN_ACTION
from bot.workflows.reminders import Handler

REMINDER_HANDLERS: dict[str, Handler] = {**doubt_check.HANDLERS, **escalation.HANDLERS}


def on_delivered(session: Session, row: OutboxRow, message_ref: str, moment: datetime) -> None:
    """Apply a delivered message's effect, in the transaction that marks it delivered.

    - mark_waiting: the director has the doubt check, so it is now waiting (submitted -> waiting).
    - store_thread: keep the escalation thread's platform-neutral reference.
    - own_action: the recipient caused this update, so it is no notification for them.
    """
    if row.effect == OWN_ACTION:
        keep_read(session, message_ref, moment)
        return
    if row.effect is None or row.request_id is None:
        return
    request = session.get(RequestRow, row.request_id, with_for_update=True)
    if request is None:
        return
    if row.effect == "mark_waiting" and request.status == "submitted":
        session.add(
            AuditEvent(
                request_id=request.id,
                actor="system",
                action="delivered",
                from_status="submitted",
                to_status="waiting",
                platform=row.platform,
                at=moment,
            )
        )
        request.status, request.updated_at = "waiting", moment
    elif row.effect == "store_thread":
        request.thread_ref = message_ref[:200]


def keep_read(session: Session, message_ref: str, moment: datetime) -> None:
    """An updated terminal message stays read (elsewhere an update is a silent edit anyway).

    The console's update marks its message unread, to show it again; for the one who caused
    the update that would be a notification of their own action.
    """
    row = session.scalars(select(ConsoleInboxRow).where(ConsoleInboxRow.key == message_ref)).first()
    if row is not None:
        row.read_at = row.read_at or moment
