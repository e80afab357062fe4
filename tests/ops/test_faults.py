"""Faults around real `policybot serve` processes; each ends with nothing lost, nothing twice.

- Slack's Web API answers 429 (with Retry-After), 500, or not in time (a timeout);
- kill -9 of the process that is delivering a doubt check;
- PostgreSQL restarts in the middle of a delivery (a TCP proxy cuts every connection and
  refuses new ones for a while; the shared PostgreSQL server itself is never touched);
- a full disk under SQLite (a file size limit put on the running server with prlimit).

A slow Web API with several processes is in test_multiprocess.py.
"""

from __future__ import annotations

import resource
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from adapters.slack.chat_port import key_digest
from bot.store.db import Store
from bot.store.models import OutboxRow, ProcessedCommand, RequestRow, SeenEvent
from tests.ops.cluster import (
    ANNA,
    DIRECTOR,
    DIRECTOR_EMAIL,
    Effect,
    Node,
    SlackStandIn,
    delivered_once,
    describe,
    dm,
    doubt_check,
    nodes,
    opened_view,
    outbox,
    pg_schema,
    press,
    send_event,
    slack_stand_in,
    submit,
    tcp_proxy,
    via_proxy,
    wait_until,
)
from tests.ops.conftest import Answer

QUESTION = "mag ik foto's van mijn klas op insta zetten?"
# A Web API call times out after 1 s, so a delivery's lease is 5 s (SlackPort.lease_seconds);
# were the process not killed, its own retry would wait 3 s: the other one takes over first.
HANDOVER = {"SLACK_API_TIMEOUT_SECONDS": "1", "POLICYBOT_OUTBOX_BACKOFF_SECONDS": "3"}


@pytest.fixture
def stand_in() -> Iterator[SlackStandIn]:
    with slack_stand_in() as running:
        yield running


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database (PostgreSQL: a schema of its own, skipped without one)."""
    if backend == "postgresql":
        with pg_schema() as url:
            yield url
        return
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    Store.open(url).dispose()  # migrated before several servers open it
    yield url


def request_id(store: Store, view_id: str) -> int:
    """The request a submitted view created."""
    with store.transaction() as session:
        found = session.get(ProcessedCommand, f"slack:view:{view_id}")
        assert found is not None and found.request_id is not None
        return found.request_id


def rows_of(store: Store, request: int, count: int) -> list[OutboxRow]:
    """The request's outbox rows once there are `count`, all delivered (else [])."""
    rows = [r for r in outbox(store) if r.request_id == request]
    done = len(rows) == count and all(r.status == "delivered" for r in rows)
    return rows if done else []


def delivered(store: Store, request: int, count: int) -> list[OutboxRow]:
    """Wait until the request's `count` outbox rows are all delivered."""
    return wait_until(lambda: rows_of(store, request, count), lambda: describe(outbox(store)))


def not_saved(answer: Answer, field: str) -> bool:
    """The view_submission answer keeps the form open with "not saved" at `field`."""
    errors = answer.json().get("errors", {}) if answer.status == 200 else {}
    return "Niet opgeslagen" in str(errors.get(field))


def approve(node: Node, stand_in: SlackStandIn, request: int) -> Answer:
    """The director presses "akkoord" on the doubt check's message, through `node`."""
    found = stand_in.message_with_key(f"r{request}:submitted:{DIRECTOR_EMAIL}")
    assert found is not None
    channel, message = found
    return press(node, stand_in, channel, message, "approve", user=DIRECTOR)


def approve_and_finish(
    node: Node, stand_in: SlackStandIn, store: Store, request: int, *, rows: int
) -> None:
    """The director approves through `node`; then the request's `rows` outbox rows are all
    delivered, each exactly once, and the requester has the decision."""
    assert approve(node, stand_in, request).status == 200

    done = delivered(store, request, rows)

    assert set(delivered_once(stand_in, done).values()) == {1}
    assert stand_in.message_with_key(f"r{request}:approved:requester") is not None
    with store.transaction() as session:
        row = session.get(RequestRow, request)
        assert row is not None and row.status == "approved"


def rounds_failed(node: Node) -> int:
    """How often the node's dispatcher logged a failed round (and went on)."""
    return node.log_messages().count("dispatcher round failed, retrying: OperationalError")


def failures(node: Node, outbox_id: int) -> list[str]:
    """The dispatcher's "delivery failed" log lines about one outbox row."""
    prefix = f"delivery failed: outbox={outbox_id} "
    return [m for m in node.log_messages() if m.startswith(prefix)]


