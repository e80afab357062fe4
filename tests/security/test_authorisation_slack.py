"""The authorisation matrix again, through Slack's HTTP endpoint: every button of the director's
messages pressed by everyone who is not the director.

tests/workflows/test_authorisation.py proves the domain's 7x10 matrix; tests/slack shows one
refusal each for the doubt check and the escalation. Here each of five actors presses each of
the five decision buttons on the real messages the director received (a signed block_actions
payload, and for the buttons that ask a comment, the comment modal's submission too). Each
must be told "not yours" (only them), and the request, the outbox and the requester's inbox
must stay as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from adapters.slack import modals
from adapters.slack.workflows import UNKNOWN_USER
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.models import OutboxRow, RequestRow
from bot.workflows import texts
from tests.security.conftest import ORG_FILE, crashes, open_store
from tests.slack.conftest import USER
from tests.slack.workflow_world import BRAM, DIRECTOR, EVA, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

OTHER_DIRECTOR = "U0RDIR"  # dir@regenboog.example, found through users.info
STRANGER = "U0NOBODY"  # Slack tells no email: nobody the organisation knows
ACTORS = {
    "requester": USER,
    "colleague": BRAM,
    "other-schools-staff": EVA,
    "other-schools-director": OTHER_DIRECTOR,
    "unknown-user": STRANGER,
}
ONE_CLICK = ("approve", "acknowledge")
WITH_COMMENT = ("advise_against", "talk", "resolve")
GROUP = "G" + "-".join(sorted([USER, DIRECTOR]))


@dataclass
class Requests:
    """The world, and where the director's buttons for each request are."""

    world: WorkflowWorld
    doubt: int
    escalation: int
    doubt_message: dict[str, Any]
    escalation_parent: dict[str, Any]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def requests(
    request: pytest.FixtureRequest,
    assistant: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Requests]:
    """Anna's doubt check (waiting) and escalation (open), delivered to the director."""
    store = open_store(request.param, tmp_path_factory.mktemp("slack-authz"), request)
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM), ORG_FILE))
    world.slack.emails[OTHER_DIRECTOR] = "dir@regenboog.example"
    try:
        assert world.command("/twijfel") == 200
        world.submit(world.opened_view(), {"draft": "Foto van de musical op Instagram"})
        assert world.command("/escaleer") == 200
        values = {"links": "geen", "what": "Ruzie onder een post", "urgency": "option:nu"}
        world.submit(world.opened_view(), values, view_id="V2")
        world.dispatch()
        [doubt_message, _alert] = world.slack.in_channel(f"D{DIRECTOR}")
        [parent] = world.slack.in_channel(GROUP)
        yield Requests(world, 1, 2, doubt_message, parent)
    finally:
        world.close()
        store.dispose()


def state(world: WorkflowWorld) -> tuple[dict[int, str], int]:
    """Every request's status, and how many notifications the outbox holds."""
    with world.ctx.store.transaction() as session:
        statuses = {r.id: r.status for r in session.scalars(select(RequestRow))}
        return statuses, int(session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def refusal_for(actor: str, request_id: int) -> str:
    """What the actor is told: who they are not, or that the bot cannot place them."""
    if actor == "unknown-user":
        return UNKNOWN_USER.nl
    return texts.ONLY_LEADERS.nl.format(id=request_id)


@pytest.mark.parametrize("action", ONE_CLICK + WITH_COMMENT)
@pytest.mark.parametrize("actor", ACTORS)
def test_only_the_director_may_press_a_decision_button_in_slack(
    requests: Requests, caplog: pytest.LogCaptureFixture, actor: str, action: str
) -> None:
    world, user = requests.world, ACTORS[actor]
    is_doubt = action not in ("acknowledge", "resolve")
    message = requests.doubt_message if is_doubt else requests.escalation_parent
    channel = f"D{DIRECTOR}" if is_doubt else GROUP
    request_id = requests.doubt if is_doubt else requests.escalation
    before = state(world)
    told_before, opened_before = (
        len(world.slack.of("response_url")),
        len(world.slack.of("views.open")),
    )
    posted_before = len(world.slack.of("chat.postMessage"))

    world.press_on(message, channel, action, user=user)
    if action in WITH_COMMENT:
        view = world.opened_view(opened_before)
        assert view["callback_id"] == modals.COMMENT_VIEW
        answer = world.submit(view, {"comment": "Ik vind van wel"}, user=user)
        assert answer == {
            "response_action": "errors",
            "errors": {"comment": refusal_for(actor, request_id)[:150]},
        }
    else:
        notice = world.wait_for("response_url", told_before + 1)[-1]
        assert notice.args["response_type"] == "ephemeral"
        assert notice.args["replace_original"] is False
        assert notice.args["text"] == refusal_for(actor, request_id)
    world.dispatch()  # the refusal above was the listener's last step; nothing is due

    assert state(world) == before
    assert len(world.slack.of("chat.postMessage")) == posted_before  # nobody else was told
    assert crashes(caplog.records) == []
