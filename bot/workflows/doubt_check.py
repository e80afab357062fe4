"""The doubt check (protocol B.3): a draft goes to the director before it is published.

States: submitted -> waiting (the director's message was delivered) -> approved |
advised_against | talk, or withdrawn (by the requester) or expired (no decision in time).
After "talk" the director can still approve or advise against.

Expiry: at the intended publish time plus `doubt_grace_hours`, but never later than
`doubt_max_age_hours` after submission (also the expiry when no publish time was given).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from bot.draftcheck import Draft, Finding, check_draft, format_findings
from bot.models import Button, Lang, Localized
from bot.org import School, WorkingHours
from bot.outbox_keys import request_key
from bot.store.models import RequestRow
from bot.workflows import texts
from bot.workflows.base import (
    OWN_ACTION,
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
    place_requester,
    remember_command,
    schedule,
    seen_command,
    transition,
)
from bot.workflows.reminders import Handler, add_working_time, is_working_time

KIND = "doubt_check"
Decision = Literal["approve", "advise_against", "talk"]
DECISION_STATUS: dict[str, str] = {
    "approve": "approved",
    "advise_against": "advised_against",
    "talk": "talk",
}
OPEN_STATES = frozenset({"submitted", "waiting", "talk"})
DRAFT_PREVIEW = 1500


@dataclass(frozen=True)
class DoubtDraft:
    """What the requester submits: the draft, and where and when it is to be published."""

    text: str
    link: str | None = None
    medium: str | None = None
    publish_at: datetime | None = None
    media_attached: bool = False


def run_draft_check(ctx: Context, draft: DoubtDraft, school_name: str) -> tuple[Finding, ...]:
    """The draft check's findings for `draft`.

    The publish time decides between B.1 (in the school's working hours: a work situation) and
    C.2 (outside them); without a time the check names both in one finding.
    """
    during_work = None
    if draft.publish_at is not None:
        school = next((s for s in ctx.org.schools if s.name == school_name), None)
        hours = school.hours if school is not None else WorkingHours()
        during_work = is_working_time(draft.publish_at, hours)
    target = Draft(
        text=draft.text,
        link=draft.link,
        media_attached=draft.media_attached,
        during_work=during_work,
    )
    return check_draft(target, school=school_name, rules=ctx.draft_rules)


def submit(
    ctx: Context, actor: Actor, draft: DoubtDraft, *, dedup_key: str | None = None
) -> Outcome:
    """Check the draft, store the request and send it to the director, in one transaction."""
    if not draft.text.strip():
        return Outcome(False, texts.EMPTY_DRAFT, code="empty")
    with ctx.store.transaction() as session:
        seen = seen_command(session, dedup_key)
        if seen is not None:
            return ok(texts.DOUBT_ALREADY, seen, id=seen)
        placed = place_requester(session, ctx, actor)
        if isinstance(placed, Outcome):
            return placed
        school, assignee = placed
        request = _store_request(session, ctx, actor, draft, school, assignee)
        audit(session, ctx, actor, "submitted", request_id=request.id, to_status="submitted")
        _send_to_leader(session, ctx, request, assignee, "submitted", effect="mark_waiting")
        _schedule(session, ctx, request, school)
        remember_command(session, ctx, dedup_key, request.id)
        director = name_of(ctx, assignee)
        return ok(texts.DOUBT_SENT, request.id, id=request.id, director=director)


def _store_request(
    session: Session, ctx: Context, actor: Actor, draft: DoubtDraft, school: School, assignee: str
) -> RequestRow:
    findings = run_draft_check(ctx, draft, school.name)
    moment = now(ctx)
    request = RequestRow(
        kind=KIND,
        status="submitted",
        school=school.id,
        requester=actor.email,
        lang=actor.lang,
        assignee=assignee,
        platform=actor.platform,
        created_at=moment,
        updated_at=moment,
        medium=(draft.medium or "").strip()[:100] or None,
        draft_text=draft.text.strip(),
        draft_link=(draft.link or "").strip() or None,
        publish_at=draft.publish_at,
        findings=[findings_to_json(f) for f in findings],
        deputy_asked=False,
    )
    session.add(request)
    session.flush()
    return request


def _schedule(session: Session, ctx: Context, request: RequestRow, school: School) -> None:
    settings, start = ctx.settings, request.created_at
    remind = add_working_time(start, timedelta(hours=settings.doubt_remind_hours), school.hours)
    schedule(session, request, "remind_director", remind, working_hours=True)
    if leaders_to_ask(school, request):
        deputy = add_working_time(start, timedelta(hours=settings.doubt_deputy_hours), school.hours)
        schedule(session, request, "ask_deputy", deputy, working_hours=True)
    schedule(session, request, "expire", expiry_time(ctx, request), working_hours=False)


def expiry_time(ctx: Context, request: RequestRow) -> datetime:
    """When an undecided doubt check expires (see the module docstring)."""
    latest = request.created_at + timedelta(hours=ctx.settings.doubt_max_age_hours)
    if request.publish_at is None:
        return latest
    grace = timedelta(hours=ctx.settings.doubt_grace_hours)
    return min(max(request.publish_at, request.created_at) + grace, latest)


def decide(
    ctx: Context,
    actor: Actor,
    request_id: int,
    decision: Decision,
    comment: str | None = None,
    *,
    dedup_key: str | None = None,
) -> Outcome:
    """Record the director's decision and tell the requester."""
    comment = (comment or "").strip() or None
    if decision == "advise_against" and not comment:
        return Outcome(False, both(texts.REASON_REQUIRED, id=request_id), request_id, "reason")
    with ctx.store.transaction() as session:
        if seen_command(session, dedup_key) is not None:
            return ok(texts.ALREADY_DONE, request_id, id=request_id)
        request = load_request(
            session, ctx, actor, request_id, "decide", kind=KIND, states=OPEN_STATES
        )
        if isinstance(request, Outcome):
            return request
        status = DECISION_STATUS[decision]
        transition(session, ctx, request, status, actor, decision)
        request.decided_by, request.decided_at, request.comment = actor.email, now(ctx), comment
        cancel_reminders(session, request.id, now(ctx))
        _tell_requester(session, ctx, request, status, actor)
        _update_leader_messages(session, ctx, request, texts.DECIDED_UPDATE[status], actor)
        remember_command(session, ctx, dedup_key, request.id)
        requester = name_of(ctx, request.requester)
        return ok(texts.DECIDED_FOR_ACTOR[status], request.id, id=request.id, requester=requester)


def _tell_requester(
    session: Session, ctx: Context, request: RequestRow, status: str, actor: Actor
) -> None:
    comment = both(texts.COMMENT_LINE, comment=request.comment) if request.comment else ""
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, status, "requester"),
        email=request.requester,
        template=texts.DECISION_FOR_REQUESTER[status],
        values={"id": request.id, "director": name_of(ctx, actor.email), "comment": comment},
    )


