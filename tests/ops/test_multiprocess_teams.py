"""Three `policybot serve` processes on one PostgreSQL database, with Teams.

Every process runs its dispatcher, and every one of them delivers Teams messages through the
connector stand-in the activities name as their `serviceUrl`. Activities go to the processes
over real HTTP (authentication off: no MICROSOFT_APP_ID, and POLICYBOT_TEAMS_INSECURE_LOCAL=1,
so replies go to the loopback stand-in only). Each outbox message must reach
Teams once, also when the connector is slower than the outbox's backoff. Needs
POLICYBOT_TEST_DATABASE_URL (a schema of its own, dropped at the end); skipped without it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.store.db import Store
from bot.store.models import ProcessedCommand, RequestRow
from tests.ops.cluster import (
    Node,
    SlackStandIn,
    all_delivered,
    describe,
    empty_tables,
    errors,
    nodes,
    outbox,
    pg_schema,
    slack_stand_in,
    wait_until,
)
from tests.ops.conftest import Answer
from tests.ops.teams_stand_in import ConnectorStandIn, Person, activity, connector_stand_in
from tests.teams.conftest import Call, card_of, texts

ANNA = Person("aaaaaaaa-0000-0000-0000-000000000001", "29:1anna", "Juf Anna", "a:anna")
DIRECTOR = Person("aaaaaaaa-0000-0000-0000-0000000000d1", "29:1dir", "Directeur", "a:director")
DEPUTY = Person("aaaaaaaa-0000-0000-0000-0000000000d2", "29:1dep", "Adjunct", "a:deputy")
ORG = f"""\
foundation: Stichting Proles/ABOL
people:
  - {{email: dir@kofschip.example, name: Directeur Kofschip, teams_id: {DIRECTOR.aad}}}
  - {{email: deputy@kofschip.example, name: Adjunct Kofschip, teams_id: {DEPUTY.aad}}}
  - {{email: anna@kofschip.example, name: Juf Anna, teams_id: {ANNA.aad}}}
schools:
  - id: kofschip
    name: Het Kofschip
    directors: [dir@kofschip.example]
    deputies: [deputy@kofschip.example]
    staff: [anna@kofschip.example]
"""
CHECKS = 4
SLOW_SECONDS = 2.0  # a connector answer this late outlasts the backoff (0.5 s) four times


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackStandIn]:
    """Slack's side: the servers run Slack too, but these tests send it nothing."""
    with slack_stand_in() as running:
        yield running


@pytest.fixture(scope="module")
def connector() -> Iterator[ConnectorStandIn]:
    with connector_stand_in() as running:
        yield running


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, slack: SlackStandIn, pg_url: str
) -> Iterator[list[Node]]:
    """Three servers with the Teams organisation; a connector call may take 2 x 3 s + 1 s."""
    tmp: Path = tmp_path_factory.mktemp("teams-cluster")
    (tmp / "org.yaml").write_text(ORG, encoding="utf-8")
    with nodes(
        tmp,
        slack,
        ["a", "b", "c"],
        DATABASE_URL=pg_url,
        TEAMS_API_TIMEOUT_SECONDS="3",
        POLICYBOT_TEAMS_INSECURE_LOCAL="1",
    ) as started:
        yield started


@pytest.fixture
def store(pg_url: str, connector: ConnectorStandIn, cluster: list[Node]) -> Iterator[Store]:
    """The shared database, emptied but for the conversation references, which the servers
    remember having stored; everyone greets the bot (through different processes)."""
    opened = Store.open(pg_url)
    empty_tables(opened, keep={"teams_references"})
    connector.reset()
    for node, person in zip(cluster, (ANNA, DIRECTOR, DEPUTY), strict=True):
        assert say(node, connector, person, text="hallo").status == 200
    connector.reset()
    yield opened
    opened.dispose()
    assert errors(cluster) == []


def say(node: Node, connector: ConnectorStandIn, person: Person, **fields: Any) -> Answer:
    """POST an activity from `person` to `node`'s /api/messages."""
    body = activity(connector.service_url, person, f"act-{uuid.uuid4().hex[:12]}", **fields)
    return node.post_json("/api/messages", body)


