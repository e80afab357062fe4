"""What the workflows say reads right: no notification of one's own action, good Dutch for
every state, and a resolution note labelled as one."""

from __future__ import annotations

from bot.workflows.base import Actor, Context
from bot.workflows.doubt_check import DoubtDraft, decide, submit
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note
from bot.workflows.queries import show
from tests.workflows.conftest import ANNA, DIRECTOR, inbox

REPORT = EscalationInput((), "Facebook", "Ouders schelden in de oudergroep")


def doubt_check(ctx: Context) -> int:
    outcome = submit(ctx, Actor(ANNA), DoubtDraft(text="Open dag zaterdag!"))
    assert outcome.request_id is not None
    inbox(ctx, DIRECTOR)
    return outcome.request_id


def escalation(ctx: Context) -> int:
    outcome = open_escalation(ctx, Actor(ANNA), REPORT)
    assert outcome.request_id is not None
    inbox(ctx, DIRECTOR)
    inbox(ctx, ANNA)
    return outcome.request_id


def test_the_director_is_not_notified_of_their_own_decision(ctx: Context) -> None:
    request_id = doubt_check(ctx)
    assert decide(ctx, Actor(DIRECTOR), request_id, "talk").ok
    assert inbox(ctx, DIRECTOR) == []
    assert "wil twijfelcheck #1 even met je bespreken" in inbox(ctx, ANNA)[0]


def test_the_director_is_not_notified_of_their_own_escalation_steps(ctx: Context) -> None:
    request_id = escalation(ctx)
    assert acknowledge(ctx, Actor(DIRECTOR), request_id).ok
    assert add_note(ctx, Actor(DIRECTOR), request_id, "Ik bel de ouders").ok
    assert resolve(ctx, Actor(DIRECTOR), request_id, "Ouders gebeld").ok
    assert inbox(ctx, DIRECTOR) == []
    assert inbox(ctx, ANNA) == [
        "[Escalatie #1] Directeur Kofschip heeft de escalatie ontvangen en pakt het op.",
        "[#1] Notitie van Directeur Kofschip: Ik bel de ouders",
        "[Escalatie #1] Opgelost door Directeur Kofschip: Ouders gebeld",
    ]


def test_the_requesters_own_note_goes_to_the_director_only(ctx: Context) -> None:
    request_id = escalation(ctx)
    assert add_note(ctx, Actor(ANNA), request_id, "Nu ook op X").ok
    assert inbox(ctx, ANNA) == []
    assert inbox(ctx, DIRECTOR) == ["[#1] Notitie van Juf Anna: Nu ook op X"]


def test_talk_is_said_in_good_dutch(ctx: Context) -> None:
    request_id = doubt_check(ctx)
    talk = decide(ctx, Actor(DIRECTOR), request_id, "talk")
    assert talk.text("nl") == (
        "Vastgelegd: voor twijfelcheck #1 is overleg gevraagd. Juf Anna krijgt bericht."
    )
    assert talk.text("en") == (
        "Recorded: you asked to talk about doubt check #1. Juf Anna will be told."
    )
    assert decide(ctx, Actor(DIRECTOR), request_id, "approve").ok
    again = decide(ctx, Actor(DIRECTOR), request_id, "talk")
    assert again.text("nl") == "Verzoek #1 heeft al akkoord gekregen; dat kan nu niet meer."
    assert again.text("en") == "Request #1 has already been approved; that is no longer possible."


def test_every_state_refusal_reads_as_a_sentence(ctx: Context) -> None:
    request_id = escalation(ctx)
    assert resolve(ctx, Actor(DIRECTOR), request_id, "Ouders gebeld").ok
    late = acknowledge(ctx, Actor(DIRECTOR), request_id)
    assert late.text("nl") == "Verzoek #1 is al opgelost; dat kan nu niet meer."
    assert "is al overleg gevraagd" not in late.text("nl")


def test_a_resolution_note_is_not_labelled_a_decision(ctx: Context) -> None:
    request_id = escalation(ctx)
    assert resolve(ctx, Actor(DIRECTOR), request_id, "Ouders gebeld, berichten weg").ok
    shown = show(ctx, Actor(ANNA), request_id)
    assert "Afgesloten door Directeur Kofschip: Ouders gebeld, berichten weg" in shown.text("nl")
    assert "Closed by Directeur Kofschip: Ouders gebeld, berichten weg" in shown.text("en")
    assert "Besluit door" not in shown.text("nl")
    decided = doubt_check(ctx)
    assert decide(ctx, Actor(DIRECTOR), decided, "approve", "mooi zo").ok
    assert "Besluit door Directeur Kofschip: mooi zo" in show(ctx, Actor(ANNA), decided).text("nl")
