"""What both workflows share: the context they run in, actors, outcomes, audit and notify.

Every public workflow function opens one transaction: the state change, its audit event, its
outbox messages and its reminders commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.models import Button, Knowledge, Lang, Localized, Reply
from bot.org import Org, Person, School
from bot.ports import Recipient
from bot.store.db import Store
from bot.store.models import AuditEvent, ProcessedCommand, ReminderRow, RequestRow, SchoolChoice
from bot.store.outbox import Operation, enqueue
from bot.workflows import texts
from bot.workflows.auth import Action, authorise

FINAL_STATES = frozenset({"approved", "advised_against", "withdrawn", "expired", "resolved"})
# The effect of an update that the recipient caused themselves (bot.workflows.delivery): they
# are not notified of their own action, only the others are.
OWN_ACTION = "own_action"


@dataclass(frozen=True)
class WorkflowSettings:
    """Timings of the workflows; see bot.settings for the environment variables."""

    doubt_remind_hours: float = 4.0
    doubt_deputy_hours: float = 8.0
    doubt_grace_hours: float = 1.0
    doubt_max_age_hours: float = 72.0
    escalation_remind_minutes: float = 15.0
    escalation_deputy_minutes: float = 30.0
    platforms: tuple[str, ...] = ("console",)


@dataclass
class Context:
    """Everything a workflow needs: storage, people, time, settings and the protocol."""

    store: Store
    org: Org
    clock: Clock
    knowledge_for: Callable[[str], Knowledge]
    settings: WorkflowSettings = field(default_factory=WorkflowSettings)
    draft_rules: Any = None


@dataclass(frozen=True)
class Actor:
    """Who acts, and from which platform (as the adapter identified them)."""

    email: str
    platform: str = "console"
    lang: Lang | None = None
    """The language the flow was started in, when the adapter knows it: the requester's later
    notifications about this request follow it (else their org file `lang`)."""


@dataclass(frozen=True)
class Outcome:
    """The answer to the actor: whether it worked, a message, and the request concerned."""

    ok: bool
    message: Localized
    request_id: int | None = None
    code: str = "ok"

    def text(self, lang: str) -> str:
        """The message in `lang`."""
        return self.message.get(lang)

    def reply(self, lang: Lang) -> Reply:
        """The outcome as a plain notice reply."""
        return Reply(kind="notice", lang=lang, text=self.text(lang))


def render(template: Localized, lang: str, **values: object) -> str:
    """`template` in `lang`, with Localized values taken in `lang` too."""
    resolved = {k: v.get(lang) if isinstance(v, Localized) else v for k, v in values.items()}
    return template.get(lang).format(**resolved)


def both(template: Localized, **values: object) -> Localized:
    """`template` filled in both languages."""
    return Localized(render(template, "nl", **values), render(template, "en", **values))


def ok(template: Localized, request_id: int | None = None, **values: object) -> Outcome:
    """A successful outcome."""
    return Outcome(True, both(template, **values), request_id)


def school_of(session: Session, ctx: Context, email: str) -> School | None:
    """The school of `email`: from the organisation file, else from their stored choice."""
    school = ctx.org.school_for(email)
    if school is not None:
        return school
    choice = session.get(SchoolChoice, email.lower())
    if choice is None:
        return None
    try:
        return ctx.org.school(choice.school)
    except KeyError:
        return None


def choose_school(ctx: Context, email: str, school_id: str) -> School:
    """Store the school someone picked; KeyError for an unknown school id."""
    school = ctx.org.school(school_id)
    with ctx.store.transaction() as session:
        row = session.get(SchoolChoice, email.lower())
        if row is None:
            session.add(SchoolChoice(email=email.lower(), school=school.id, chosen_at=now(ctx)))
        else:
            row.school = school.id
    return school


def now(ctx: Context) -> datetime:
    """The context clock's time."""
    return ctx.clock.now()


def person(ctx: Context, email: str) -> Person:
    """The person with `email` (a bare one if the organisation file does not list them)."""
    return ctx.org.person_or_guest(email)


def name_of(ctx: Context, email: str | None) -> str:
    """A display name for `email`."""
    return person(ctx, email).name if email else "?"


def route(ctx: Context, who: Person, preferred: str) -> str:
    """The platform to reach `who` on: `preferred` if they have an id there, else any wired one."""
    wired = ctx.settings.platforms
    if preferred in wired and who.platform_id(preferred):
        return preferred
    for platform in wired:
        if who.platform_id(platform):
            return platform
    return wired[0] if wired else "console"


def recipient(ctx: Context, email: str, platform: str) -> Recipient:
    """The Recipient for `email` on `platform`."""
    who = person(ctx, email)
    return Recipient(who.email, who.name, who.platform_id(platform), who.lang)


def message_for(
    who: Recipient, template: Localized, buttons: tuple[Button, ...] = (), **values: object
) -> Reply:
    """`template` in the recipient's language, as a notification reply."""
    return Reply(
        kind="notice", lang=who.lang, text=render(template, who.lang, **values), buttons=buttons
    )


def notify(
    session: Session,
    ctx: Context,
    request: RequestRow,
    *,
    key: str,
    email: str,
    template: Localized,
    values: dict[str, object],
    operation: Operation = "send",
    buttons: Callable[[Lang], tuple[Button, ...]] | None = None,
    ref_key: str | None = None,
    effect: str | None = None,
) -> None:
    """Queue `template` for `email` (in their language) in the current transaction."""
    platform = route(ctx, person(ctx, email), request.platform)
    who = recipient(ctx, email, platform)
    if email == request.requester and request.lang in ("nl", "en"):
        who = replace(who, lang="en" if request.lang == "en" else "nl")
    message = message_for(who, template, buttons(who.lang) if buttons else (), **values)
    enqueue(
        session,
        key=key,
        operation=operation,
        platform=platform,
        message=message,
        now=now(ctx),
        to=who,
        request_id=request.id,
        ref_key=ref_key,
        effect=effect,
    )


