"""A person's record (protocol S.1: correspondence goes into the personnel file), and the purge.

`export_record` writes Markdown from the requests, notes and audit events. `purge` blanks the
personal texts of requests closed more than `retention_days` ago (drafts, links, descriptions,
comments, notes), of old messages and of logged questions; states, decisions, audit events
and the question counts stay (AVG).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.orm import Session

from bot.store.models import (
    AuditEvent,
    ConsoleInboxRow,
    NoteRow,
    OutboxRow,
    QuestionRow,
    RequestRow,
)
from bot.workflows import texts
from bot.workflows.base import FINAL_STATES, Context, name_of, now

PURGED_TEXT = "_(verwijderd na de bewaartermijn / removed after the retention period)_"


class UnknownPersonError(LookupError):
    """`export_record` for someone the org file does not know and the database never saw."""

    def __init__(self, email: str) -> None:
        super().__init__(
            f"onbekende persoon {email!r}: niet in het organisatiebestand en geen verzoeken, "
            f"besluiten of acties / unknown person {email!r}: not in the organisation file "
            "and no requests, decisions or actions"
        )
        self.email = email


def export_record(ctx: Context, email: str) -> str:
    """The Markdown record of `email`: their requests, their decisions, their refusals.

    UnknownPersonError when the org file does not know `email` and nothing is recorded about
    them (a person who left keeps their record: the database still names them).
    """
    email = email.strip().lower()
    with ctx.store.transaction() as session:
        own = list(
            session.scalars(
                select(RequestRow).where(RequestRow.requester == email).order_by(RequestRow.id)
            )
        )
        decided = list(
            session.scalars(
                select(RequestRow)
                .where(RequestRow.decided_by == email, RequestRow.requester != email)
                .order_by(RequestRow.id)
            )
        )
        refusals = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.actor == email, AuditEvent.action.startswith("refused:"))
                .order_by(AuditEvent.id)
            )
        )
        if not (own or decided or refusals) and ctx.org.person(email) is None:
            raise UnknownPersonError(email)
        lines = _header(ctx, email)
        lines += ["", "## Verzoeken / Requests", ""]
        lines += [line for row in own for line in _request_section(session, ctx, row)] or ["—"]
        lines += ["", "## Besluiten / Decisions", ""]
        lines += [_decision_line(ctx, row) for row in decided] or ["—"]
        lines += ["", "## Geweigerde acties / Refused actions", ""]
        lines += [_refusal_line(event) for event in refusals] or ["—"]
    return "\n".join(lines) + "\n"


def _header(ctx: Context, email: str) -> list[str]:
    return [
        f"# Dossier social-mediaprotocol — {name_of(ctx, email)} <{email}>",
        "",
        f"{ctx.org.foundation}. Opgemaakt / generated: {_when(now(ctx))}.",
        "Protocol S.1: alle correspondentie hierover wordt opgenomen in het personeelsdossier.",
    ]


def _request_section(session: Session, ctx: Context, row: RequestRow) -> list[str]:
    kind = texts.KIND_NAMES[row.kind]
    status = texts.STATUS_NAMES[row.status]
    lines = [
        f"### #{row.id} {kind.nl} / {kind.en} — {status.nl} / {status.en}",
        "",
        f"- School: {row.school}; ingediend / submitted: {_when(row.created_at)}",
        f"- Via: {row.platform}",
        f"- Platform: {row.medium or '-'}",
    ]
    lines += _content_lines(row)
    if row.decided_by:
        comment = row.comment or (PURGED_TEXT if row.purged_at else "")
        when = _when(row.decided_at) if row.decided_at else "-"
        lines.append(f"- Besluit / decision: {name_of(ctx, row.decided_by)}, {when}: {comment}")
    lines += _notes(session, ctx, row)
    lines += [
        "",
        "| tijd / time | wie / who | actie / action | van → naar | platform |",
        "|---|---|---|---|---|",
    ]
    lines += [_audit_row(ctx, e) for e in _events(session, row.id)]
    return [*lines, ""]


def _content_lines(row: RequestRow) -> list[str]:
    if row.purged_at is not None:
        return [f"- Inhoud / content: {PURGED_TEXT}"]
    if row.kind == "escalation":
        return [
            f"- Urgentie / urgency: {row.urgency}",
            f"- Wat er gebeurde / what happened: {row.description}",
            f"- Links: {', '.join(row.links or []) or '-'}",
        ]
    clauses = ", ".join(f["clause_id"] for f in row.findings or []) or "-"
    return [
        f"- Concept / draft: {row.draft_text}",
        f"- Link: {row.draft_link or '-'}",
        f"- Publicatie / publishing: {_when(row.publish_at) if row.publish_at else '-'}",
        f"- Controle / check: {clauses}",
    ]


def _notes(session: Session, ctx: Context, row: RequestRow) -> list[str]:
    notes = session.scalars(
        select(NoteRow).where(NoteRow.request_id == row.id).order_by(NoteRow.id)
    )
    return [
        f"- Notitie / note ({name_of(ctx, n.author)}, {_when(n.created_at)}): "
        f"{n.text if n.text is not None else PURGED_TEXT}"
        for n in notes
    ]


def _events(session: Session, request_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.id)
    return list(session.scalars(query))


def _audit_row(ctx: Context, event: AuditEvent) -> str:
    who = "systeem" if event.actor == "system" else name_of(ctx, event.actor)
    moved = f"{event.from_status or '-'} → {event.to_status or '-'}"
    return f"| {_when(event.at)} | {who} | {event.action} | {moved} | {event.platform} |"


def _decision_line(ctx: Context, row: RequestRow) -> str:
    kind = texts.KIND_NAMES[row.kind].nl
    when = _when(row.decided_at) if row.decided_at else "-"
    return f"- #{row.id} {kind} van {name_of(ctx, row.requester)}: {row.status} ({when})"


def _refusal_line(event: AuditEvent) -> str:
    return f"- {_when(event.at)}: {event.action} op #{event.request_id} ({event.detail})"


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class PurgeReport:
    """How much `purge` blanked."""

    requests: int
    notes: int
    messages: int
    questions: int = 0


def purge(ctx: Context, retention_days: int) -> PurgeReport:
    """Blank personal texts older than the retention period; keep states and audit events."""
    moment = now(ctx)
    cutoff = moment - timedelta(days=retention_days)
    with ctx.store.transaction() as session:
        rows = list(
            session.scalars(
                select(RequestRow)
                .where(
                    RequestRow.status.in_(FINAL_STATES),
                    RequestRow.updated_at < cutoff,
                    RequestRow.purged_at.is_(None),
                )
                .with_for_update()
            )
        )
        for row in rows:
            _purge_request(session, row, moment)
        ids = [row.id for row in rows]
        notes = _changed(
            session,
            update(NoteRow)
            .where(NoteRow.request_id.in_(ids), NoteRow.text.is_not(None))
            .values(text=None),
        )
        messages = _purge_messages(session, cutoff)
        questions = _changed(
            session,
            update(QuestionRow)
            .where(QuestionRow.asked_at < cutoff, QuestionRow.text.is_not(None))
            .values(text=None),
        )
    return PurgeReport(len(rows), notes, messages, questions)


def _purge_request(session: Session, row: RequestRow, moment: datetime) -> None:
    row.draft_text = row.draft_link = row.description = row.comment = None
    row.links = None
    row.findings = [{"clause_id": f["clause_id"]} for f in row.findings or []]
    row.purged_at = moment
    session.add(
        AuditEvent(
            request_id=row.id,
            actor="system",
            action="purged",
            from_status=row.status,
            to_status=row.status,
            platform="system",
            at=moment,
        )
    )


def _purge_messages(session: Session, cutoff: datetime) -> int:
    outbox = _changed(
        session,
        update(OutboxRow)
        .where(OutboxRow.created_at < cutoff, OutboxRow.status != "pending")
        .values(payload={"purged": True}),
    )
    inbox = _changed(
        session,
        update(ConsoleInboxRow)
        .where(ConsoleInboxRow.created_at < cutoff, ConsoleInboxRow.text.is_not(None))
        .values(text=None, buttons=[]),
    )
    return outbox + inbox


def _changed(session: Session, statement: Update) -> int:
    """Run an UPDATE and return how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)
