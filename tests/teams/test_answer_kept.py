"""An answer the Bot Connector does not take is kept in the outbox and sent later.

Over loopback HTTP into the real route: the question's reply fails at the connector stand-in
(after the bot's own retries), the answer is kept, and the dispatcher's TeamsChat sends it, as
the same answer card, into the person's chat with the bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import OutboxRow
from tests.teams.conftest import AAD, card_of, texts
from tests.teams.workflow_world import PEOPLE, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


@pytest.fixture
def wf(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    store = Store.open(f"sqlite:///{tmp_path / 'teams.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield world
    world.close()
    store.dispose()


def kept(store: Store) -> list[OutboxRow]:
    with store.transaction() as session:
        return list(session.query(OutboxRow).filter(OutboxRow.key.startswith("answer:")).all())


def test_an_answer_the_connector_refuses_is_sent_later_as_the_same_card(
    wf: WorkflowWorld,
) -> None:
    wf.say(AAD, "hallo")  # the bot has Anna's conversation reference
    wf.connector.calls.clear()
    wf.connector.answer_with(500, 500, 500)  # the reply and the bot's two retries

    wf.say(AAD, PHOTOS, id="q-1")

    failed = list(wf.connector.calls)
    assert len(failed) == 3
    [row] = kept(wf.ctx.store)
    assert (row.key, row.platform, row.status, row.attempts) == (
        "answer:teams:q-1",
        "teams",
        "pending",
        1,
    )
    assert wf.dispatch() == 1

    sent = wf.connector.calls[-1]
    assert sent.conversation == PEOPLE[AAD][2]
    shown = texts(card_of(sent))
    assert any("A.5" in text for text in shown)
    assert shown == [t for t in texts(card_of(failed[0])) if t in shown]  # no question echo
    assert kept(wf.ctx.store)[0].status == "delivered"


def test_an_answer_the_connector_took_is_not_kept(wf: WorkflowWorld) -> None:
    wf.say(AAD, PHOTOS, id="q-2")

    assert len(wf.connector.calls) == 1
    assert kept(wf.ctx.store) == []
