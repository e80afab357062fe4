"""The B.2 escalation in Slack: modal, thread with a live status line, reminders in the thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack import modals
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import RequestRow
from tests.slack.conftest import USER
from tests.slack.workflow_world import (
    DIRECTOR,
    EVA,
    WorkflowWorld,
    action_ids,
    text_of,
    workflow_context,
)
from tests.workflows.conftest import MONDAY_9AM

GROUP = "G" + "-".join(sorted([USER, DIRECTOR]))
CHANNEL_ORG = """
foundation: Stichting Proles/ABOL
people:
  - {email: dir@kofschip.example, name: Directeur Kofschip, slack_id: U0DIR}
  - {email: anna@kofschip.example, name: Juf Anna}
schools:
  - id: kofschip
    name: Het Kofschip
    directors: [dir@kofschip.example]
    staff: [anna@kofschip.example]
    escalation_channel: {slack: C0ESCAL}
"""


def make_world(assistant: Assistant, tmp_path: Path, org: Path | None = None) -> WorkflowWorld:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    clock = ManualClock(MONDAY_9AM)
    ctx = workflow_context(store, clock, org) if org else workflow_context(store, clock)
    return WorkflowWorld(assistant, ctx)


@pytest.fixture
def flow(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    world = make_world(assistant, tmp_path)
    yield world
    world.close()
    world.ctx.store.dispose()


def escalate(flow: WorkflowWorld) -> dict[str, object]:
    """/escaleer, fill in the modal; the parent message of the thread once delivered."""
    assert flow.command("/escaleer") == 200
    view = flow.opened_view()
    assert view["callback_id"] == modals.ESCALATION_VIEW
    values = {
        "links": "https://facebook.com/groups/ouders/posts/1",
        "platform": "option:Facebook",
        "what": "Ouders vallen elkaar aan onder een post",
        "urgency": "option:nu",
    }
    answer = flow.submit(view, values)
    assert answer["response_action"] == "update"
    flow.dispatch()
    return flow.slack.in_channel(GROUP)[0]


def test_the_thread_opens_in_a_group_dm_with_status_and_buttons(flow: WorkflowWorld) -> None:
    parent = escalate(flow)

    opened = [c.args["users"] for c in flow.slack.of("conversations.open")]
    assert f"{USER},{DIRECTOR}" in opened or f"{DIRECTOR},{USER}" in opened
    assert action_ids(parent) == ["acknowledge", "resolve"]
    assert "Status: *open" in text_of(parent)
    [alert] = flow.slack.in_channel(f"D{DIRECTOR}")
    assert "Escalatie #1" in text_of(alert)
    with flow.ctx.store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None and request.thread_ref == f"{GROUP}:{parent['ts']}"


def test_acknowledge_and_resolve_post_in_the_thread_and_update_the_parent(
    flow: WorkflowWorld,
) -> None:
    parent = escalate(flow)

    flow.press_on(parent, GROUP, "acknowledge", user=DIRECTOR)
    flow.settle(0.2)
    flow.dispatch()
    parent = flow.slack.in_channel(GROUP)[0]
    assert "ontvangen" in text_of(parent)
    assert action_ids(parent) == ["acknowledge", "resolve"]

    flow.press_on(parent, GROUP, "resolve", user=DIRECTOR)
    note_view = flow.opened_view()
    flow.submit(note_view, {"comment": "Gebeld met de ouders"}, user=DIRECTOR)
    flow.dispatch()

    parent = flow.slack.in_channel(GROUP)[0]
    replies = flow.slack.in_channel(GROUP, thread=str(parent["ts"]))
    assert "opgelost" in text_of(parent) and action_ids(parent) == []
    assert len(replies) == 2
    assert "Gebeld met de ouders" in text_of(replies[1])


def test_the_reminder_goes_into_the_thread(flow: WorkflowWorld) -> None:
    parent = escalate(flow)

    flow.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    flow.dispatch()

    [reminder] = flow.slack.in_channel(GROUP, thread=str(parent["ts"]))
    assert f"<@{DIRECTOR}>" in text_of(reminder)


def test_another_schools_staff_cannot_acknowledge(flow: WorkflowWorld) -> None:
    parent = escalate(flow)

    flow.press_on(parent, GROUP, "acknowledge", user=EVA)

    [notice] = flow.wait_for("response_url")
    assert notice.args["response_type"] == "ephemeral"


def test_a_configured_channel_gets_the_thread(assistant: Assistant, tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text(CHANNEL_ORG, encoding="utf-8")
    world = make_world(assistant, tmp_path, org)
    try:
        world.command("/escaleer")
        world.submit(
            world.opened_view(), {"links": "geen", "what": "Ruzie", "urgency": "option:nu"}
        )
        world.dispatch()
        [parent] = world.slack.in_channel("C0ESCAL")
        assert action_ids(parent) == ["acknowledge", "resolve"]
    finally:
        world.close()
        world.ctx.store.dispose()


def test_the_shortcuts_open_the_modal_prefilled(flow: WorkflowWorld) -> None:
    flow.interact(
        {
            "type": "shortcut",
            "callback_id": "escalate_global",
            "trigger_id": "t",
            "team": {"id": "T1"},
            "user": {"id": USER},
        }
    )
    assert flow.opened_view()["callback_id"] == modals.ESCALATION_VIEW
    flow.interact(
        {
            "type": "message_action",
            "callback_id": "escalate_message",
            "trigger_id": "t",
            "team": {"id": "T1"},
            "user": {"id": USER},
            "channel": {"id": "C1"},
            "message": {"type": "message", "text": "Wat een onzin", "ts": "1700000000.000300"},
            "response_url": flow.slack.response_url("shortcut"),
        }
    )
    view = flow.opened_view()
    assert view["blocks"][0]["element"]["initial_value"].startswith("https://school.slack.com/")
    assert view["blocks"][2]["element"]["initial_value"] == "Wat een onzin"


def test_a_note_goes_into_the_thread_and_its_outcome_to_the_author(flow: WorkflowWorld) -> None:
    parent = escalate(flow)

    assert flow.command("/notitie", "1 Screenshot gemaakt") == 200
    [told] = flow.wait_for("response_url")
    flow.dispatch()

    assert told.args["response_type"] == "ephemeral"
    assert "#1" in told.args["text"]
    replies = flow.slack.in_channel(GROUP, thread=str(parent["ts"]))
    assert "Screenshot gemaakt" in text_of(replies[-1])
    assert flow.command("/notitie", "zonder nummer") == 200
    assert "Gebruik" in flow.wait_for("response_url", 2)[-1].args["text"]