def withdraw(
    ctx: Context, actor: Actor, request_id: int, *, dedup_key: str | None = None
) -> Outcome:
    """The requester withdraws a doubt check that is still undecided."""
    with ctx.store.transaction() as session:
        if seen_command(session, dedup_key) is not None:
            return ok(texts.ALREADY_DONE, request_id, id=request_id)
        request = load_request(
            session, ctx, actor, request_id, "withdraw", kind=KIND, states=OPEN_STATES
        )
        if isinstance(request, Outcome):
            return request
        transition(session, ctx, request, "withdrawn", actor, "withdraw")
        cancel_reminders(session, request.id, now(ctx))
        _update_leader_messages(session, ctx, request, texts.WITHDRAWN_UPDATE, actor)
        remember_command(session, ctx, dedup_key, request.id)
        return ok(texts.WITHDRAWN_FOR_ACTOR, request.id, id=request.id)


def _update_leader_messages(
    session: Session, ctx: Context, request: RequestRow, template: Localized, actor: Actor
) -> None:
    """Replace the messages with buttons that the director (and deputies) got.

    The actor's own message is replaced too (its buttons go), but as their own action: a
    platform that shows an update as a new notification (the terminal) keeps it read.
    """
    values = {
        "id": request.id,
        "requester": name_of(ctx, request.requester),
        "status": texts.STATUS_NAMES[request.status],
        "actor": name_of(ctx, actor.email),
    }
    for email, original in _leader_message_keys(ctx, request):
        notify(
            session,
            ctx,
            request,
            key=request_key(request.id, f"update:{request.status}", email),
            email=email,
            template=template,
            values=values,
            operation="update",
            ref_key=original,
            effect=OWN_ACTION if email == actor.email else None,
        )


def _leader_message_keys(ctx: Context, request: RequestRow) -> list[tuple[str, str]]:
    keys = [(request.assignee, request_key(request.id, "submitted", f"{request.assignee}"))]
    if request.deputy_asked:
        school = ctx.org.school(request.school)
        keys += [(d, request_key(request.id, "deputy", d)) for d in leaders_to_ask(school, request)]
    return [(email, key) for email, key in keys if email]


def _send_to_leader(
    session: Session,
    ctx: Context,
    request: RequestRow,
    email: str,
    event: str,
    *,
    effect: str | None = None,
    intro: Localized | None = None,
) -> None:
    values = director_values(ctx, request)
    template = texts.DOUBT_FOR_DIRECTOR
    if intro is not None:
        summary = both(texts.DOUBT_FOR_DIRECTOR, **values)
        template, values = intro, {"director": name_of(ctx, request.assignee), "summary": summary}
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, event, email),
        email=email,
        template=template,
        values=values,
        buttons=lambda lang: decision_buttons(request.id, lang),
        effect=effect,
    )


