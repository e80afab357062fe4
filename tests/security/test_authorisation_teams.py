"""The authorisation matrix again, through Teams' HTTP endpoint: every decision button of the
director's cards submitted by everyone who is not the director.

tests/teams/test_workflows.py shows one refusal (another school's director approving). Here each
of five actors submits each of the five decision actions (with a comment, so that only who they
are can stop it) as an Action.Submit from their own personal chat. Each must be told "not
yours" in that chat only, and the request, the outbox and the requester's chat must stay as
they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.teams.identity import unknown_user_text
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.models import OutboxRow, RequestRow
from bot.workflows import texts
from tests.security.conftest import ORG_FILE, crashes, open_store
from tests.teams.conftest import AAD, message
from tests.teams.workflow_world import (
    DEPUTY_AAD,
    DIRECTOR_AAD,
    OTHER_AAD,
    STRANGER_AAD,
    WorkflowWorld,
    workflow_context,
)
from tests.workflows.conftest import MONDAY_9AM

BRAM_AAD = "aaaaaaaa-0000-0000-0000-0000000000b1"  # listed in tests/security/org.yaml
EVA_AAD = "aaaaaaaa-0000-0000-0000-0000000000e2"
ACTORS = {
    "requester": AAD,
    "colleague": BRAM_AAD,
    "other-schools-staff": EVA_AAD,
    "other-schools-director": OTHER_AAD,
    "unknown-user": STRANGER_AAD,
}
ACTIONS = ("approve", "advise_against", "talk", "acknowledge", "resolve")


@dataclass
class Requests:
    """The world and Anna's two requests."""

    world: WorkflowWorld
    doubt: int
    escalation: int


def chat_of(aad: str) -> str:
    """The personal conversation id of the person with AAD object id `aad`."""
    return f"a:personal-{aad[-4:]}"


def from_person(
    world: WorkflowWorld, aad: str, value: dict[str, Any], *, card: str = "card-1"
) -> dict[str, Any]:
    """An Action.Submit on the card `card` from `aad`'s personal chat with the bot."""
    activity = message(world, None, value=value, replyToId=card, id=f"submit-{aad[-4:]}")
    activity["from"] = {"id": f"29:{aad[-4:]}", "name": "Iemand", "aadObjectId": aad}
    activity["conversation"] = {**activity["conversation"], "id": chat_of(aad)}
    return activity


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def requests(
    request: pytest.FixtureRequest,
    assistant: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Requests]:
    """Anna's doubt check and escalation, submitted through the route and delivered."""
    store = open_store(request.param, tmp_path_factory.mktemp("teams-authz"), request)
    world = WorkflowWorld(
        assistant, workflow_context(store, ManualClock(MONDAY_9AM), org_file=ORG_FILE)
    )
    try:
        for person in (AAD, DIRECTOR_AAD, DEPUTY_AAD):  # the bot can reach them: nothing fails
            world.say(person, "hallo")
        doubt = {
            "action": "doubt_submit",
            "lang": "nl",
            "draft": "Foto van de musical",
            "when": "nu",
        }
        escalation = {"action": "escalate_submit", "lang": "nl", "what": "Ruzie", "urgency": "nu"}
        for card, value in (("form-1", doubt), ("form-2", escalation)):
            assert world.send(from_person(world, AAD, value, card=card)).status == 200
        world.dispatch()
        world.connector.calls.clear()
        yield Requests(world, 1, 2)
    finally:
        world.close()
        store.dispose()


def state(world: WorkflowWorld) -> tuple[dict[int, str], int]:
    """Every request's status, and how many notifications the outbox holds."""
    with world.ctx.store.transaction() as session:
        statuses = {r.id: r.status for r in session.scalars(select(RequestRow))}
        return statuses, int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_director_may_submit_a_decision_in_teams(
    requests: Requests, caplog: pytest.LogCaptureFixture, actor: str, action: str
) -> None:
    world, aad = requests.world, ACTORS[actor]
    request_id = requests.escalation if action in ("acknowledge", "resolve") else requests.doubt
    value = {"action": action, "request": str(request_id), "lang": "nl", "comment": "Prima"}
    before = state(world)
    world.connector.calls.clear()

    answer = world.send(from_person(world, aad, value))
    world.dispatch()

    expected = (
        unknown_user_text(aad)
        if actor == "unknown-user"
        else texts.ONLY_LEADERS.nl.format(id=request_id)
    )
    assert answer.status == 200
    [reply] = world.connector.calls  # to the presser only: nobody else hears of it
    assert (reply.conversation, reply.body.get("text")) == (chat_of(aad), expected)
    assert state(world) == before
    assert crashes(caplog.records) == []