@pytest.mark.parametrize(
    ("backend", "effect"),
    [("sqlite", "now"), ("postgresql", "never")],
    ids=["sqlite-slack-had-it", "postgresql-slack-never-got-it"],
)
def test_kill_9_of_the_delivering_process_hands_the_doubt_check_over(
    tmp_path: Path, stand_in: SlackStandIn, backend: str, effect: Effect
) -> None:
    # The first post hangs; Slack has the message already, or it never reached Slack.
    stand_in.hold("chat.postMessage", effect=effect)
    with (
        database(backend, tmp_path) as url,
        nodes(tmp_path, stand_in, ["a", "b"], DATABASE_URL=url, **HANDOVER) as cluster,
    ):
        store = Store.open(url)
        answer = doubt_check(cluster[0], cluster[1], stand_in, "Een concept", view_id="VK1")
        assert answer.status == 200 and answer.json()["response_action"] == "update"
        wait_until(stand_in.holding, lambda: stand_in.calls())
        [held] = stand_in.calls("chat.postMessage")
        victim = next(n for n in cluster if n.name == held.args["_who"])
        survivor = next(n for n in cluster if n is not victim)

        victim.kill()
        stand_in.release()
        request = request_id(store, "VK1")
        [row] = delivered(store, request, 1)

        assert set(delivered_once(stand_in, [row]).values()) == {1}
        assert row.attempts == 2
        lookups = [c.args["_who"] for c in stand_in.calls("conversations.history")]
        assert lookups == [survivor.name]  # find_sent, before posting anything
        posts = [c.args["_who"] for c in stand_in.calls("chat.postMessage")]
        assert posts == [victim.name] + ([survivor.name] if effect == "never" else [])
        with store.transaction() as session:
            found = session.get(RequestRow, request)
            assert found is not None and found.status == "waiting"
        # The decision flows back through the process that is left.
        approve_and_finish(survivor, stand_in, store, request, rows=3)
        assert len(stand_in.messages(f"D{ANNA}")) == 1
        store.dispose()


def test_postgresql_restarting_mid_delivery_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path, stand_in: SlackStandIn
) -> None:
    with pg_schema() as url, tcp_proxy(url) as proxy:
        store = Store.open(url)  # the test's own connection, around the proxy
        # Slack takes the director's message, but answers only when told to.
        stand_in.hold("chat.postMessage", effect="now")
        proxied = via_proxy(url, proxy.port)
        with nodes(
            tmp_path, stand_in, ["a"], DATABASE_URL=proxied, SLACK_API_TIMEOUT_SECONDS="1"
        ) as [a]:
            doubt_check(a, a, stand_in, "Een concept", view_id="VP1")
            first_request = request_id(store, "VP1")
            wait_until(stand_in.holding, lambda: stand_in.calls())

            proxy.outage()  # PostgreSQL goes down while the message is on its way...
            stand_in.release()  # ...and Slack answers: the delivery cannot be recorded now
            wait_until(lambda: stand_in.holding() == 0, lambda: stand_in.calls())
            failed = rounds_failed(a)  # the next failed round is the one that had the answer
            wait_until(lambda: rounds_failed(a) > failed, lambda: a.lines()[-5:])
            wait_until(lambda: a.get("/readyz").status == 503, lambda: a.lines()[-5:])
            event = send_event(a, dm("D100", QUESTION), "EvPg1")
            view = opened_view(stand_in, "trigger-VP1")
            second = submit(a, view, {"draft": "Nog een concept"}, view_id="VP2")
            pressed = approve(a, stand_in, first_request)
            told = wait_until(lambda: stand_in.calls("response_url"), lambda: stand_in.calls())
            healthy = a.get("/healthz").status
            proxy.restore()
            wait_until(lambda: a.get("/readyz").status == 200, lambda: a.lines()[-5:])
            retried = send_event(a, dm("D100", QUESTION), "EvPg1", retry=1)  # Slack's retry
            again = submit(a, view, {"draft": "Nog een concept"}, view_id="VP2")

            assert (event.status, healthy, retried.status) == (500, 200, 200)
            assert not_saved(second, "draft")  # the form stays open, to be sent again
            assert pressed.status == 200 and "Niet opgeslagen" in told[0].args["text"]
            assert again.status == 200 and again.json()["response_action"] == "update"
            [first] = delivered(store, first_request, 1)
            assert first.attempts == 2  # recorded on the retry, found by its metadata
            assert [c.args["_who"] for c in stand_in.calls("conversations.history")] == ["a"]
            assert set(delivered_once(stand_in, [first]).values()) == {1}
            wait_until(lambda: stand_in.messages("D100"), lambda: stand_in.calls())
            assert len(stand_in.messages("D100")) == 1  # the event, answered once
            approve_and_finish(a, stand_in, store, first_request, rows=3)
            approve_and_finish(a, stand_in, store, request_id(store, "VP2"), rows=3)
            assert a.process.poll() is None  # the dispatcher met the outage and outlived it
        store.dispose()