def director_values(ctx: Context, request: RequestRow) -> dict[str, object]:
    """The values for the director's view of a doubt check."""
    school = ctx.org.school(request.school)
    findings = findings_from_json(request.findings or [])
    link = both(texts.LINK_LINE, link=request.draft_link) if request.draft_link else ""
    return {
        "id": request.id,
        "requester": name_of(ctx, request.requester),
        "school": school.name,
        "medium": request.medium or texts.MEDIUM_UNKNOWN,
        "when": format_when(request.publish_at, school) or texts.WHEN_UNKNOWN,
        "draft": quote(request.draft_text or ""),
        "link": link,
        "findings": Localized(format_findings(findings, "nl"), format_findings(findings, "en")),
    }


def decision_buttons(request_id: int, lang: Lang) -> tuple[Button, ...]:
    """The director's three choices."""
    value = str(request_id)
    return (
        Button(texts.BUTTON_APPROVE.get(lang), "approve", value),
        Button(texts.BUTTON_ADVISE_AGAINST.get(lang), "advise_against", value),
        Button(texts.BUTTON_TALK.get(lang), "talk", value),
    )


def quote(text: str) -> str:
    """`text` as a quoted block, clipped for a chat message."""
    clipped = text if len(text) <= DRAFT_PREVIEW else text[:DRAFT_PREVIEW] + "…"
    return "\n".join(f"> {line}" for line in clipped.splitlines() or [""])


def format_when(moment: datetime | None, school: School) -> str:
    """A publish time in the school's zone, e.g. 2025-03-14 15:30."""
    if moment is None:
        return ""
    return moment.astimezone(school.hours.zone).strftime("%Y-%m-%d %H:%M")


def findings_to_json(finding: Finding) -> dict[str, Any]:
    """A finding as JSON for the requests table (evidence is already masked)."""
    suggestion = finding.suggestion
    return {
        "clause_id": finding.clause_id,
        "reason": {"nl": finding.reason.nl, "en": finding.reason.en},
        "evidence": list(finding.evidence),
        "suggestion": {"nl": suggestion.nl, "en": suggestion.en} if suggestion else None,
    }


def findings_from_json(items: list[Any]) -> tuple[Finding, ...]:
    """Findings stored by findings_to_json (after a purge only the clause ids remain)."""
    found = []
    for item in items:
        reason = item.get("reason") or {"nl": "", "en": ""}
        suggestion = item.get("suggestion")
        found.append(
            Finding(
                clause_id=item["clause_id"],
                reason=Localized(reason["nl"], reason["en"]),
                evidence=tuple(item.get("evidence") or ()),
                suggestion=Localized(suggestion["nl"], suggestion["en"]) if suggestion else None,
            )
        )
    return tuple(found)


# --- reminder handlers (called by the dispatcher through bot.workflows.reminders) -------------

SYSTEM = Actor("system", "system")


def remind_director(session: Session, ctx: Context, request: RequestRow) -> None:
    """No decision after N working hours: remind the director."""
    if request.assignee is None:
        return
    summary = quote((request.draft_text or "")[:300])
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, "reminder", request.assignee),
        email=request.assignee,
        template=texts.DOUBT_REMINDER,
        values={"id": request.id, "requester": name_of(ctx, request.requester), "summary": summary},
    )
    audit(session, ctx, SYSTEM, "reminded", request=request, detail="director")


def ask_deputy(session: Session, ctx: Context, request: RequestRow) -> None:
    """No decision after M working hours: ask the deputies too."""
    school = ctx.org.school(request.school)
    deputies = leaders_to_ask(school, request)
    for deputy in deputies:
        _send_to_leader(session, ctx, request, deputy, "deputy", intro=texts.DEPUTY_ASKED)
    if deputies:
        request.deputy_asked = True
        audit(session, ctx, SYSTEM, "deputy_asked", request=request)


def expire(session: Session, ctx: Context, request: RequestRow) -> None:
    """No decision in time: the request expires and the requester is told."""
    transition(session, ctx, request, "expired", SYSTEM, "expire")
    cancel_reminders(session, request.id, now(ctx))
    notify(
        session,
        ctx,
        request,
        key=request_key(request.id, "expired", "requester"),
        email=request.requester,
        template=texts.DOUBT_EXPIRED,
        values={"id": request.id},
    )
    _update_leader_messages(session, ctx, request, texts.EXPIRED_UPDATE, SYSTEM)


HANDLERS: dict[str, Handler] = {
    f"{KIND}:remind_director": remind_director,
    f"{KIND}:ask_deputy": ask_deputy,
    f"{KIND}:expire": expire,
}