def submit_doubt_check(node: Node, connector: ConnectorStandIn, draft: str, form: str) -> Answer:
    """Anna submits the doubt-check form `form` with `draft`."""
    values = {"action": "doubt_submit", "lang": "nl", "draft": draft, "link": "", "when": "nu"}
    return say(node, connector, ANNA, value={**values, "platform": "Instagram"}, replyToId=form)


def with_text(calls: list[Call], text: str) -> list[Call]:
    """The calls whose message (its text, or its card's) shows `text`."""
    return [c for c in calls if any(text in shown for shown in shown_texts(c))]


def shown_texts(call: Call) -> list[str]:
    """The text of a message, or every text of its card."""
    if call.body.get("attachments"):
        return texts(card_of(call))
    return [str(call.body.get("text") or "")]


def test_doubt_checks_through_different_processes_reach_teams_once(
    cluster: list[Node], connector: ConnectorStandIn, store: Store
) -> None:
    for n in range(CHECKS):
        answer = submit_doubt_check(cluster[n % 3], connector, f"Concept {n}", f"form-{n}")
        assert answer.status == 200
    # The same form again, through another process: told so, not sent again.
    assert submit_doubt_check(cluster[1], connector, "Concept 0", "form-0").status == 200

    rows = wait_until(
        lambda: all_delivered(store) if len(outbox(store)) == CHECKS else [],
        lambda: describe(outbox(store)),
    )
    assert [r.attempts for r in rows] == [1] * CHECKS
    to_director = connector.to(DIRECTOR)
    for n in range(CHECKS):
        assert len(with_text(to_director, f"Concept {n}")) == 1, n

    with store.transaction() as session:
        ids = sorted(r or 0 for r in session.scalars(select(ProcessedCommand.request_id)))
    assert len(ids) == CHECKS
    for n, request_id in enumerate(ids):
        # The director presses "akkoord" twice, through two processes at the same time.
        value = {"action": "approve", "request": str(request_id), "lang": "nl"}
        card = with_text(to_director, f"Concept {n}")[0]
        targets = [cluster[(n + 1) % 3], cluster[(n + 2) % 3]]
        with ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(say, node, connector, DIRECTOR, value=value, replyToId=card.reply_to)
                for node in targets
            ]
            assert [f.result().status for f in futures] == [200, 200]

    rows = wait_until(
        lambda: all_delivered(store) if len(outbox(store)) == 3 * CHECKS else [],
        lambda: describe(outbox(store)),
    )
    assert [r.attempts for r in rows] == [1] * len(rows)  # no row was ever taken twice
    to_anna = connector.to(ANNA)
    for request_id in ids:  # one decision each
        assert len(with_text(to_anna, f"gaf akkoord op twijfelcheck #{request_id}.")) == 1
    assert len(connector.to(DIRECTOR, "PUT")) == CHECKS  # each director card replaced once
    with store.transaction() as session:
        assert list(session.scalars(select(RequestRow.status))) == ["approved"] * CHECKS


def test_a_slow_connector_call_is_not_taken_over_by_another_process(
    cluster: list[Node], connector: ConnectorStandIn, store: Store
) -> None:
    # The connector takes the director's message at once but answers 2 s later, while the other
    # processes poll every 0.1 s with a backoff of 0.5 s: the lease must cover the call, or
    # another process finds nothing recorded yet and sends the message again.
    connector.answer_late(DIRECTOR, SLOW_SECONDS)
    assert submit_doubt_check(cluster[0], connector, "Langzaam concept", "form-slow").status == 200

    wait_until(lambda: connector.waiting() == 1, lambda: describe(outbox(store)))
    wait_until(lambda: connector.waiting() == 0, lambda: connector.calls())
    [row] = wait_until(lambda: all_delivered(store), lambda: describe(outbox(store)))

    assert row.attempts == 1
    assert len(with_text(connector.to(DIRECTOR), "Langzaam concept")) == 1
