"""SlackPort through the outbox: failures are retried with backoff, and never sent twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import OutboxRow
from tests.slack.conftest import LOST_RESPONSE
from tests.slack.workflow_world import DIRECTOR, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

DIRECTOR_DM = f"D{DIRECTOR}"


@pytest.fixture
def flow(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield world
    world.close()
    store.dispose()


def submitted(flow: WorkflowWorld) -> None:
    flow.command("/twijfel")
    flow.submit(flow.opened_view(), {"draft": "Een concept"})


def row(flow: WorkflowWorld) -> OutboxRow:
    with flow.ctx.store.transaction() as session:
        found = session.get(OutboxRow, 1)
        assert found is not None
        return found


@pytest.mark.parametrize("status", [429, 500, 503])
def test_a_failing_web_api_is_retried_with_backoff(flow: WorkflowWorld, status: int) -> None:
    submitted(flow)
    flow.slack.answer_with("chat.postMessage", status)

    flow.dispatch()
    failed = row(flow)
    expected_error = "SlackRateLimited" if status == 429 else "SlackDeliveryError"
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 1, expected_error)
    assert flow.slack.in_channel(DIRECTOR_DM) == []
    assert flow.dispatch() == 0  # not due before the backoff delay

    flow.clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
    flow.dispatch()

    assert row(flow).status == "delivered"
    assert len(flow.slack.in_channel(DIRECTOR_DM)) == 1


def test_a_lost_response_is_found_by_its_metadata_and_not_sent_again(
    flow: WorkflowWorld,
) -> None:
    submitted(flow)
    flow.slack.answer_with("chat.postMessage", LOST_RESPONSE)

    flow.dispatch()
    assert len(flow.slack.in_channel(DIRECTOR_DM)) == 1
    assert row(flow).status == "pending"

    flow.clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
    flow.dispatch()

    [message] = flow.slack.in_channel(DIRECTOR_DM)
    delivered = row(flow)
    assert delivered.status == "delivered"
    assert delivered.message_ref == f"{DIRECTOR_DM}:{message['ts']}"
    assert len(flow.slack.of("chat.postMessage")) == 1
    history = flow.slack.of("conversations.history")[-1]
    assert history.args["include_all_metadata"] in ("true", "1", True)


def test_a_timeout_is_retried(assistant: Assistant, tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    try:
        port = world.ports["slack"]
        port.client.timeout = 1  # type: ignore[attr-defined]
        submitted(world)
        world.slack.delays["chat.postMessage"] = 1.5
        world.dispatch()
        with store.transaction() as session:
            first = session.get(OutboxRow, 1)
            assert first is not None and (first.status, first.attempts) == ("pending", 1)
        world.slack.delays.clear()
        world.clock.advance(timedelta(seconds=2))  # type: ignore[attr-defined]
        world.dispatch()
        with store.transaction() as session:
            done = session.get(OutboxRow, 1)
            assert done is not None and done.status == "delivered"
        # The timed-out post did land; find_sent saw it, so there is still only one.
        assert len(world.slack.in_channel(DIRECTOR_DM)) == 1
    finally:
        world.close()
        store.dispose()


def test_the_dispatcher_runs_in_the_background_of_the_web_app(flow: WorkflowWorld) -> None:
    from aiohttp import web

    from adapters.ops import dispatcher_in_background

    app = web.Application()
    app.cleanup_ctx.append(dispatcher_in_background(flow.dispatcher, interval=0.05))
    runner = web.AppRunner(app)
    flow.run(runner.setup())
    try:
        submitted(flow)
        flow.wait_for("chat.postMessage")
    finally:
        flow.run(runner.cleanup())
    assert row(flow).status == "delivered"


def test_slack_retry_after_is_honoured_by_the_outbox(flow: WorkflowWorld) -> None:
    submitted(flow)
    flow.slack.answer_with("chat.postMessage", 429)
    before = flow.clock.now()
    flow.dispatch()
    failed = row(flow)
    assert failed.last_error == "SlackRateLimited"
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at >= before + timedelta(seconds=1)  # the stand-in's Retry-After
