"""The App Home tab: instructions, my open requests, and what waits for a director."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from tests.slack.conftest import USER
from tests.slack.workflow_world import DIRECTOR, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM


@pytest.fixture
def flow(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield world
    world.close()
    store.dispose()


def open_home(flow: WorkflowWorld, user: str, count: int) -> str:
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
    flow.send_event(event, event_id=f"EvHome{count}")
    call = flow.wait_for("views.publish", count)[-1]
    assert call.args["user_id"] == user
    assert call.args["view"]["type"] == "home"
    return json.dumps(call.args["view"], ensure_ascii=False)


def test_home_shows_how_to_use_it_and_the_requests(flow: WorkflowWorld) -> None:
    empty = open_home(flow, USER, 1)
    assert "/twijfel" in empty and "Mijn open verzoeken" in empty
    assert "Wacht op mij" not in empty

    flow.command("/twijfel")
    flow.submit(flow.opened_view(), {"draft": "Concept voor Instagram"})

    mine = open_home(flow, USER, 2)
    waiting = open_home(flow, DIRECTOR, 3)
    assert "#1" in mine
    assert "Wacht op mij" in waiting and "#1" in waiting.split("Wacht op mij")[1]
