"""The dispatcher: fires due reminders and delivers the outbox through the chat ports.

Any number of dispatchers may run against one database. Rows are claimed with
SELECT ... FOR UPDATE SKIP LOCKED (on SQLite, BEGIN IMMEDIATE serialises them instead).

Exactly once, per kind of port (see docs/workflows.md):
- a TransactionalPort (the console inbox) is delivered to inside the transaction that marks
  the row delivered: both commit, or neither does;
- any other port is called after the attempt has been recorded (a lease: the row's next attempt
  is pushed back by the backoff delay, and at least by the port's `lease_seconds`, the longest
  its calls may take, so no other dispatcher takes it while a call may still land). Its
  platform message ref is stored with the row when it is marked delivered. If the process dies
  in between, the retry first asks the port whether a message with that idempotency key went
  out (`find_sent`), and only sends when it did not.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.models import Reply
from bot.outbox_keys import request_key
from bot.ports import ChatPort, Recipient, RetryLater, TransactionalPort
from bot.store.crash import crash_point
from bot.store.models import OutboxRow, RequestRow
from bot.store.outbox import (
    DELIVERED,
    FAILED,
    PENDING,
    Backoff,
    claim_due,
    find_by_key,
    lock_row,
    mark_delivered,
    recipient_from_json,
    reply_from_json,
)
from bot.workflows.base import Context
from bot.workflows.delivery import REMINDER_HANDLERS, on_delivered
from bot.workflows.reminders import fire_due

log = logging.getLogger("policybot.dispatcher")
WAIT_FOR_DEPENDENCY = timedelta(seconds=2)
NO_PORT_RETRY = timedelta(seconds=60)


@dataclass(frozen=True)
class Delivery:
    """One claimed outbox row, with everything the port call needs."""

    id: int
    key: str
    operation: str
    platform: str
    message: Reply
    to: Recipient | None
    participants: tuple[Recipient, ...]
    channel: str | None
    target: str | None
    attempts: int


class Dispatcher:
    """Delivers outbox rows through `ports` (by platform name) and fires due reminders."""

    def __init__(
        self, ctx: Context, ports: Mapping[str, ChatPort], *, backoff: Backoff | None = None
    ) -> None:
        self.ctx = ctx
        self.ports = dict(ports)
        self.backoff = backoff or Backoff()

    def run_once(self, *, limit: int = 200) -> int:
        """Fire due reminders, then deliver due messages; returns how much work was done."""
        work = fire_due(self.ctx, REMINDER_HANDLERS)
        delivered = 0
        while delivered < limit and self.deliver_next():
            delivered += 1
        return work + delivered

    def run(self, *, interval: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
        """Dispatch until `stop()` is true, sleeping `interval` seconds when idle.

        A failing round (the database restarting, a full disk) is logged and retried after
        `interval`: the loop must outlive the fault, or nothing is delivered after it.
        """
        while not stop():
            try:
                busy = self.run_once() > 0
            except Exception as exc:  # the rows stay as they were: the next round takes them
                log.warning("dispatcher round failed, retrying: %s", type(exc).__name__)
                busy = False
            if not busy:
                time.sleep(interval)

    def deliver_next(self) -> bool:
        """Handle one due outbox row; False when there is none."""
        with self.ctx.store.transaction() as session:
            row = claim_due(session, self._now(), skip_locked=not self.ctx.store.is_sqlite)
            if row is None:
                return False
            lease = self._handle_claimed(session, row)
        crash_point("claimed")
        if lease is not None:
            self._deliver_external(lease)
        return True

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    def _handle_claimed(self, session: Session, row: OutboxRow) -> Delivery | None:
        """Deliver in-transaction, postpone, or take a lease for an external delivery."""
        port = self.ports.get(row.platform)
        if port is None:
            row.next_attempt_at, row.last_error = self._now() + NO_PORT_RETRY, "no port"
            return None
        target, ready = self._target(session, row)
        if not ready:
            row.next_attempt_at = self._now() + WAIT_FOR_DEPENDENCY
            return None
        if target is None and row.operation in ("post_in_thread", "update"):
            row.status, row.last_error = FAILED, "nothing to post in or update"
            return None
        delivery = _delivery(row, target)
        if isinstance(port, TransactionalPort):
            self._deliver_in_transaction(session, port, row, delivery)
            return None
        row.attempts += 1
        lease = timedelta(seconds=float(getattr(port, "lease_seconds", 0.0)))
        row.next_attempt_at = self._now() + max(self.backoff.delay(row.attempts), lease)
        return _delivery(row, target)

    def _target(self, session: Session, row: OutboxRow) -> tuple[str | None, bool]:
        """The thread or message a row refers to, and whether it is ready to be used."""
        if row.operation == "post_in_thread" and row.request_id is not None:
            request = session.get(RequestRow, row.request_id)
            thread = request.thread_ref if request else None
            return thread, thread is not None or not _thread_pending(session, row.request_id)
        if row.operation == "update" and row.ref_key:
            original = find_by_key(session, row.ref_key)
            if original is None or original.status == FAILED:
                return None, True
            return original.message_ref, original.status == DELIVERED
        return None, True

    def _deliver_in_transaction(
        self, session: Session, port: Any, row: OutboxRow, delivery: Delivery
    ) -> None:
        try:
            with session.begin_nested():
                port.enlist(session)
                ref = self._call(port, delivery)
                mark_delivered(row, ref, self._now())
                on_delivered(session, row, ref, self._now())
                crash_point("delivered_in_transaction")
        except Exception as exc:  # any port failure is retried with backoff
            self._failed(row, exc)

    def _deliver_external(self, lease: Delivery) -> None:
        port = self.ports[lease.platform]
        try:
            ref = port.find_sent(lease.key) if lease.attempts > 1 else None
            ref = ref or self._call(port, lease)
        except Exception as exc:  # any port failure is retried with backoff
            with self.ctx.store.transaction() as session:
                row = lock_row(session, lease.id)
                if row is not None and row.status == PENDING:
                    self._failed(row, exc, counted=True)
            return
        crash_point("sent")
        with self.ctx.store.transaction() as session:
            row = lock_row(session, lease.id)
            if row is not None and row.status == PENDING:
                mark_delivered(row, ref, self._now())
                on_delivered(session, row, ref, self._now())

    def _failed(self, row: OutboxRow, exc: Exception, *, counted: bool = False) -> None:
        if not counted:
            row.attempts += 1
        row.next_attempt_at = self._now() + self.backoff.delay(row.attempts)  # the lease is over
        if isinstance(exc, RetryLater):  # the platform said when: never retry sooner
            asked = self._now() + timedelta(seconds=exc.retry_after)
            row.next_attempt_at = max(row.next_attempt_at, asked)
        row.last_error = type(exc).__name__[:200]
        if row.attempts >= self.backoff.max_attempts:
            row.status = FAILED
        log.warning(
            "delivery failed: outbox=%s attempt=%s error=%s", row.id, row.attempts, row.last_error
        )

    @staticmethod
    def _call(port: ChatPort, d: Delivery) -> str:
        if d.operation == "open_thread":
            return port.open_thread(d.participants, d.message, key=d.key, channel=d.channel)
        if d.operation == "post_in_thread":
            return port.post_in_thread(d.target or "", d.participants, d.message, key=d.key)
        if d.to is None:
            raise ValueError("no recipient")
        if d.operation == "update":
            return port.update(d.target or "", d.to, d.message, key=d.key)
        return port.send(d.to, d.message, key=d.key)


def _thread_pending(session: Session, request_id: int) -> bool:
    """True while the request's open_thread message is still on its way."""
    thread = find_by_key(session, request_key(request_id, "thread"))
    return thread is not None and thread.status == PENDING


def _delivery(row: OutboxRow, target: str | None) -> Delivery:
    payload = row.payload
    to = payload.get("to")
    return Delivery(
        id=row.id,
        key=row.key,
        operation=row.operation,
        platform=row.platform,
        message=reply_from_json(payload["message"]),
        to=recipient_from_json(to) if to else None,
        participants=tuple(recipient_from_json(p) for p in payload.get("participants", [])),
        channel=payload.get("channel"),
        target=target,
        attempts=row.attempts,
    )
