"""Reminders: rows with a due time, fired by the dispatcher, and working-hours arithmetic.

Working hours are half-open, [start, end) in the school's time zone, on its working days and
not on its closed dates. A reminder that respects working hours and falls due outside them
waits until the next working-hours start; one for an urgent escalation ("now") does not wait.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.org import WorkingHours
from bot.store.models import ReminderRow, RequestRow
from bot.workflows.base import FINAL_STATES, Context, now

Handler = Callable[[Session, Context, RequestRow], None]
MAX_DAYS_AHEAD = 400


def is_working_time(moment: datetime, hours: WorkingHours) -> bool:
    """True when `moment` falls inside the school's working hours."""
    local = moment.astimezone(hours.zone)
    return _working_day(local, hours) and hours.start <= local.time() < hours.end


def _working_day(local: datetime, hours: WorkingHours) -> bool:
    return local.weekday() in hours.days and local.date() not in hours.closed


def next_working_moment(moment: datetime, hours: WorkingHours) -> datetime:
    """`moment` itself if inside working hours, else the next working-hours start (UTC)."""
    local = moment.astimezone(hours.zone)
    for offset in range(MAX_DAYS_AHEAD):
        day = local.date() + timedelta(days=offset)
        start = datetime.combine(day, hours.start, tzinfo=hours.zone)
        end = datetime.combine(day, hours.end, tzinfo=hours.zone)
        if not _working_day(start, hours) or local >= end:
            continue
        return max(start, local).astimezone(UTC)
    return moment.astimezone(UTC)


def add_working_time(start: datetime, delta: timedelta, hours: WorkingHours) -> datetime:
    """The moment when `delta` of working time has passed since `start` (UTC)."""
    remaining = delta
    cursor = next_working_moment(start, hours).astimezone(hours.zone)
    for _ in range(MAX_DAYS_AHEAD):
        end = datetime.combine(cursor.date(), hours.end, tzinfo=hours.zone)
        available = end - cursor
        if remaining < available:
            return (cursor + remaining).astimezone(UTC)
        remaining -= available
        cursor = next_working_moment(end, hours).astimezone(hours.zone)
    return cursor.astimezone(UTC)


def claim_due(
    session: Session, moment: datetime, *, skip_locked: bool, limit: int
) -> list[ReminderRow]:
    """Lock and return due pending reminders that no other process holds."""
    query = (
        select(ReminderRow)
        .where(ReminderRow.status == "pending", ReminderRow.due_at <= moment)
        .order_by(ReminderRow.due_at, ReminderRow.id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def fire_due(ctx: Context, handlers: Mapping[str, Handler], *, limit: int = 20) -> int:
    """Fire the due reminders in one transaction; returns how many were handled."""
    with ctx.store.transaction() as session:
        rows = claim_due(session, now(ctx), skip_locked=not ctx.store.is_sqlite, limit=limit)
        for row in rows:
            fire_one(session, ctx, row, handlers)
    return len(rows)


def fire_one(
    session: Session, ctx: Context, row: ReminderRow, handlers: Mapping[str, Handler]
) -> None:
    """Run one reminder's handler, or postpone it to the next working-hours start."""
    moment = now(ctx)
    request = session.get(RequestRow, row.request_id, with_for_update=True)
    if request is None:
        row.status, row.done_at = "cancelled", moment
        return
    hours = ctx.org.school(request.school).hours if _known(ctx, request.school) else None
    if row.working_hours and hours is not None and not is_working_time(moment, hours):
        row.due_at = next_working_moment(moment, hours)
        return
    row.status, row.done_at = "done", moment
    handler = handlers.get(f"{request.kind}:{row.kind}")
    if handler is not None and request.status not in FINAL_STATES:
        handler(session, ctx, request)


def _known(ctx: Context, school_id: str) -> bool:
    return any(s.id == school_id for s in ctx.org.schools)
