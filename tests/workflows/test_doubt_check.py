"""The doubt check (B.3) domain: submit, decide, withdraw, remind, expire."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.store.models import AuditEvent, ConsoleInboxRow, ReminderRow, RequestRow
from bot.workflows.base import Actor, Context, choose_school
from bot.workflows.doubt_check import DoubtDraft, decide, submit, withdraw
from tests.workflows.conftest import AMSTERDAM, ANNA, BRAM, DEPUTY, DIRECTOR, inbox

DRAFT = DoubtDraft(
    text="Wat een mooie foto van groep 5 bij de sportdag!",
    link="https://instagram.com/p/abc",
    medium="Instagram",
    publish_at=datetime(2025, 3, 10, 15, 0, tzinfo=AMSTERDAM),
)


def status(ctx: Context, request_id: int) -> str:
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        return row.status


def actions(ctx: Context, request_id: int) -> list[str]:
    with ctx.store.transaction() as session:
        query = select(AuditEvent.action).where(AuditEvent.request_id == request_id)
        return list(session.scalars(query.order_by(AuditEvent.id)))


def submitted(ctx: Context) -> int:
    outcome = submit(ctx, Actor(ANNA), DRAFT)
    assert outcome.ok
    assert outcome.request_id is not None
    return outcome.request_id


def test_submit_sends_draft_and_findings_to_the_director(ctx: Context) -> None:
    request_id = submitted(ctx)
    assert status(ctx, request_id) == "submitted"
    [message] = inbox(ctx, DIRECTOR)
    assert f"Twijfelcheck #{request_id} van Juf Anna (Het Kofschip)" in message
    assert "> Wat een mooie foto van groep 5" in message
    assert "A.5" in message
    assert "https://instagram.com/p/abc" in message
    assert "2025-03-10 15:00" in message
    assert status(ctx, request_id) == "waiting"
    assert actions(ctx, request_id) == ["submitted", "delivered"]


def test_approval_reaches_the_requester_and_updates_the_directors_message(ctx: Context) -> None:
    request_id = submitted(ctx)
    inbox(ctx, DIRECTOR)
    outcome = decide(ctx, Actor(DIRECTOR), request_id, "approve", "mooi zo")
    assert outcome.ok
    assert status(ctx, request_id) == "approved"
    [told] = inbox(ctx, ANNA)
    assert "Directeur Kofschip gaf akkoord" in told
    assert "Opmerking: mooi zo" in told
    assert inbox(ctx, DIRECTOR) == []  # no notification of their own decision
    with ctx.store.transaction() as session:
        card = session.scalars(
            select(ConsoleInboxRow).where(
                ConsoleInboxRow.key == f"r{request_id}:submitted:{DIRECTOR}"
            )
        ).one()
        assert (
            card.text
            == "(bijgewerkt) Directeur Kofschip gaf akkoord op twijfelcheck #1 van Juf Anna."
        )
        assert (card.buttons, card.read_at is not None) == ([], True)  # replaced, buttons gone


def test_advising_against_needs_a_reason(ctx: Context) -> None:
    request_id = submitted(ctx)
    refused = decide(ctx, Actor(DIRECTOR), request_id, "advise_against", "  ")
    assert not refused.ok
    assert "Geef een reden" in refused.text("nl")
    assert status(ctx, request_id) == "submitted"
    assert decide(ctx, Actor(DIRECTOR), request_id, "advise_against", "leerlingen herkenbaar").ok
    assert "Reden" not in inbox(ctx, ANNA)[0]
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        assert (row.status, row.comment) == ("advised_against", "leerlingen herkenbaar")


def test_talk_then_approve(ctx: Context) -> None:
    request_id = submitted(ctx)
    assert decide(ctx, Actor(DEPUTY), request_id, "talk").ok
    assert "wil twijfelcheck" in inbox(ctx, ANNA)[0]
    assert decide(ctx, Actor(DIRECTOR), request_id, "approve").ok
    assert status(ctx, request_id) == "approved"


def test_english_speaker_gets_english(ctx: Context) -> None:
    outcome = submit(ctx, Actor(BRAM), DRAFT)
    assert outcome.request_id is not None
    decide(ctx, Actor(DIRECTOR), outcome.request_id, "approve")
    assert "approved doubt check" in inbox(ctx, BRAM)[0]


def test_withdraw_cancels_reminders_and_tells_the_director(ctx: Context) -> None:
    request_id = submitted(ctx)
    inbox(ctx, DIRECTOR)
    assert withdraw(ctx, Actor(ANNA), request_id).ok
    assert status(ctx, request_id) == "withdrawn"
    assert "ingetrokken" in inbox(ctx, DIRECTOR)[0]
    with ctx.store.transaction() as session:
        states = set(session.scalars(select(ReminderRow.status)))
    assert states == {"cancelled"}
    again = decide(ctx, Actor(DIRECTOR), request_id, "approve")
    assert not again.ok
    assert "al ingetrokken" in again.text("nl")


def test_reminder_after_four_working_hours_then_deputy(ctx: Context, clock: ManualClock) -> None:
    request_id = submit(ctx, Actor(ANNA), DoubtDraft(text="Open dag zaterdag!")).request_id
    assert request_id is not None
    inbox(ctx, DIRECTOR)
    clock.advance(hours=3, minutes=59)
    assert inbox(ctx, DIRECTOR) == []
    clock.advance(minutes=1)
    [reminder] = inbox(ctx, DIRECTOR)
    assert "Herinnering" in reminder
    clock.set(datetime(2025, 3, 10, 16, 59, tzinfo=AMSTERDAM))
    assert inbox(ctx, DEPUTY) == []
    clock.set(datetime(2025, 3, 11, 8, 0, tzinfo=AMSTERDAM))  # 9:00 + 8 working hours
    [asked] = inbox(ctx, DEPUTY)
    assert "wil jij als adjunct kijken" in asked
    assert decide(ctx, Actor(DEPUTY), request_id, "approve").ok
    assert not any("bijgewerkt" in m for m in inbox(ctx, DEPUTY))  # the deputy decided
    told = inbox(ctx, DIRECTOR)
    assert any(m.startswith("(bijgewerkt) Adjunct Kofschip gaf akkoord") for m in told)
    assert "reminded" in actions(ctx, request_id)
    assert "deputy_asked" in actions(ctx, request_id)


def test_reminders_wait_for_working_hours(ctx: Context, clock: ManualClock) -> None:
    clock.set(datetime(2025, 3, 14, 15, 0, tzinfo=AMSTERDAM))  # Friday 15:00
    late = DoubtDraft(text="Fijn weekend allemaal!", publish_at=None)
    request_id = submit(ctx, Actor(ANNA), late).request_id
    inbox(ctx, DIRECTOR)
    clock.set(datetime(2025, 3, 15, 11, 0, tzinfo=AMSTERDAM))  # Saturday
    assert inbox(ctx, DIRECTOR) == []
    clock.set(datetime(2025, 3, 17, 9, 59, tzinfo=AMSTERDAM))  # Monday, 1:59 later in hours
    assert inbox(ctx, DIRECTOR) == []
    clock.set(datetime(2025, 3, 17, 10, 0, tzinfo=AMSTERDAM))
    assert "Herinnering" in inbox(ctx, DIRECTOR)[0]
    assert request_id is not None


def test_a_late_dispatcher_never_reminds_outside_working_hours(
    ctx: Context, clock: ManualClock
) -> None:
    submit(ctx, Actor(ANNA), DoubtDraft(text="Open dag zaterdag!"))
    inbox(ctx, DIRECTOR)
    clock.set(datetime(2025, 3, 10, 21, 0, tzinfo=AMSTERDAM))  # dispatcher down until 21:00
    assert inbox(ctx, DIRECTOR) == []
    clock.set(datetime(2025, 3, 11, 8, 0, tzinfo=AMSTERDAM))
    assert "Herinnering" in inbox(ctx, DIRECTOR)[0]


def test_expires_after_publish_time_plus_grace(ctx: Context, clock: ManualClock) -> None:
    request_id = submitted(ctx)
    inbox(ctx, DIRECTOR)
    clock.set(datetime(2025, 3, 10, 15, 59, tzinfo=AMSTERDAM))
    inbox(ctx, ANNA)
    assert status(ctx, request_id) == "waiting"
    clock.advance(minutes=1)
    assert any("verlopen" in m for m in inbox(ctx, ANNA))
    assert status(ctx, request_id) == "expired"
    assert any("verlopen" in m for m in inbox(ctx, DIRECTOR))


def test_a_repeated_platform_event_creates_one_request(ctx: Context) -> None:
    first = submit(ctx, Actor(ANNA), DRAFT, dedup_key="slack-event-1")
    second = submit(ctx, Actor(ANNA), DRAFT, dedup_key="slack-event-1")
    assert first.request_id == second.request_id
    with ctx.store.transaction() as session:
        assert len(list(session.scalars(select(RequestRow.id)))) == 1


def test_someone_unplaced_picks_a_school_once(ctx: Context) -> None:
    stranger = Actor("nieuw@gmail.example")
    refused = submit(ctx, stranger, DRAFT)
    assert (refused.ok, refused.code) == (False, "no_school")
    choose_school(ctx, stranger.email, "regenboog")
    outcome = submit(ctx, stranger, DRAFT)
    assert outcome.ok
    assert "Directeur Regenboog" in outcome.text("nl")


def test_clock_is_utc_in_the_database(ctx: Context) -> None:
    request_id = submitted(ctx)
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        assert row.created_at == ctx.clock.now()
        assert row.created_at.utcoffset() == timedelta(0)
