"""The escalation (protocol B.2): an online discussion threatens to get out of hand.

States: open -> acknowledged -> resolved (with a resolution note); resolving straight from open
is allowed too (the director may have handled it by phone). Either side adds notes at any time
before it is resolved; every note is stored and posted in the escalation's thread.

The director is notified at once (a direct message with the protocol's guidance that fits the
case: B.2 and A.7, or S.2 and S.4 when a staff member's own conduct is at issue) and a thread is
opened for the requester and the director; the adapter returns a platform-neutral thread
reference that is kept on the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy.orm import Session

from bot.models import Button, Lang, Localized, Reply
from bot.org import School
from bot.outbox_keys import request_key
from bot.ports import Recipient
from bot.store.models import RequestRow
from bot.store.outbox import enqueue
from bot.workflows import texts
from bot.workflows.base import (
    Actor,
    Context,
    Outcome,
    audit,
    both,
    cancel_reminders,
    leaders_to_ask,
    load_request,
    name_of,
    notify,
    now,
    ok,
    person,
    place_requester,
    recipient,
    remember_command,
    route,
    schedule,
    seen_command,
    transition,
)
from bot.workflows.guidance import escalation_guidance
from bot.workflows.reminders import Handler, add_working_time

KIND = "escalation"
Urgency = Literal["now", "today"]
RESOLVABLE = frozenset({"open", "acknowledged"})
SYSTEM = Actor("system", "system")


@dataclass(frozen=True)
class EscalationInput:
    """What the requester reports: where, what is happening, and how urgent it is."""

    links: tuple[str, ...]
    medium: str | None
    description: str
    urgency: Urgency = "now"


def open_escalation(
    ctx: Context, actor: Actor, report: EscalationInput, *, dedup_key: str | None = None
) -> Outcome:
    """Store the escalation, alert the director and open a thread, in one transaction."""
    if not report.description.strip():
        return Outcome(False, texts.TEXT_REQUIRED, code="empty")
    with ctx.store.transaction() as session:
        seen = seen_command(session, dedup_key)
        if seen is not None:
            return ok(texts.ALREADY_DONE, seen, id=seen)
        placed = place_requester(session, ctx, actor)
        if isinstance(placed, Outcome):
            return placed
        school, assignee = placed
        request = _store(session, ctx, actor, report, school, assignee)
        audit(session, ctx, actor, "opened", request_id=request.id, to_status="open")
        _alert_leader(session, ctx, request, assignee, "opened")
        _open_thread(session, ctx, request, school)
        _schedule(session, ctx, request, school)
        remember_command(session, ctx, dedup_key, request.id)
        return ok(texts.ESCALATION_SENT, request.id, id=request.id, director=name_of(ctx, assignee))


def _store(
    session: Session,
    ctx: Context,
    actor: Actor,
    report: EscalationInput,
    school: School,
    assignee: str,
) -> RequestRow:
    moment = now(ctx)
    request = RequestRow(
        kind=KIND,
        status="open",
        school=school.id,
        requester=actor.email,
        lang=actor.lang,
        assignee=assignee,
        platform=actor.platform,
        created_at=moment,
        updated_at=moment,
        medium=(report.medium or "").strip()[:100] or None,
        links=[link.strip() for link in report.links if link.strip()],
        description=report.description.strip(),
        urgency=report.urgency,
        deputy_asked=False,
    )
    session.add(request)
    session.flush()
    return request


def _schedule(session: Session, ctx: Context, request: RequestRow, school: School) -> None:
    urgent = request.urgency == "now"
    for kind, minutes in (
        ("remind_director", ctx.settings.escalation_remind_minutes),
        ("ask_deputy", ctx.settings.escalation_deputy_minutes),
    ):
        if kind == "ask_deputy" and not leaders_to_ask(school, request):
            continue
        delta = timedelta(minutes=minutes)
        start = request.created_at
        due = start + delta if urgent else add_working_time(start, delta, school.hours)
        schedule(session, request, kind, due, working_hours=not urgent)


def guidance(ctx: Context, school: School, description: str) -> Localized:
    """The protocol's guidance that fits who is doing what (bot.workflows.guidance): S.2 and
    S.4 when a staff member's own conduct is at issue, else B.2's strategy and A.7."""
    return escalation_guidance(ctx.knowledge_for(school.name), description)


def leader_values(ctx: Context, request: RequestRow) -> dict[str, object]:
    """The values of the director's view of an escalation."""
    school = ctx.org.school(request.school)
    return {
        "id": request.id,
        "requester": name_of(ctx, request.requester),
        "school": school.name,
        "urgency": texts.URGENCY_NAMES.get(request.urgency or "now", texts.URGENCY_NAMES["now"]),
        "medium": request.medium or texts.MEDIUM_UNKNOWN,
        "description": request.description or "",
        "links": ", ".join(request.links or []) or "-",
        "guidance": guidance(ctx, school, request.description or ""),
    }


def escalation_buttons(request_id: int, lang: Lang) -> tuple[Button, ...]:
    """The director's choices."""
    value = str(request_id)
    return (
        Button(texts.BUTTON_ACKNOWLEDGE.get(lang), "acknowledge", value),
        Button(texts.BUTTON_RESOLVE.get(lang), "resolve", value),
    )


def _alert_leader(
    session: Session, ctx: Context, request: RequestRow, email: str, event: str
) -> None:
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, event, email),
        email=email,
        template=texts.ESCALATION_FOR_DIRECTOR,
        values=leader_values(ctx, request),
        buttons=lambda lang: escalation_buttons(request.id, lang),
    )


def _participants(request: RequestRow) -> tuple[str, ...]:
    emails = [request.requester, request.assignee or ""]
    return tuple(e for e in emails if e)