def audit(
    session: Session,
    ctx: Context,
    actor: Actor,
    action: str,
    *,
    request: RequestRow | None = None,
    request_id: int | None = None,
    to_status: str | None = None,
    detail: str | None = None,
) -> None:
    """Append an audit event (never changed or purged afterwards)."""
    session.add(
        AuditEvent(
            request_id=request.id if request is not None else request_id,
            actor=actor.email,
            action=action,
            from_status=request.status if request is not None else None,
            to_status=to_status,
            platform=actor.platform,
            at=now(ctx),
            detail=detail[:200] if detail else None,
        )
    )


def transition(
    session: Session, ctx: Context, request: RequestRow, to_status: str, actor: Actor, action: str
) -> None:
    """Move `request` to `to_status`, with its audit event."""
    audit(session, ctx, actor, action, request=request, to_status=to_status)
    request.status = to_status
    request.updated_at = now(ctx)


def refuse(
    session: Session,
    ctx: Context,
    actor: Actor,
    action: str,
    template: Localized,
    *,
    request_id: int | None,
    code: str,
    **values: object,
) -> Outcome:
    """Record a refusal as an audit event and say why, in both languages."""
    audit(session, ctx, actor, f"refused:{action}"[:40], request_id=request_id, detail=code)
    return Outcome(False, both(template, id=request_id, **values), request_id, code)


def cancel_reminders(session: Session, request_id: int, moment: datetime) -> None:
    """Cancel every pending reminder of a request (it has been decided, withdrawn, ...)."""
    session.execute(
        update(ReminderRow)
        .where(ReminderRow.request_id == request_id, ReminderRow.status == "pending")
        .values(status="cancelled", done_at=moment)
    )


def schedule(
    session: Session, request: RequestRow, kind: str, due: datetime, *, working_hours: bool
) -> None:
    """Add a reminder row for `request`."""
    session.add(
        ReminderRow(
            request_id=request.id,
            kind=kind,
            due_at=due,
            working_hours=working_hours,
            status="pending",
            created_at=request.created_at,
        )
    )


def seen_command(session: Session, key: str | None) -> int | None:
    """The request a command with dedup `key` already produced (0 if none), or None if new."""
    if not key:
        return None
    row = session.get(ProcessedCommand, key[:200])
    return None if row is None else row.request_id or 0


def remember_command(session: Session, ctx: Context, key: str | None, request_id: int) -> None:
    """Remember a processed command by its dedup key (a platform retry will be ignored)."""
    if key:
        session.add(ProcessedCommand(key=key[:200], request_id=request_id, created_at=now(ctx)))


def requests_visible_to(session: Session, ctx: Context, email: str) -> list[RequestRow]:
    """The requests `email` may see: their own, and those of schools they lead."""
    led = [s.id for s in ctx.org.schools if s.is_leader(email)]
    query = select(RequestRow).where((RequestRow.requester == email) | (RequestRow.school.in_(led)))
    return list(session.scalars(query.order_by(RequestRow.id)))


def leaders_to_ask(school: School, request: RequestRow) -> tuple[str, ...]:
    """The deputies to fall back on: not the assignee, not the requester."""
    return tuple(d for d in school.deputies if d not in (request.assignee, request.requester))


def place_requester(session: Session, ctx: Context, actor: Actor) -> tuple[School, str] | Outcome:
    """The requester's school and who handles their request, or the refusal that says why."""
    school = school_of(session, ctx, actor.email)
    if school is None:
        return Outcome(False, texts.NO_SCHOOL, code="no_school")
    assignee = assignee_for(school, actor.email)
    if assignee is None:
        return Outcome(False, both(texts.NO_DIRECTOR, school=school.name), code="no_director")
    return school, assignee


def assignee_for(school: School, requester: str) -> str | None:
    """Who handles a request: the first director who is not the requester, else a deputy."""
    for email in school.leaders:
        if email != requester:
            return email
    return None


def load_request(
    session: Session,
    ctx: Context,
    actor: Actor,
    request_id: int,
    action: Action,
    *,
    kind: str | None = None,
    states: frozenset[str] | None = None,
) -> RequestRow | Outcome:
    """The request, locked, if `actor` may do `action` on it now; else the refusal."""
    request = session.get(RequestRow, request_id, with_for_update=True)
    if request is None:
        return Outcome(False, both(texts.NOT_FOUND, id=request_id), request_id, "not_found")
    refusal = authorise(
        ctx.org, actor.email, school_id=request.school, requester=request.requester, action=action
    )
    if refusal is not None:
        return refuse(
            session, ctx, actor, action, refusal.message, request_id=request_id, code=refusal.code
        )
    if kind is not None and request.kind != kind:
        kind_name = texts.KIND_NAMES[request.kind]
        return refuse(
            session,
            ctx,
            actor,
            action,
            texts.WRONG_KIND,
            request_id=request_id,
            code="wrong_kind",
            kind=kind_name,
        )
    if states is not None and request.status not in states:
        sentence = texts.STATE_SENTENCES.get(request.status, texts.STATE_SENTENCES["submitted"])
        return refuse(
            session,
            ctx,
            actor,
            action,
            texts.WRONG_STATE,
            request_id=request_id,
            code="wrong_state",
            state=both(sentence, id=request_id),
        )
    return request
