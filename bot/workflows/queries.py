"""Reading requests: the list a person may see, and one request in detail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Localized
from bot.store.models import NoteRow, RequestRow
from bot.workflows import texts
from bot.workflows.base import Actor, Context, Outcome, load_request, name_of, requests_visible_to
from bot.workflows.doubt_check import director_values, format_when
from bot.workflows.escalation import leader_values

LIST_LINE = Localized(
    "#{id} {kind} · {status} · {requester} · {created}",
    "#{id} {kind} · {status} · {requester} · {created}",
)
NOTHING = Localized("Geen verzoeken.", "No requests.")
DETAIL_DOUBT = Localized(
    "Twijfelcheck #{id} · {status}\nAanvrager: {requester} · school: {school}\n"
    "Platform: {medium} · publicatie: {when}\nConcept:\n{draft}{link}\n\nControle: {findings}",
    "Doubt check #{id} · {status}\nRequester: {requester} · school: {school}\n"
    "Platform: {medium} · publishing: {when}\nDraft:\n{draft}{link}\n\nCheck: {findings}",
)
DETAIL_ESCALATION = Localized(
    "Escalatie #{id} · {status} · urgentie {urgency}\nAanvrager: {requester} · school: {school}\n"
    "Platform: {medium}\nWat er gebeurt: {description}\nLinks: {links}",
    "Escalation #{id} · {status} · urgency {urgency}\nRequester: {requester} · school: {school}\n"
    "Platform: {medium}\nWhat is happening: {description}\nLinks: {links}",
)
DECISION_LINE = Localized("\nBesluit door {who}: {comment}", "\nDecision by {who}: {comment}")
RESOLUTION_LINE = Localized("\nAfgesloten door {who}: {comment}", "\nClosed by {who}: {comment}")
NOTE_LINE = Localized("\nNotitie van {who}: {text}", "\nNote from {who}: {text}")
PURGED = Localized("(verwijderd na de bewaartermijn)", "(removed after the retention period)")


@dataclass(frozen=True)
class RequestSummary:
    """One request as listed: everything but the personal texts."""

    id: int
    kind: str
    status: str
    requester: str
    assignee: str | None
    school: str
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `policybot requests list --json`."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "requester": self.requester,
            "assignee": self.assignee,
            "school": self.school,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


def summary(row: RequestRow) -> RequestSummary:
    """The summary of one request row."""
    return RequestSummary(
        row.id,
        row.kind,
        row.status,
        row.requester,
        row.assignee,
        row.school,
        row.created_at,
        row.updated_at,
    )


def all_requests(ctx: Context, *, status: str | None = None) -> list[RequestSummary]:
    """Every request (for the operator's CLI), optionally with one status."""
    with ctx.store.transaction() as session:
        query = select(RequestRow).order_by(RequestRow.id)
        if status:
            query = query.where(RequestRow.status == status)
        return [summary(row) for row in session.scalars(query)]


def visible_requests(ctx: Context, actor: Actor) -> list[RequestSummary]:
    """The requests `actor` may see."""
    with ctx.store.transaction() as session:
        return [summary(row) for row in requests_visible_to(session, ctx, actor.email)]


def list_text(ctx: Context, items: list[RequestSummary]) -> Localized:
    """A list of requests as chat text, in both languages."""
    if not items:
        return NOTHING
    lines = {lang: [_line(ctx, item, lang) for item in items] for lang in ("nl", "en")}
    return Localized("\n".join(lines["nl"]), "\n".join(lines["en"]))


def _line(ctx: Context, item: RequestSummary, lang: str) -> str:
    school = (
        ctx.org.school(item.school) if any(s.id == item.school for s in ctx.org.schools) else None
    )
    created = format_when(item.created_at, school) if school else item.created_at.isoformat()
    return LIST_LINE.get(lang).format(
        id=item.id,
        kind=texts.KIND_NAMES[item.kind].get(lang),
        status=texts.STATUS_NAMES[item.status].get(lang),
        requester=name_of(ctx, item.requester),
        created=created,
    )


def show(ctx: Context, actor: Actor, request_id: int) -> Outcome:
    """One request in detail, if `actor` may see it (a refusal is audited)."""
    with ctx.store.transaction() as session:
        request = load_request(session, ctx, actor, request_id, "view")
        if isinstance(request, Outcome):
            return request
        return Outcome(True, detail_text(session, ctx, request), request.id)


def detail_text(session: Session, ctx: Context, request: RequestRow) -> Localized:
    """The full view of a request: its data, the decision and the notes."""
    if request.kind == "escalation":
        template, values = DETAIL_ESCALATION, leader_values(ctx, request)
    else:
        template, values = DETAIL_DOUBT, director_values(ctx, request)
    values["status"] = texts.STATUS_NAMES[request.status]
    if request.purged_at is not None:
        values.update(draft=PURGED, description=PURGED, links="-", link="")
    return Localized(
        *(_detail(session, ctx, request, template, values, lang) for lang in ("nl", "en"))
    )


def _detail(
    session: Session,
    ctx: Context,
    request: RequestRow,
    template: Localized,
    values: dict[str, object],
    lang: str,
) -> str:
    resolved = {k: v.get(lang) if isinstance(v, Localized) else v for k, v in values.items()}
    text = template.get(lang).format(**resolved)
    if request.decided_by:
        comment = request.comment or ("" if request.purged_at is None else PURGED.get(lang))
        line = RESOLUTION_LINE if request.kind == "escalation" else DECISION_LINE
        text += line.get(lang).format(who=name_of(ctx, request.decided_by), comment=comment)
    notes = session.scalars(
        select(NoteRow).where(NoteRow.request_id == request.id).order_by(NoteRow.id)
    )
    for note in notes:
        body = note.text if note.text is not None else PURGED.get(lang)
        text += NOTE_LINE.get(lang).format(who=name_of(ctx, note.author), text=body)
    return text