def _open_thread(session: Session, ctx: Context, request: RequestRow, school: School) -> None:
    platform = route(ctx, person(ctx, request.requester), request.platform)
    who = tuple(recipient(ctx, e, platform) for e in _participants(request))
    values = {
        "id": request.id,
        "requester": name_of(ctx, request.requester),
        "director": name_of(ctx, request.assignee),
        "description": request.description or "",
    }
    enqueue(
        session,
        key=request_key(request.id, "thread"),
        operation="open_thread",
        platform=platform,
        message=thread_message(who, both(texts.THREAD_OPENED, **values)),
        now=now(ctx),
        participants=who,
        request_id=request.id,
        effect="store_thread",
        channel=school.channels.get(platform),
    )


def post_in_thread(
    session: Session,
    ctx: Context,
    request: RequestRow,
    key: str,
    message: Localized,
    *,
    by: Actor | None = None,
) -> None:
    """Queue a message for the escalation's thread (delivered once the thread exists).

    The participants to tell leave out `by`, who did what the message says: the thread shows
    it to everyone, but its author gets no notification of their own action.
    """
    platform = route(ctx, person(ctx, request.requester), request.platform)
    told = [e for e in _participants(request) if by is None or e != by.email]
    who = tuple(recipient(ctx, e, platform) for e in told)
    enqueue(
        session,
        key=key,
        operation="post_in_thread",
        platform=platform,
        message=thread_message(who, message),
        now=now(ctx),
        participants=who,
        request_id=request.id,
    )


def thread_message(who: tuple[Recipient, ...], message: Localized) -> Reply:
    """One message for everyone in a thread: in their language, or Dutch and English."""
    langs = {w.lang for w in who}
    if len(langs) == 1:
        lang = langs.pop()
        return Reply(kind="notice", lang=lang, text=message.get(lang))
    return Reply(kind="notice", lang="nl", text=f"{message.nl}\n\n{message.en}")


def acknowledge(
    ctx: Context, actor: Actor, request_id: int, *, dedup_key: str | None = None
) -> Outcome:
    """The director (or deputy) has seen the escalation and is on it."""
    with ctx.store.transaction() as session:
        if seen_command(session, dedup_key) is not None:
            return ok(texts.ALREADY_DONE, request_id, id=request_id)
        request = load_request(
            session, ctx, actor, request_id, "acknowledge", kind=KIND, states=frozenset({"open"})
        )
        if isinstance(request, Outcome):
            return request
        transition(session, ctx, request, "acknowledged", actor, "acknowledge")
        cancel_reminders(session, request.id, now(ctx))
        message = both(texts.ACKNOWLEDGED_THREAD, id=request.id, actor=name_of(ctx, actor.email))
        post_in_thread(
            session, ctx, request, request_key(request.id, "acknowledged"), message, by=actor
        )
        remember_command(session, ctx, dedup_key, request.id)
        requester = name_of(ctx, request.requester)
        return ok(texts.ACKNOWLEDGED_FOR_ACTOR, request.id, id=request.id, requester=requester)


def resolve(
    ctx: Context, actor: Actor, request_id: int, note: str, *, dedup_key: str | None = None
) -> Outcome:
    """Close the escalation with a resolution note."""
    note = note.strip()
    if not note:
        return Outcome(False, both(texts.NOTE_REQUIRED, id=request_id), request_id, "note")
    with ctx.store.transaction() as session:
        if seen_command(session, dedup_key) is not None:
            return ok(texts.ALREADY_DONE, request_id, id=request_id)
        request = load_request(
            session, ctx, actor, request_id, "resolve", kind=KIND, states=RESOLVABLE
        )
        if isinstance(request, Outcome):
            return request
        transition(session, ctx, request, "resolved", actor, "resolve")
        request.decided_by, request.decided_at, request.comment = actor.email, now(ctx), note
        cancel_reminders(session, request.id, now(ctx))
        message = both(
            texts.RESOLVED_THREAD, id=request.id, actor=name_of(ctx, actor.email), note=note
        )
        post_in_thread(
            session, ctx, request, request_key(request.id, "resolved"), message, by=actor
        )
        remember_command(session, ctx, dedup_key, request.id)
        return ok(texts.RESOLVED_FOR_ACTOR, request.id, id=request.id)


# --- reminder handlers ------------------------------------------------------------------------


def remind_director(session: Session, ctx: Context, request: RequestRow) -> None:
    """Not acknowledged in time: remind the director."""
    if request.status != "open" or request.assignee is None:
        return
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, "reminder", request.assignee),
        email=request.assignee,
        template=texts.ESCALATION_REMINDER,
        values={"id": request.id, "requester": name_of(ctx, request.requester)},
    )
    audit(session, ctx, SYSTEM, "reminded", request=request, detail="director")


def ask_deputy(session: Session, ctx: Context, request: RequestRow) -> None:
    """Still not acknowledged: alert the deputies as well, and say so in the thread."""
    if request.status != "open":
        return
    deputies = leaders_to_ask(ctx.org.school(request.school), request)
    for deputy in deputies:
        _alert_leader(session, ctx, request, deputy, "deputy")
    if deputies:
        request.deputy_asked = True
        audit(session, ctx, SYSTEM, "deputy_asked", request=request)
        message = both(
            texts.DEPUTY_ASKED_THREAD, id=request.id, director=name_of(ctx, request.assignee)
        )
        post_in_thread(session, ctx, request, request_key(request.id, "deputy_asked"), message)


HANDLERS: dict[str, Handler] = {
    f"{KIND}:remind_director": remind_director,
    f"{KIND}:ask_deputy": ask_deputy,
}
