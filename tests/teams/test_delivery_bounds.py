"""The dispatcher's Teams calls are bounded, so its lease on an outbox row covers them.

- its connector clients have TEAMS_API_TIMEOUT_SECONDS and none of msrest's own retries (the
  outbox retries instead): a hung connector costs one call of about that long, and a 500 on
  an update is one call, not msrest's four;
- a delivery that makes several calls (a note to each participant, then their status cards)
  starts none that could outlast the lease: it stops, and the retry sends only what is left.

Over loopback into the connector stand-in, through the real TeamsChat and dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from adapters.teams.chat_port import CALLS_PER_LEASE, LEASE_MARGIN, TeamsChat, TeamsDeliveryError
from adapters.teams.reuse import CallLimits, ReusingAuthentication
from adapters.teams.service import teams_chat, teams_references
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.models import Reply
from bot.ports import Recipient
from bot.store.db import Store
from bot.store.models import OutboxRow
from tests.teams.conftest import AAD, OUTBOUND_TOKEN, FakeConnector, card_of, teams_settings
from tests.teams.conftest import texts as card_texts
from tests.teams.workflow_world import DIRECTOR_AAD, PEOPLE, WorkflowWorld, workflow_context
from tests.workflows.conftest import MONDAY_9AM

ANNA = Recipient("anna@kofschip.example", "Juf Anna", AAD)
NOTE = "De post is weg"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path / 'teams.db'}")
    yield opened
    opened.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def wf(
    assistant: Assistant, store: Store, clock: ManualClock, slow: Slow
) -> Iterator[WorkflowWorld]:
    """The world, with a connector stand-in that `slow` controls; both people greeted."""
    world = WorkflowWorld(assistant, workflow_context(store, clock))
    for aad in (AAD, DIRECTOR_AAD):
        world.say(aad, "hallo")  # the bot now has their conversation references
    world.connector.calls.clear()
    yield world
    world.close()


class Slow:
    """Makes the connector stand-in wait `seconds` before it answers, and run `on_call` first."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.on_call: Callable[[], None] = lambda: None


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch) -> Slow:
    """Control over the connector stand-in's answers (set up before the stand-in starts)."""
    control = Slow()
    record = FakeConnector._record

    async def waiting(self: FakeConnector, request: web.Request) -> web.Response:
        control.on_call()
        answer = await record(self, request)  # the connector has taken the call ...
        await asyncio.sleep(control.seconds)  # ... and answers late
        return answer

    monkeypatch.setattr(FakeConnector, "_record", waiting)
    return control


