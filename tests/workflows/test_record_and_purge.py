"""The personal record (S.1) and the retention purge (AVG)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.store.models import AuditEvent, ConsoleInboxRow, NoteRow, OutboxRow, RequestRow
from bot.workflows.base import Actor, Context
from bot.workflows.doubt_check import DoubtDraft, decide, submit
from bot.workflows.escalation import EscalationInput, open_escalation, resolve
from bot.workflows.notes import add_note
from bot.workflows.queries import show
from bot.workflows.record import export_record, purge
from tests.workflows.conftest import ANNA, BRAM, DIRECTOR, inbox


def _history(ctx: Context) -> tuple[int, int]:
    doubt = submit(ctx, Actor(ANNA), DoubtDraft("Geheim: Sem uit groep 5 is ziek")).request_id
    assert doubt is not None
    decide(ctx, Actor(DIRECTOR), doubt, "advise_against", "geen namen en gezondheid")
    report = EscalationInput(("https://x.example/1",), "X", "Ouder scheldt", "today")
    escalation = open_escalation(ctx, Actor(ANNA), report).request_id
    assert escalation is not None
    add_note(ctx, Actor(ANNA), escalation, "privé-adres genoemd")
    resolve(ctx, Actor(DIRECTOR), escalation, "ouder gebeld")
    decide(ctx, Actor(BRAM), doubt, "approve")  # refused: recorded in Bram's record
    inbox(ctx, ANNA)
    return doubt, escalation


def test_record_lists_requests_decisions_and_refusals(ctx: Context) -> None:
    _history(ctx)
    anna = export_record(ctx, ANNA)
    assert anna.startswith("# Dossier social-mediaprotocol — Juf Anna <anna@kofschip.example>")
    assert "### #1 twijfelcheck / doubt check — afgeraden / advised against" in anna
    assert "Geheim: Sem uit groep 5 is ziek" in anna
    assert "Directeur Kofschip" in anna
    assert "geen namen en gezondheid" in anna
    assert "privé-adres genoemd" in anna
    assert "| advise_against | submitted → advised_against | console |" in anna
    director = export_record(ctx, DIRECTOR)
    assert "- #1 twijfelcheck van Juf Anna: advised_against" in director
    assert "refused:decide op #1 (not_leader)" in export_record(ctx, BRAM)


def test_purge_blanks_texts_but_keeps_states_and_audit(ctx: Context, clock: ManualClock) -> None:
    doubt, escalation = _history(ctx)
    events_before = _count(ctx, AuditEvent)
    clock.advance(timedelta(days=89))
    assert purge(ctx, 90).requests == 0
    clock.advance(timedelta(days=2))
    report = purge(ctx, 90)
    assert (report.requests, report.notes) == (2, 1)
    assert report.messages > 0
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, doubt)
        assert row is not None
        assert (row.status, row.decided_by) == ("advised_against", DIRECTOR)
        assert (row.draft_text, row.comment) == (None, None)
        assert row.findings and all(set(f) == {"clause_id"} for f in row.findings)
        assert session.scalars(select(NoteRow.text)).all() == [None]
        assert all(p == {"purged": True} for p in session.scalars(select(OutboxRow.payload)))
        assert set(session.scalars(select(ConsoleInboxRow.text))) == {None}
    assert _count(ctx, AuditEvent) == events_before + 2
    record = export_record(ctx, ANNA)
    assert "Sem" not in record
    assert "verwijderd na de bewaartermijn" in record
    assert "Sem" not in show(ctx, Actor(ANNA), doubt).text("nl")
    assert "ouder gebeld" not in show(ctx, Actor(ANNA), escalation).text("nl")
    assert purge(ctx, 90).requests == 0


def _count(ctx: Context, model: type[AuditEvent]) -> int:
    with ctx.store.transaction() as session:
        return len(session.scalars(select(model.id)).all())
