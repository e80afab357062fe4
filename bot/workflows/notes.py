"""Notes on a request, by either side: stored, audited and passed on.

On an escalation a note is posted in its thread; on a doubt check it goes as a direct message
to the other side (the requester, or the director and any deputy asked).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.outbox_keys import request_key
from bot.store.models import NoteRow, RequestRow
from bot.workflows import texts
from bot.workflows.base import (
    Actor,
    Context,
    Outcome,
    audit,
    both,
    leaders_to_ask,
    load_request,
    name_of,
    notify,
    now,
    ok,
    remember_command,
    seen_command,
)
from bot.workflows.escalation import KIND as ESCALATION
from bot.workflows.escalation import post_in_thread

NOTE_STATES = frozenset({"submitted", "waiting", "talk", "open", "acknowledged"})


def add_note(
    ctx: Context, actor: Actor, request_id: int, text: str, *, dedup_key: str | None = None
) -> Outcome:
    """Record a note by either side and pass it on (thread, or direct message)."""
    text = text.strip()
    if not text:
        return Outcome(False, texts.TEXT_REQUIRED, request_id, "empty")
    with ctx.store.transaction() as session:
        if seen_command(session, dedup_key) is not None:
            return ok(texts.ALREADY_DONE, request_id, id=request_id)
        request = load_request(session, ctx, actor, request_id, "note", states=NOTE_STATES)
        if isinstance(request, Outcome):
            return request
        note = NoteRow(request_id=request.id, author=actor.email, text=text, created_at=now(ctx))
        session.add(note)
        session.flush()
        audit(session, ctx, actor, "note", request=request, to_status=request.status)
        _pass_note_on(session, ctx, request, note, actor)
        remember_command(session, ctx, dedup_key, request.id)
        return ok(texts.NOTE_ADDED, request.id, id=request.id)


def _pass_note_on(
    session: Session, ctx: Context, request: RequestRow, note: NoteRow, actor: Actor
) -> None:
    values = {"id": request.id, "author": name_of(ctx, actor.email), "text": note.text}
    key = request_key(request.id, f"note{note.id}")
    if request.kind == ESCALATION:
        post_in_thread(session, ctx, request, key, both(texts.NOTE_MESSAGE, **values), by=actor)
        return
    others = [request.requester, request.assignee or ""]
    if request.deputy_asked:
        others += list(leaders_to_ask(ctx.org.school(request.school), request))
    for email in dict.fromkeys(e for e in others if e and e != actor.email):
        notify(
            session,
            ctx,
            request,
            key=f"{key}:{email}",
            email=email,
            template=texts.NOTE_MESSAGE,
            values=values,
        )
