"""An answer Slack does not take is kept in the outbox and posted later, where it was asked.

End to end over loopback HTTP: a signed event, the listener's post failing at the Web API
stand-in (after slack_sdk's own retries), the outbox row, and the dispatcher's SlackPort.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.slack.chat_port import key_digest
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.kept_answers import AnswerQueue, Unposted, answer_key
from bot.models import IncomingMessage, Reply, UserRef
from bot.store.db import Store
from bot.store.models import OutboxRow
from bot.store.outbox import reply_from_json, reply_to_json
from tests.slack.conftest import CHANNEL, DM, LOST_RESPONSE, USER, dm_event, mention_event
from tests.slack.workflow_world import WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"
DOWN = (500, 500, 500)  # the post and slack_sdk's two retries


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def world(assistant: Assistant, store: Store) -> Iterator[WorkflowWorld]:
    """Slack with a database: the workflows, the outbox and its dispatcher."""
    running = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield running
    running.close()


def kept(store: Store) -> list[OutboxRow]:
    """The answers kept in the outbox."""
    with store.transaction() as session:
        rows = session.query(OutboxRow).filter(OutboxRow.key.startswith("answer:")).all()
    return list(rows)


def wait_until_kept(world: WorkflowWorld, count: int = 1) -> list[OutboxRow]:
    """Wait (running the server) until `count` answers are in the outbox."""

    async def poll() -> list[OutboxRow]:
        for _ in range(800):
            rows = await asyncio.to_thread(kept, world.ctx.store)
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.01)
        raise AssertionError("no answer was kept in the outbox")

    return world.run(poll())


def test_an_answer_slack_refuses_is_posted_later_in_the_same_conversation(
    world: WorkflowWorld,
) -> None:
    world.slack.answer_with("chat.postMessage", *DOWN)
    assert world.send_event(dm_event(PHOTOS), event_id="EvDown").status == 200

    [row] = wait_until_kept(world)
    failed = world.slack.of("chat.postMessage")
    assert len(failed) == 3 and world.slack.in_channel(DM) == []
    assert (row.status, row.attempts, row.platform) == ("pending", 1, "slack")
    assert world.dispatch() == 1

    [message] = world.slack.in_channel(DM)
    assert message["blocks"] == failed[0].args["blocks"]  # the answer as it would have been
    assert message["metadata"]["event_payload"]["key"] == key_digest(answer_key("slack", "EvDown"))
    [row] = kept(world.ctx.store)
    assert (row.status, row.message_ref) == ("delivered", f"{DM}:{message['ts']}")


def test_a_mention_answer_kept_for_later_goes_into_the_questions_thread(
    world: WorkflowWorld,
) -> None:
    world.slack.answer_with("chat.postMessage", *DOWN)
    world.send_event(mention_event(f"<@UBOT> {PHOTOS}"), event_id="EvThread")
    wait_until_kept(world)

    world.dispatch()

    [message] = world.slack.in_channel(CHANNEL)
    assert message["thread_ts"] == "1700000000.000300"  # under the question, not in a DM


def test_an_answer_that_landed_after_all_is_not_posted_again(world: WorkflowWorld) -> None:
    # Slack took the first post but its answer was lost; the retries failed: the answer is
    # kept, and the dispatcher finds it in the conversation by its key instead of posting.
    world.slack.answer_with("chat.postMessage", LOST_RESPONSE, 500, 500)
    world.send_event(dm_event(PHOTOS), event_id="EvLanded")
    wait_until_kept(world)

    world.dispatch()

    [message] = world.slack.in_channel(DM)
    assert len(world.slack.of("chat.postMessage")) == 3
    [row] = kept(world.ctx.store)
    assert (row.status, row.message_ref) == ("delivered", f"{DM}:{message['ts']}")


def test_an_answer_slack_took_is_not_kept(world: WorkflowWorld) -> None:
    world.send_event(dm_event(PHOTOS), event_id="EvFine")
    [call] = world.wait_for("chat.postMessage")

    assert call.args["metadata"]["event_payload"]["key"] == key_digest(
        answer_key("slack", "EvFine")
    )
    world.settle()
    assert kept(world.ctx.store) == []


def test_an_answer_is_kept_once(world: WorkflowWorld) -> None:
    answers = AnswerQueue(world.ctx.store, world.ctx.clock, "slack")
    unposted = Unposted("EvTwice", USER, DM, None, _notice(), "HTTP 500")

    assert answers.keep(unposted) is True
    assert answers.keep(unposted) is False
    assert len(kept(world.ctx.store)) == 1


def test_an_answer_survives_the_outbox_json(assistant: Assistant) -> None:
    reply = assistant.handle(IncomingMessage(text=PHOTOS, user=UserRef("slack", USER)))
    assert reply.kind == "answer" and reply.quote is not None

    assert reply_from_json(reply_to_json(reply)) == reply


def test_a_notification_stays_a_notice_in_the_outbox_json() -> None:
    notice = _notice()
    assert reply_from_json(reply_to_json(notice)) == notice
    assert "answer" not in reply_to_json(notice)


def _notice() -> Reply:
    return Reply(kind="notice", lang="nl", text="Hallo")


def test_an_answer_is_lost_with_an_error_line_when_the_database_fails_too(
    world: WorkflowWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with world.ctx.store.transaction() as session:
        session.execute(text("DROP TABLE outbox"))  # the database refuses the write
    answers = AnswerQueue(world.ctx.store, world.ctx.clock, "slack")
    unposted = Unposted("EvBoth", USER, DM, None, _notice(), "HTTP 500")

    with caplog.at_level(logging.ERROR, logger="policybot.answers"):
        world.run(answers.keep_from_loop(unposted))  # does not raise

    assert [r.getMessage() for r in caplog.records if r.name == "policybot.answers"] == [
        "slack: the answer to event EvBoth is lost: OperationalError"
    ]
