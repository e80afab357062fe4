"""Three `policybot serve` processes on one PostgreSQL database, each running its dispatcher.

Slack's side is one stand-in that records which process made every Web API call. Requests go
to the processes over real HTTP, signed like Slack's. Needs POLICYBOT_TEST_DATABASE_URL (the
tests use a schema of their own there, dropped at the end); skipped without it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.slack.chat_port import key_digest
from bot.store.db import Store
from bot.store.models import AuditEvent, ProcessedCommand, ReminderRow, RequestRow, SeenEvent
from tests.ops.cluster import (
    ANNA,
    DEPUTY,
    DEPUTY_EMAIL,
    DIRECTOR,
    DIRECTOR_EMAIL,
    Node,
    SlackStandIn,
    all_delivered,
    command,
    deliver_to_all,
    delivered_once,
    describe,
    dm,
    doubt_check,
    empty_tables,
    errors,
    nodes,
    opened_view,
    outbox,
    pg_schema,
    press,
    slack_stand_in,
    submit,
    wait_until,
)

QUESTION = "mag ik foto's van mijn klas op insta zetten?"
EVENTS = 24
CHECKS = 6


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def stand_in() -> Iterator[SlackStandIn]:
    with slack_stand_in() as running:
        yield running


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, stand_in: SlackStandIn, pg_url: str
) -> Iterator[list[Node]]:
    """Three servers; escalation reminders after 1.2 s (director) and 2.4 s (deputy)."""
    tmp: Path = tmp_path_factory.mktemp("cluster")
    with nodes(
        tmp,
        stand_in,
        ["a", "b", "c"],
        DATABASE_URL=pg_url,
        POLICYBOT_ESCALATION_REMIND_MINUTES="0.02",
        POLICYBOT_ESCALATION_DEPUTY_MINUTES="0.04",
    ) as started:
        yield started


@pytest.fixture
def store(pg_url: str, stand_in: SlackStandIn, cluster: list[Node]) -> Iterator[Store]:
    """The shared database, emptied, and a stand-in that forgot earlier tests."""
    opened = Store.open(pg_url)
    empty_tables(opened)
    stand_in.reset()
    yield opened
    opened.dispose()
    assert errors(cluster) == []


def skipped(cluster: list[Node], prefix: str) -> int:
    """How many deliveries of events named `prefix...` the servers skipped as repeats."""
    return sum(
        message.startswith(f"slack: repeated delivery of event {prefix}")
        for node in cluster
        for message in node.log_messages()
    )


def test_an_event_delivered_to_several_processes_at_once_is_answered_once(
    cluster: list[Node], stand_in: SlackStandIn, store: Store
) -> None:
    deliveries = 0
    with ThreadPoolExecutor(4) as pool:
        futures = []
        for n in range(EVENTS):
            targets = [cluster[(n + i) % 3] for i in range(2 + n % 2)]  # 2 or 3 processes
            futures.append(
                pool.submit(deliver_to_all, targets, dm(f"D{n:03}", QUESTION), f"EvM{n}")
            )
            deliveries += len(targets)
        statuses = [answer.status for f in futures for answer in f.result()]

    assert statuses == [200] * deliveries
    wait_until(
        lambda: skipped(cluster, "EvM") == deliveries - EVENTS,
        lambda: f"{skipped(cluster, 'EvM')} of {deliveries - EVENTS} repeats skipped",
    )
    wait_until(
        lambda: all(stand_in.messages(f"D{n:03}") for n in range(EVENTS)),
        lambda: stand_in.calls("chat.postMessage"),
    )
    answers = Counter(c.args["channel"] for c in stand_in.calls("chat.postMessage"))
    assert answers == Counter({f"D{n:03}": 1 for n in range(EVENTS)})
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SeenEvent)) == EVENTS


def test_doubt_checks_through_different_processes_are_delivered_exactly_once(
    cluster: list[Node], stand_in: SlackStandIn, store: Store
) -> None:
    for n in range(CHECKS):
        answer = doubt_check(
            cluster[n % 3], cluster[(n + 1) % 3], stand_in, f"Concept {n}", view_id=f"VM{n}"
        )
        assert answer.status == 200 and answer.json()["response_action"] == "update", answer
    # The same submission again, through a third process: answered, not sent again.
    again = submit(
        cluster[2], opened_view(stand_in, "trigger-VM0"), {"draft": "Concept 0"}, view_id="VM0"
    )
    assert again.status == 200 and again.json()["response_action"] == "update"
    with store.transaction() as session:
        ids = sorted(r or 0 for r in session.scalars(select(ProcessedCommand.request_id)))
    assert len(ids) == CHECKS

    for n, request_id in enumerate(ids):
        key = f"r{request_id}:submitted:{DIRECTOR_EMAIL}"
        channel, message = wait_until(
            partial(stand_in.message_with_key, key), lambda: describe(outbox(store))
        )
        # The director presses "akkoord" twice, through two processes at the same time.
        targets = [cluster[(n + 2) % 3], cluster[n % 3]]
        with ThreadPoolExecutor(2) as pool:
            futures = [
                pool.submit(press, node, stand_in, channel, message, "approve", user=DIRECTOR)
                for node in targets
            ]
            pressed = [f.result() for f in futures]
        assert [p.status for p in pressed] == [200, 200]

    rows = wait_until(
        lambda: all_delivered(store) if len(outbox(store)) == 3 * CHECKS else [],
        lambda: describe(outbox(store)),
    )
    assert set(delivered_once(stand_in, rows).values()) == {1}
    assert [r.attempts for r in rows] == [1] * len(rows)  # no row was ever taken twice
    updates = Counter((c.args["channel"], c.args["ts"]) for c in stand_in.calls("chat.update"))
    assert sorted(updates.values()) == [1] * CHECKS  # each director message replaced once
    assert len(stand_in.messages(f"D{ANNA}")) == CHECKS  # one decision each
    with store.transaction() as session:
        statuses = list(session.scalars(select(RequestRow.status)))
    assert statuses == ["approved"] * CHECKS
    # The press that lost the race was told so, only the director saw it.
    refusals = stand_in.calls("response_url")
    assert len(refusals) == CHECKS
    assert all(r.args["response_type"] == "ephemeral" for r in refusals)
    assert {c.args["_who"] for c in stand_in.calls("chat.postMessage")} <= {"a", "b", "c"}


def test_reminders_fire_once_with_three_dispatchers(
    cluster: list[Node], stand_in: SlackStandIn, store: Store
) -> None:
    assert command(cluster[0], stand_in, "/escaleer", trigger="trigger-E1").status == 200
    view = opened_view(stand_in, "trigger-E1")
    values = {"links": "geen", "what": "Ouders schelden op Facebook", "urgency": "option:nu"}
    answer = submit(cluster[1], view, values, view_id="VE1")
    assert answer.status == 200 and answer.json()["response_action"] == "update"

    def done() -> bool:
        with store.transaction() as session:
            reminders = list(session.scalars(select(ReminderRow.status)))
        return reminders == ["done", "done"] and len(all_delivered(store)) == 5

    wait_until(done, lambda: describe(outbox(store)))

    rows = outbox(store)
    [request_id] = {r.request_id for r in rows}
    keys = {r.key for r in rows}
    assert keys == {
        f"r{request_id}:opened:{DIRECTOR_EMAIL}",
        f"r{request_id}:thread",
        f"r{request_id}:reminder:{DIRECTOR_EMAIL}",
        f"r{request_id}:deputy:{DEPUTY_EMAIL}",
        f"r{request_id}:deputy_asked",
    }
    assert set(delivered_once(stand_in, rows).values()) == {1}
    reminder = stand_in.message_with_key(f"r{request_id}:reminder:{DIRECTOR_EMAIL}")
    assert reminder is not None and f"<@{DIRECTOR}>" in json.dumps(reminder[1])
    assert len(stand_in.messages(f"D{DEPUTY}")) == 1
    with store.transaction() as session:
        actions = Counter(session.scalars(select(AuditEvent.action)))
    assert (actions["reminded"], actions["deputy_asked"]) == (1, 1)
    assert key_digest(f"r{request_id}:reminder:{DIRECTOR_EMAIL}") in stand_in.posted_keys()


def test_a_slow_web_api_call_is_not_taken_over_by_another_process(
    cluster: list[Node], stand_in: SlackStandIn, store: Store
) -> None:
    # Slack answers the director's message after 2 s (the servers wait up to 5 s for it), while
    # the other processes poll every 0.1 s with a backoff of 0.5 s: the lease must cover the
    # call, or another process finds nothing yet, posts again, and then both messages land.
    stand_in.hold("chat.postMessage", effect="late", seconds=2)
    answer = doubt_check(cluster[0], cluster[1], stand_in, "Concept", view_id="VSLOW")
    assert answer.status == 200 and answer.json()["response_action"] == "update"
    wait_until(lambda: stand_in.calls("chat.postMessage"), lambda: stand_in.calls())
    wait_until(lambda: stand_in.holding() == 0, lambda: stand_in.calls())

    [row] = wait_until(lambda: all_delivered(store), lambda: describe(outbox(store)))

    assert row.attempts == 1
    assert len(stand_in.calls("chat.postMessage")) == 1
    assert set(delivered_once(stand_in, [row]).values()) == {1}
