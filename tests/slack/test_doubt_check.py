"""The B.3 doubt check in Slack, end to end over loopback HTTP with signed requests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.slack import modals
from adapters.slack.chat_port import key_digest
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import OutboxRow, RequestRow
from tests.slack.conftest import USER
from tests.slack.workflow_world import (
    BRAM,
    DIRECTOR,
    WorkflowWorld,
    action_ids,
    text_of,
    workflow_context,
)
from tests.workflows.conftest import MONDAY_9AM

DRAFT = "Leuke foto van groep 8 op het schoolreisje!"
DIRECTOR_DM = f"D{DIRECTOR}"
ANNA_DM = f"D{USER}"


@pytest.fixture
def flow(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    """A workflow world on SQLite, Monday 09:00 in Amsterdam."""
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield world
    world.close()
    store.dispose()


def submit_doubt(flow: WorkflowWorld) -> dict[str, object]:
    """Press "Vraag mijn directeur" on a B.3 answer and submit the modal; the ack's JSON."""
    assert flow.press("doubt_check", "B3", block_id="choices|nl").status == 200
    view = flow.opened_view()
    assert view["callback_id"] == modals.DOUBT_VIEW
    values = {"draft": DRAFT, "link": "", "platform": "option:Instagram", "when": "morgen 09:00"}
    answer = flow.submit(view, values)
    assert isinstance(answer, dict)
    return answer


def director_message(flow: WorkflowWorld) -> dict[str, object]:
    """The doubt check in the director's DM."""
    flow.dispatch()
    [message] = flow.slack.in_channel(DIRECTOR_DM)
    return message


def test_the_button_opens_the_modal_and_the_submission_reaches_the_director(
    flow: WorkflowWorld,
) -> None:
    answer = submit_doubt(flow)

    assert answer["response_action"] == "update"
    assert "Directeur Kofschip" in str(answer["view"])
    message = director_message(flow)
    assert action_ids(message) == ["approve", "advise_against", "talk"]
    assert "schoolreisje" in text_of(message)
    assert "/akkoord" not in text_of(message)  # Slack has the buttons, not the commands
    assert message["metadata"] == {
        "event_type": "policybot_message",
        "event_payload": {"key": key_digest("r1:submitted:dir@kofschip.example")},
    }
    with flow.ctx.store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None
        assert (request.status, request.medium, request.platform) == (
            "waiting",
            "Instagram",
            "slack",
        )


def test_advise_against_asks_a_reason_then_updates_in_place_and_tells_the_requester(
    flow: WorkflowWorld,
) -> None:
    submit_doubt(flow)
    message = director_message(flow)

    flow.press_on(message, DIRECTOR_DM, "advise_against", user=DIRECTOR)
    comment_view = flow.opened_view()
    assert comment_view["callback_id"] == modals.COMMENT_VIEW
    assert comment_view["blocks"][0]["optional"] is False
    assert (
        flow.submit(comment_view, {"comment": "Geen toestemming van ouders"}, user=DIRECTOR) == ""
    )
    flow.dispatch()

    update = flow.slack.of("chat.update")[-1]
    assert (update.args["channel"], update.args["ts"]) == (DIRECTOR_DM, message["ts"])
    assert action_ids(flow.slack.in_channel(DIRECTOR_DM)[0]) == []
    [told] = flow.slack.in_channel(ANNA_DM)
    assert "Geen toestemming van ouders" in text_of(told)


def test_approve_is_one_click(flow: WorkflowWorld) -> None:
    submit_doubt(flow)
    message = director_message(flow)

    flow.press_on(message, DIRECTOR_DM, "approve", user=DIRECTOR)
    flow.settle(0.2)
    flow.dispatch()

    with flow.ctx.store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None and request.status == "approved"
    assert "akkoord" in text_of(flow.slack.in_channel(ANNA_DM)[0]).lower()


def test_someone_else_pressing_gets_the_domains_refusal_only_for_them(
    flow: WorkflowWorld,
) -> None:
    submit_doubt(flow)
    message = director_message(flow)

    flow.press_on(message, DIRECTOR_DM, "approve", user=BRAM)
    [notice] = flow.wait_for("response_url")

    assert notice.args["response_type"] == "ephemeral"
    assert notice.args["replace_original"] is False
    assert "directeur" in notice.args["text"].lower()
    with flow.ctx.store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None and request.status == "waiting"


def test_a_reason_is_required_to_advise_against(flow: WorkflowWorld) -> None:
    submit_doubt(flow)
    message = director_message(flow)
    flow.press_on(message, DIRECTOR_DM, "advise_against", user=DIRECTOR)

    answer = flow.submit(flow.opened_view(), {"comment": "  "}, user=DIRECTOR)

    assert answer["response_action"] == "errors"
    assert "comment" in answer["errors"]


def test_twijfel_and_the_message_shortcut_prefill_the_modal(flow: WorkflowWorld) -> None:
    assert flow.command("/twijfel", "mijn concept") == 200
    assert flow.opened_view()["blocks"][0]["element"]["initial_value"] == "mijn concept"

    flow.interact(
        {
            "type": "message_action",
            "callback_id": "doubt_check_message",
            "trigger_id": "t",
            "team": {"id": "T1"},
            "user": {"id": USER},
            "channel": {"id": "C1"},
            "message": {"type": "message", "text": DRAFT, "ts": "1700000000.000300"},
            "response_url": flow.slack.response_url("shortcut"),
        }
    )
    assert flow.opened_view()["blocks"][0]["element"]["initial_value"] == DRAFT


