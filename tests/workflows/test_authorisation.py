"""Authorisation as a matrix: every actor against every action, on both kinds of request.

Only the requester's school's directors and deputies decide, acknowledge and resolve; only the
requester withdraws; nobody else sees a request. Every refusal is audited and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.store.models import AuditEvent, RequestRow
from bot.workflows.base import Actor, Context, Outcome
from bot.workflows.doubt_check import DoubtDraft, decide, submit, withdraw
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note
from bot.workflows.queries import show
from tests.workflows.conftest import ANNA, BRAM, DEPUTY, DIRECTOR, EVA, OTHER_DIRECTOR

STRANGER = "someone@gmail.example"
ACTORS = {
    "requester": ANNA,
    "director": DIRECTOR,
    "deputy": DEPUTY,
    "colleague": BRAM,
    "other_director": OTHER_DIRECTOR,
    "other_staff": EVA,
    "stranger": STRANGER,
}
Act = Callable[[Context, Actor, int], Outcome]
DOUBT_ACTIONS: dict[str, Act] = {
    "view": show,
    "approve": lambda c, a, i: decide(c, a, i, "approve"),
    "advise_against": lambda c, a, i: decide(c, a, i, "advise_against", "liever niet"),
    "talk": lambda c, a, i: decide(c, a, i, "talk"),
    "withdraw": withdraw,
    "note": lambda c, a, i: add_note(c, a, i, "een notitie"),
}
ESCALATION_ACTIONS: dict[str, Act] = {
    "view": show,
    "acknowledge": acknowledge,
    "resolve": lambda c, a, i: resolve(c, a, i, "opgelost"),
    "note": lambda c, a, i: add_note(c, a, i, "een notitie"),
}
LEADERS = {"director", "deputy"}
DOUBT_ALLOWED = {
    "view": LEADERS | {"requester"},
    "approve": LEADERS,
    "advise_against": LEADERS,
    "talk": LEADERS,
    "withdraw": {"requester"},
    "note": LEADERS | {"requester"},
}
ESCALATION_ALLOWED = {
    "view": LEADERS | {"requester"},
    "acknowledge": LEADERS,
    "resolve": LEADERS,
    "note": LEADERS | {"requester"},
}


def _row(ctx: Context, request_id: int) -> tuple[str, int]:
    with ctx.store.transaction() as session:
        row = session.get(RequestRow, request_id)
        assert row is not None
        refusals = session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("refused:"))
        ).all()
        return row.status, len(refusals)


def _check(ctx: Context, act: Act, who: str, request_id: int, allowed: bool) -> None:
    before, _ = _row(ctx, request_id)
    outcome = act(ctx, Actor(ACTORS[who], "slack"), request_id)
    after, refusals = _row(ctx, request_id)
    assert outcome.ok is allowed, outcome.text("en")
    if not allowed:
        assert after == before
        assert refusals == 1
        assert outcome.text("nl") != outcome.text("en")
        with ctx.store.transaction() as session:
            event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert event is not None
            assert (event.actor, event.platform) == (ACTORS[who], "slack")


@pytest.mark.parametrize("action", sorted(DOUBT_ACTIONS))
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_doubt_check_matrix(ctx: Context, who: str, action: str) -> None:
    request_id = submit(ctx, Actor(ANNA), DoubtDraft(text="Morgen open dag!")).request_id
    assert request_id is not None
    _check(ctx, DOUBT_ACTIONS[action], who, request_id, who in DOUBT_ALLOWED[action])


@pytest.mark.parametrize("action", sorted(ESCALATION_ACTIONS))
@pytest.mark.parametrize("who", sorted(ACTORS))
def test_escalation_matrix(ctx: Context, who: str, action: str) -> None:
    report = EscalationInput((), "Facebook", "Ruzie in de oudergroep")
    request_id = open_escalation(ctx, Actor(ANNA), report).request_id
    assert request_id is not None
    _check(ctx, ESCALATION_ACTIONS[action], who, request_id, who in ESCALATION_ALLOWED[action])


def test_unknown_request_number_says_so(ctx: Context) -> None:
    outcome = decide(ctx, Actor(DIRECTOR), 999, "approve")
    assert (outcome.ok, outcome.code) == (False, "not_found")
    assert outcome.text("nl") == "Verzoek #999 bestaat niet."


def test_a_director_cannot_decide_their_own_request(ctx: Context) -> None:
    request_id = submit(ctx, Actor(DEPUTY), DoubtDraft(text="Open dag!")).request_id
    assert request_id is not None
    own = decide(ctx, Actor(DEPUTY), request_id, "approve")
    assert (own.ok, own.code) == (False, "own_request")
    assert decide(ctx, Actor(DIRECTOR), request_id, "approve").ok


def test_wrong_kind_is_refused(ctx: Context) -> None:
    report = EscalationInput((), "X", "Discussie")
    request_id = open_escalation(ctx, Actor(ANNA), report).request_id
    assert request_id is not None
    outcome = decide(ctx, Actor(DIRECTOR), request_id, "approve")
    assert (outcome.ok, outcome.code) == (False, "wrong_kind")