def test_a_full_disk_under_sqlite_is_a_clear_error_and_nothing_half_written(
    tmp_path: Path, stand_in: SlackStandIn
) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    with nodes(tmp_path, stand_in, ["a"], DATABASE_URL=url) as [a]:
        store = Store.open(url)
        doubt_check(a, a, stand_in, "Een concept", view_id="VD1")
        delivered(store, request_id(store, "VD1"), 1)
        view = opened_view(stand_in, "trigger-VD1")
        unlimited = resource.prlimit(a.process.pid, resource.RLIMIT_FSIZE)

        # No file of the server may grow any more: the disk is full.
        resource.prlimit(a.process.pid, resource.RLIMIT_FSIZE, (1, unlimited[1]))
        try:
            event = send_event(a, dm("D200", QUESTION), "EvDisk1")
            full = submit(a, view, {"draft": "Nog een concept"}, view_id="VD2")
            healthy = a.get("/healthz").status
        finally:
            resource.prlimit(a.process.pid, resource.RLIMIT_FSIZE, unlimited)

        assert (event.status, healthy) == (500, 200)  # Slack retries the event
        assert not_saved(full, "draft")
        with store.transaction() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert session.scalar(select(func.count()).select_from(RequestRow)) == 1
            assert session.scalar(select(func.count()).select_from(SeenEvent)) == 0
        assert len(outbox(store)) == 1
        # Space is back: Slack's retry is answered once, the form sent again goes out once.
        assert send_event(a, dm("D200", QUESTION), "EvDisk1", retry=1).status == 200
        again = submit(a, view, {"draft": "Nog een concept"}, view_id="VD2")
        assert again.status == 200 and again.json()["response_action"] == "update"
        [row] = delivered(store, request_id(store, "VD2"), 1)
        assert set(delivered_once(stand_in, [row]).values()) == {1}
        wait_until(lambda: stand_in.messages("D200"), lambda: stand_in.calls())
        assert len(stand_in.messages("D200")) == 1
        assert a.process.poll() is None
        store.dispose()


@dataclass
class Single:
    """One server on SQLite (its Web API calls time out after 1 s), shared by a few tests."""

    node: Node
    stand_in: SlackStandIn
    store: Store


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Single]:
    tmp = tmp_path_factory.mktemp("single")
    url = f"sqlite:///{tmp / 'serve.db'}"
    with (
        slack_stand_in() as stand_in,
        nodes(tmp, stand_in, ["a"], DATABASE_URL=url, SLACK_API_TIMEOUT_SECONDS="1") as [a],
    ):
        store = Store.open(url)
        yield Single(a, stand_in, store)
        store.dispose()


@pytest.mark.parametrize("fault", ["500", "timeout"])
def test_an_answer_the_web_api_does_not_take_is_kept_and_posted_once(
    single: Single, fault: str
) -> None:
    a, stand_in, store = single.node, single.stand_in, single.store
    stand_in.reset()
    channel, event_id = f"DQ{fault}", f"EvQ{fault}"
    if fault == "500":  # the post and slack_sdk's two retries
        stand_in.answer_with("chat.postMessage", 500, 500, 500)
    else:  # Slack takes the answer, but says so too late (the client waits 1 s)
        stand_in.hold("chat.postMessage", effect="now", seconds=3)
    assert send_event(a, dm(channel, QUESTION), event_id).status == 200

    key = f"answer:slack:{event_id}"
    [row] = wait_until(
        lambda: [r for r in outbox(store) if r.key == key and r.status == "delivered"],
        lambda: describe(outbox(store)),
    )

    assert stand_in.posted_keys()[key_digest(key)] == 1
    assert len(stand_in.messages(channel)) == 1
    assert row.message_ref == f"{channel}:{stand_in.messages(channel)[0]['ts']}"
    assert any(m.startswith(f"slack: answer to event {event_id} kept") for m in a.log_messages())


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
def test_a_failing_web_api_is_retried_until_the_message_is_delivered_once(
    single: Single, fault: str
) -> None:
    a, stand_in, store = single.node, single.stand_in, single.store
    stand_in.reset()
    if fault == "429":  # with Retry-After: 1
        stand_in.answer_with("chat.postMessage", 429, 429)
    elif fault == "500":
        stand_in.answer_with("chat.postMessage", 500, 503)
    else:  # Slack takes the message, but its answer does not come back in time
        stand_in.hold("chat.postMessage", effect="now", seconds=4)
    answer = doubt_check(a, a, stand_in, "Een concept", view_id=f"VF{fault}")
    assert answer.status == 200 and answer.json()["response_action"] == "update"
    request = request_id(store, f"VF{fault}")

    [row] = delivered(store, request, 1)

    assert set(delivered_once(stand_in, [row]).values()) == {1}
    if fault == "timeout":  # the retry found the message by its metadata: not posted again
        assert (row.attempts, len(stand_in.calls("chat.postMessage"))) == (2, 1)
        assert len(stand_in.calls("conversations.history")) == 1
    else:
        assert (row.attempts, len(stand_in.calls("chat.postMessage"))) == (3, 3)
    assert len(failures(a, row.id)) == row.attempts - 1
    approve_and_finish(a, stand_in, store, request, rows=3)