def test_a_bad_publish_time_is_a_field_error(flow: WorkflowWorld) -> None:
    flow.command("/twijfel")
    answer = flow.submit(flow.opened_view(), {"draft": DRAFT, "when": "gisteren ergens"})

    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["when"]


def test_a_resubmitted_view_sends_once(flow: WorkflowWorld) -> None:
    flow.command("/twijfel")
    view = flow.opened_view()
    flow.submit(view, {"draft": DRAFT}, view_id="VSAME")
    flow.submit(view, {"draft": DRAFT}, view_id="VSAME")

    with flow.ctx.store.transaction() as session:
        assert session.query(OutboxRow).count() == 1


def test_someone_the_org_file_cannot_place_picks_a_school_once(flow: WorkflowWorld) -> None:
    flow.slack.emails["U0ZOE"] = "zoe@elders.example"
    flow.command("/twijfel", user="U0ZOE")

    answer = flow.submit(flow.opened_view(), {"draft": DRAFT}, user="U0ZOE", view_id="VZ")
    assert answer["response_action"] == "update"
    picker = answer["view"]
    [schools] = [b for b in picker["blocks"] if b["type"] == "actions"]
    kofschip = next(e for e in schools["elements"] if e["value"] == "kofschip")
    flow.interact(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U0ZOE"},
            "trigger_id": "t",
            "container": {"type": "view", "view_id": "VZ"},
            "view": {**picker, "id": "VZ"},
            "actions": [{**kofschip, "block_id": "schools", "action_ts": "1"}],
        }
    )

    [update] = flow.wait_for("views.update")
    assert update.args["view_id"] == "VZ"
    assert "Directeur Kofschip" in str(update.args["view"])
    flow.dispatch()
    assert len(flow.slack.in_channel(DIRECTOR_DM)) == 1
    flow.command("/twijfel", user="U0ZOE")
    again = flow.submit(flow.opened_view(), {"draft": "Nog een"}, user="U0ZOE", view_id="VZ2")
    assert "Directeur Kofschip" in str(again["view"])


def test_the_requester_withdraws_and_the_directors_message_is_updated(
    flow: WorkflowWorld,
) -> None:
    submit_doubt(flow)
    message = director_message(flow)

    assert flow.command("/intrekken", "1", user=BRAM) == 200
    assert "aanvrager" in flow.wait_for("response_url")[-1].args["text"].lower()
    assert flow.command("/intrekken", "#1") == 200
    flow.wait_for("response_url", 2)
    flow.dispatch()

    update = flow.slack.of("chat.update")[-1]
    assert update.args["ts"] == message["ts"]
    assert action_ids(flow.slack.in_channel(DIRECTOR_DM)[0]) == []


def requests_stored(flow: WorkflowWorld) -> int:
    """How many doubt checks and escalations the database holds."""
    with flow.ctx.store.transaction() as session:
        return session.query(RequestRow).count()


def test_when_slack_cannot_say_who_submits_the_form_stays_open_to_send_again(
    flow: WorkflowWorld,
) -> None:
    flow.services.identities.lookup_seconds = 0.5
    flow.slack.answer_with("users.info", *[500] * 20)  # Bram is known by email only
    flow.command("/twijfel", user=BRAM)
    view = flow.opened_view()

    refused = flow.submit(view, {"draft": DRAFT}, user=BRAM, view_id="VB")
    flow.slack.scripts["users.info"].clear()  # Slack is back
    sent = flow.submit(view, {"draft": DRAFT}, user=BRAM, view_id="VB")

    assert refused["response_action"] == "errors"
    assert refused["errors"]["draft"].startswith("Niet verstuurd: Slack kon me net niet")
    assert sent["response_action"] == "update"
    assert "Directeur Kofschip" in str(sent["view"])
    assert requests_stored(flow) == 1


def test_a_slow_users_info_still_lets_the_submission_be_answered_in_time(
    flow: WorkflowWorld,
) -> None:
    flow.services.identities.lookup_seconds = 0.3
    flow.slack.delays["users.info"] = 2.0  # past the budget: Bolt must still get its ack
    flow.command("/twijfel", user=BRAM)

    answer = flow.submit(flow.opened_view(), {"draft": DRAFT}, user=BRAM, view_id="VB")

    assert answer["response_action"] == "errors"
    assert "Slack" in answer["errors"]["draft"]
    assert requests_stored(flow) == 0


def test_someone_slack_has_no_email_for_is_told_who_can_fix_it(flow: WorkflowWorld) -> None:
    flow.command("/twijfel", user="U0NOBODY")  # users.info answers, without an email

    answer = flow.submit(flow.opened_view(), {"draft": DRAFT}, user="U0NOBODY", view_id="VN")

    assert answer["response_action"] == "update"
    assert "slack_id" in str(answer["view"])
    assert requests_stored(flow) == 0


def test_a_command_while_slack_cannot_say_who_asks_says_so(flow: WorkflowWorld) -> None:
    flow.services.identities.lookup_seconds = 0.5
    flow.slack.answer_with("users.info", *[500] * 20)

    assert flow.command("/intrekken", "1", user=BRAM) == 200

    said = flow.wait_for("response_url")[-1].args["text"]
    assert said.startswith("Niet verstuurd: Slack kon me net niet")
    assert "Please try again" in said
