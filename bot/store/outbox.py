"""The transactional outbox: messages written with the change that caused them.

`enqueue` adds a row in the caller's transaction. The dispatcher (bot.dispatcher) claims due
rows with SELECT ... FOR UPDATE SKIP LOCKED (plain SELECT on SQLite, where BEGIN IMMEDIATE
already serialises writers) and delivers them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Button, ClauseAction, Lang, Quote, Reply, ReplyKind
from bot.ports import Recipient
from bot.store.models import OutboxRow

Operation = Literal["send", "open_thread", "post_in_thread", "update"]
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: `base` seconds, doubling per attempt, at most `cap` seconds."""

    base: float = 5.0
    cap: float = 900.0
    max_attempts: int = 8

    def delay(self, attempts: int) -> timedelta:
        """How long to wait before attempt `attempts + 1`."""
        return timedelta(seconds=min(self.cap, self.base * 2 ** max(0, attempts - 1)))


def enqueue(
    session: Session,
    *,
    key: str,
    operation: Operation,
    platform: str,
    message: Reply,
    now: datetime,
    to: Recipient | None = None,
    participants: tuple[Recipient, ...] = (),
    request_id: int | None = None,
    ref_key: str | None = None,
    effect: str | None = None,
    channel: str | None = None,
) -> OutboxRow:
    """Add one message to the outbox in the caller's transaction."""
    payload: dict[str, Any] = {
        "message": reply_to_json(message),
        "to": recipient_to_json(to) if to else None,
        "participants": [recipient_to_json(p) for p in participants],
        "channel": channel,
    }
    row = OutboxRow(
        key=key,
        request_id=request_id,
        operation=operation,
        platform=platform,
        recipient=to.email if to else None,
        payload=payload,
        ref_key=ref_key,
        effect=effect,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def claim_due(session: Session, now: datetime, *, skip_locked: bool) -> OutboxRow | None:
    """Lock and return the oldest due pending row that no other process holds, if any."""
    query = (
        select(OutboxRow)
        .where(OutboxRow.status == PENDING, OutboxRow.next_attempt_at <= now)
        .order_by(OutboxRow.id)
        .limit(1)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def lock_row(session: Session, row_id: int) -> OutboxRow | None:
    """The outbox row `row_id`, locked for update."""
    return session.get(OutboxRow, row_id, with_for_update=True, populate_existing=True)


def find_by_key(session: Session, key: str) -> OutboxRow | None:
    """The outbox row with idempotency `key`."""
    return session.scalars(select(OutboxRow).where(OutboxRow.key == key)).first()


def mark_delivered(row: OutboxRow, message_ref: str, now: datetime) -> None:
    """Record a delivery and the platform's ref for the message."""
    row.status = DELIVERED
    row.delivered_at = now
    row.message_ref = message_ref[:200]
    row.last_error = None


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """A Reply as JSON: a notification's text and buttons; an answer (queued when the platform
    did not take it at once) with its quote and everything else it shows."""
    data: dict[str, Any] = {
        "kind": reply.kind,
        "lang": reply.lang,
        "text": reply.text,
        "buttons": [
            {"label": b.label, "action": b.action, "value": b.value} for b in reply.buttons
        ],
    }
    if reply.kind != "notice":
        data["answer"] = {
            "quote": asdict(reply.quote) if reply.quote else None,
            "explanation": reply.explanation,
            "notes": list(reply.notes),
            "clause_id": reply.clause_id,
            "action": reply.action,
            "confidence": reply.confidence,
        }
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    """Rebuild the Reply stored by reply_to_json."""
    buttons = tuple(Button(b["label"], b["action"], b.get("value", "")) for b in data["buttons"])
    lang: Lang = "en" if data.get("lang") == "en" else "nl"
    reply = Reply(kind="notice", lang=lang, text=data.get("text") or "", buttons=buttons)
    answer, kind = data.get("answer"), data.get("kind")
    if not isinstance(answer, dict) or kind not in get_args(ReplyKind):
        return reply
    return _with_answer(replace(reply, kind=cast(ReplyKind, kind)), answer)


def _with_answer(reply: Reply, answer: dict[str, Any]) -> Reply:
    """`reply` with the answer's parts stored by reply_to_json."""
    quote, action = answer.get("quote"), answer.get("action")
    return replace(
        reply,
        quote=Quote(**quote) if isinstance(quote, dict) else None,
        explanation=str(answer.get("explanation") or ""),
        notes=tuple(str(n) for n in answer.get("notes") or ()),
        clause_id=answer.get("clause_id"),
        action=cast(ClauseAction, action) if action in get_args(ClauseAction) else None,
        confidence=answer.get("confidence"),
    )


def recipient_to_json(recipient: Recipient) -> dict[str, Any]:
    """A Recipient as JSON."""
    return {
        "email": recipient.email,
        "name": recipient.name,
        "platform_id": recipient.platform_id,
        "lang": recipient.lang,
    }


def recipient_from_json(data: dict[str, Any]) -> Recipient:
    """Rebuild a Recipient stored by recipient_to_json."""
    lang: Lang = "en" if data.get("lang") == "en" else "nl"
    return Recipient(data["email"], data.get("name", ""), data.get("platform_id"), lang)