def in_thread(world: WorkflowWorld, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a port method as the dispatcher does: in a thread, while the stand-in serves."""
    return world.run(asyncio.to_thread(fn, *args, **kwargs))


def notice(text: str) -> Reply:
    return Reply(kind="notice", lang="nl", text=text)


def port_with(world: WorkflowWorld, timeout: int) -> TeamsChat:
    """The dispatcher's port as `serve` builds it, with TEAMS_API_TIMEOUT_SECONDS=`timeout`."""
    settings = teams_settings(insecure_local=True, teams_api_timeout_seconds=timeout)
    return teams_chat(
        world.ctx, settings, teams_references(world.ctx), connector_token=lambda: OUTBOUND_TOKEN
    )


def test_the_lease_covers_the_calls_one_delivery_may_make(wf: WorkflowWorld) -> None:
    # TEAMS_API_TIMEOUT_SECONDS=10: a call connects and reads within 10 s each, plus 1 s.
    assert wf.port.call_seconds == 21.0
    assert wf.port.lease_seconds == CALLS_PER_LEASE * 21.0 + LEASE_MARGIN


def test_limits_are_set_on_every_connector_client_built() -> None:
    limited = ReusingAuthentication(
        _authentication(), limits=CallLimits(timeout=3, retries=0)
    ).create_connector_factory(_claims())
    default = ReusingAuthentication(_authentication()).create_connector_factory(_claims())

    client = asyncio.run(limited.create("https://smba.example/emea/"))
    plain = asyncio.run(default.create("https://smba.example/emea/"))

    assert (client.config.connection.timeout, client.config.retry_policy.retries) == (3, 0)
    assert (plain.config.connection.timeout, plain.config.retry_policy.retries) == (100, 3)


def test_a_call_is_only_bounded_without_msrest_retries() -> None:
    assert CallLimits(timeout=5, retries=0).call_seconds == 11.0
    with pytest.raises(ValueError, match="no retries"):
        _ = CallLimits(timeout=5).call_seconds
    with pytest.raises(ValueError, match="timeout"):
        _ = CallLimits(retries=0).call_seconds


def test_a_failing_update_is_one_call_and_left_to_the_outbox(wf: WorkflowWorld) -> None:
    ref = in_thread(wf, wf.port.send, ANNA, notice("Hallo"), key="t:1")
    wf.connector.answer_with(500)  # msrest by itself would retry this PUT three times

    with pytest.raises(TeamsDeliveryError):
        in_thread(wf, wf.port.update, ref, ANNA, notice("Bijgewerkt"), key="t:2")

    assert [c.verb for c in wf.connector.calls] == ["POST", "PUT"]


def test_a_hung_connector_costs_one_call_of_the_timeout(wf: WorkflowWorld, slow: Slow) -> None:
    port = port_with(wf, timeout=1)
    slow.seconds = 2.0  # longer than the timeout: the answer comes too late
    try:
        with pytest.raises(TeamsDeliveryError, match="ClientRequestError"):
            in_thread(wf, port.send, ANNA, notice("Hallo"), key="t:1")
    finally:
        port.close()
    slow.seconds = 0.0
    wf.run(asyncio.sleep(1.5))  # the stand-in answers the abandoned call: no other came

    assert [c.verb for c in wf.connector.calls] == ["POST"]


def test_a_delivery_stops_before_a_call_that_could_outlast_its_lease(
    wf: WorkflowWorld, clock: ManualClock, slow: Slow, caplog: pytest.LogCaptureFixture
) -> None:
    wf.press(AAD, _escalation())
    wf.dispatch()  # a status card for each of the two (no channel): the thread
    now = [0.0]
    wf.port.timer = lambda: now[0]

    def each_call_takes_two_call_bounds() -> None:
        now[0] += 2 * wf.port.call_seconds

    slow.on_call = each_call_takes_two_call_bounds
    wf.connector.calls.clear()
    wf.say(AAD, f"/notitie 1 {NOTE}")  # answered in the turn; the note goes through the outbox
    wf.connector.calls.clear()
    # The note to each of the two and two status updates: 4 calls, the lease fits 3 of these.
    with caplog.at_level(logging.WARNING, logger="policybot.dispatcher"):
        wf.dispatch()

    assert [c.verb for c in wf.connector.calls] == ["POST", "POST", "PUT"]
    note = _note_row(wf.ctx.store)
    assert (note.status, note.attempts, note.last_error) == ("pending", 1, "LeaseEnding")
    assert any("error=LeaseEnding" in r.getMessage() for r in caplog.records)

    clock.advance(seconds=60)
    wf.dispatch()

    assert [c.verb for c in wf.connector.calls] == ["POST", "POST", "PUT", "PUT", "PUT"]
    notes = [c for c in wf.connector.calls if NOTE in " ".join(card_texts(card_of(c)))]
    assert sorted(c.conversation for c in notes if c.verb == "POST") == sorted(
        PEOPLE[aad][2] for aad in (AAD, DIRECTOR_AAD)
    )  # one note each: the retry sent only the status cards
    assert _note_row(wf.ctx.store).status == "delivered"


def test_a_post_in_thread_that_failed_halfway_is_finished_by_the_retry(
    wf: WorkflowWorld, clock: ManualClock
) -> None:
    wf.press(AAD, _escalation())
    wf.dispatch()
    wf.say(AAD, f"/notitie 1 {NOTE}")
    wf.connector.calls.clear()
    wf.connector.answer_with(200, 500)  # the note reaches the first of the two, not the second

    wf.dispatch()
    assert _note_row(wf.ctx.store).status == "pending"
    clock.advance(seconds=60)
    wf.dispatch()

    posts = [c for c in wf.connector.calls if c.verb == "POST"]
    assert len(posts) == 3  # the first note, the failed one, and that one again
    assert sorted(c.conversation for c in posts[::2]) == sorted(
        PEOPLE[aad][2] for aad in (AAD, DIRECTOR_AAD)
    )
    assert _note_row(wf.ctx.store).status == "delivered"


def _note_row(store: Store) -> OutboxRow:
    with store.transaction() as session:
        rows = session.query(OutboxRow).filter_by(operation="post_in_thread").all()
    [row] = rows
    return row


def _escalation() -> dict[str, Any]:
    return {
        "action": "escalate_submit",
        "lang": "nl",
        "links": "https://facebook.example/post/1",
        "platform": "Facebook",
        "what": "Ouders schelden elkaar uit onder onze post",
        "urgency": "nu",
    }


def _authentication() -> Any:
    from adapters.teams.auth import build_authentication

    return build_authentication(teams_settings(insecure_local=True))


def _claims() -> Any:
    from botframework.connector.auth import ClaimsIdentity  # type: ignore[import-untyped]

    return ClaimsIdentity({"aud": "app-1"}, True)
