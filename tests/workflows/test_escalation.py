"""The escalation (B.2) domain: open, thread, notes, acknowledge, resolve, remind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.clock import ManualClock
from bot.store.models import NoteRow, RequestRow
from bot.workflows.base import Actor, Context
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note
from tests.workflows.conftest import AMSTERDAM, ANNA, DEPUTY, DIRECTOR, inbox

REPORT = EscalationInput(
    links=("https://facebook.com/groups/ouders/posts/1",),
    medium="Facebook",
    description="Ouders schelden in de oudergroep op juf Anna",
    urgency="now",
)


def opened(ctx: Context, report: EscalationInput = REPORT) -> int:
    outcome = open_escalation(ctx, Actor(ANNA), report)
    assert outcome.ok, outcome.text("en")
    assert outcome.request_id is not None
    return outcome.request_id


def request_row(ctx: Context, request_id: int) -> RequestRow:
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        return row


def test_director_is_alerted_with_the_protocol_guidance(ctx: Context) -> None:
    request_id = opened(ctx)
    messages = inbox(ctx, DIRECTOR)
    alert = messages[0]
    assert f"Escalatie #{request_id} van Juf Anna (Het Kofschip), urgentie: nu" in alert
    assert "https://facebook.com/groups/ouders/posts/1" in alert
    knowledge = ctx.knowledge_for("Het Kofschip")
    assert knowledge.clause("B2").text in alert  # parents attack a teacher: B.2's strategy
    assert knowledge.clause("A7").text in alert
    assert "0900 – 1113111" not in alert  # S.2 is about staff conduct
    assert "Gesprek tussen Juf Anna en Directeur Kofschip" in messages[1]
    assert request_row(ctx, request_id).thread_ref == f"console-thread:r{request_id}:thread"
    assert any("Gesprek tussen" in m for m in inbox(ctx, ANNA))


def test_notes_by_both_sides_are_recorded_and_posted_in_the_thread(ctx: Context) -> None:
    request_id = opened(ctx)
    inbox(ctx, DIRECTOR)
    inbox(ctx, ANNA)
    assert add_note(ctx, Actor(ANNA), request_id, "Er komen nu ook berichten van opa's").ok
    assert add_note(ctx, Actor(DIRECTOR), request_id, "Niet reageren, ik bel de ouders").ok
    assert inbox(ctx, DIRECTOR) == [
        "[#1] Notitie van Juf Anna: Er komen nu ook berichten van opa's"
    ]
    assert inbox(ctx, ANNA) == [
        "[#1] Notitie van Directeur Kofschip: Niet reageren, ik bel de ouders"
    ]
    with ctx.store.transaction() as session:
        notes = list(session.scalars(select(NoteRow.author).order_by(NoteRow.id)))
    assert notes == [ANNA, DIRECTOR]


def test_acknowledge_then_resolve_with_a_note(ctx: Context) -> None:
    request_id = opened(ctx)
    assert acknowledge(ctx, Actor(DIRECTOR), request_id).ok
    assert request_row(ctx, request_id).status == "acknowledged"
    assert any("heeft de escalatie ontvangen" in m for m in inbox(ctx, ANNA))
    refused = resolve(ctx, Actor(DIRECTOR), request_id, "")
    assert (refused.ok, refused.code) == (False, "note")
    assert resolve(ctx, Actor(DIRECTOR), request_id, "Ouders gebeld, berichten verwijderd").ok
    row = request_row(ctx, request_id)
    assert (row.status, row.comment) == ("resolved", "Ouders gebeld, berichten verwijderd")
    assert any("Opgelost door Directeur Kofschip" in m for m in inbox(ctx, ANNA))
    late = add_note(ctx, Actor(ANNA), request_id, "nog iets")
    assert not late.ok


def test_urgent_reminders_ignore_working_hours(ctx: Context, clock: ManualClock) -> None:
    clock.set(datetime(2025, 3, 15, 22, 0, tzinfo=AMSTERDAM))  # Saturday night
    request_id = opened(ctx)
    inbox(ctx, DIRECTOR)
    clock.advance(minutes=14)
    assert inbox(ctx, DIRECTOR) == []
    clock.advance(minutes=1)
    assert "nog niet ontvangen" in inbox(ctx, DIRECTOR)[0]
    assert inbox(ctx, DEPUTY) == []
    clock.advance(minutes=15)
    assert f"Escalatie #{request_id}" in inbox(ctx, DEPUTY)[0]
    assert any("adjunct is gevraagd" in m for m in inbox(ctx, ANNA))
    assert acknowledge(ctx, Actor(DEPUTY), request_id).ok


def test_today_reminders_wait_for_working_hours(ctx: Context, clock: ManualClock) -> None:
    clock.set(datetime(2025, 3, 10, 16, 50, tzinfo=AMSTERDAM))
    opened(ctx, EscalationInput((), "X", "Discussie op X", urgency="today"))
    inbox(ctx, DIRECTOR)
    clock.set(datetime(2025, 3, 10, 17, 30, tzinfo=AMSTERDAM))
    assert inbox(ctx, DIRECTOR) == []
    clock.set(datetime(2025, 3, 11, 8, 5, tzinfo=AMSTERDAM))  # 10 + 5 working minutes
    assert "nog niet ontvangen" in inbox(ctx, DIRECTOR)[0]


def test_acknowledged_escalations_get_no_reminders(ctx: Context, clock: ManualClock) -> None:
    request_id = opened(ctx)
    inbox(ctx, DIRECTOR)
    acknowledge(ctx, Actor(DIRECTOR), request_id)
    clock.advance(hours=1)
    assert [m for m in inbox(ctx, DIRECTOR) if "nog niet ontvangen" in m] == []
    assert inbox(ctx, DEPUTY) == []
