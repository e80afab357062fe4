"""The escalation's card in a school's channel with user-specific views (Universal Actions),
end to end over HTTP on loopback: the dispatcher's TeamsChat posts the card everyone sees (text
and status, a `refresh` for the deciders' Teams user ids, no buttons); Teams' `adaptiveCard/action`
invokes go into the real botbuilder handler at /api/messages, which answers a decider's refresh
with the buttons, anyone else's with the status, and runs a decision as the person who pressed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.chat_port import ThreadViews
from adapters.teams.workflows import COMMENT_HINT, UNKNOWN_CARD
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import RequestRow
from bot.workflows import texts
from tests.teams.conftest import AAD, TENANT, Answer, Call, card_of, submits
from tests.teams.conftest import texts as card_texts
from tests.teams.workflow_world import (
    CHANNEL_ID,
    DEPUTY_AAD,
    DIRECTOR_AAD,
    OTHER_AAD,
    PEOPLE,
    STRANGER_AAD,
    WorkflowWorld,
    as_person,
    channel_org,
    workflow_context,
)
from tests.workflows.conftest import MONDAY_9AM, pg_store, pg_target  # noqa: F401 (a fixture)

CARD = "application/vnd.microsoft.card.adaptive"
ESCALATION = {
    "action": "escalate_submit",
    "lang": "nl",
    "links": "https://facebook.example/post/1",
    "platform": "Facebook",
    "what": "Ouders schelden elkaar uit onder onze post",
    "urgency": "nu",
}
DECIDER_IDS = [PEOPLE[DIRECTOR_AAD][0], PEOPLE[DEPUTY_AAD][0]]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty database: SQLite, and PostgreSQL when reachable."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'views.db'}")
    else:
        opened = pg_store(request.getfixturevalue("pg_target"))
    yield opened
    opened.dispose()


def channel_world(assistant: Assistant, store: Store, tmp_path: Path) -> WorkflowWorld:
    """The Teams world in which Het Kofschip has an escalation channel."""
    ctx = workflow_context(store, ManualClock(MONDAY_9AM), org_file=channel_org(tmp_path))
    return WorkflowWorld(assistant, ctx)


@pytest.fixture
def world(assistant: Assistant, store: Store, tmp_path: Path) -> Iterator[WorkflowWorld]:
    """The channel world, its port knowing the org (`TeamsChat(org=ctx.org)`)."""
    teams_world = channel_world(assistant, store, tmp_path)
    port = teams_world.port
    port.views = ThreadViews(store, port.references, teams_world.ctx.org)
    yield teams_world
    teams_world.close()


def escalate(world: WorkflowWorld) -> tuple[str, dict[str, Any]]:
    """Anna escalates (everyone said hello first): the channel thread's id and its card."""
    for aad in (AAD, DIRECTOR_AAD, DEPUTY_AAD):
        world.say(aad, "hallo")
    world.press(AAD, ESCALATION)
    world.dispatch()
    [created] = [c for c in world.connector.calls if c.verb == "CREATE"]
    thread = f"{CHANNEL_ID};messageid={world.connector.calls.index(created) + 1}"
    return thread, card_of(Call("POST", "", None, created.body["activity"], None))


def invoke(
    world: WorkflowWorld, aad: str, value: Any, *, conversation: str, kind: str = "channel"
) -> Answer:
    """An `adaptiveCard/action` invoke from `aad` in `conversation` (as Teams sends it)."""
    activity = as_person(world, aad, None, type="invoke", name="adaptiveCard/action", value=value)
    activity["id"] = f"invoke-{len(world.connector.calls)}"
    activity["conversation"] = {"id": conversation, "conversationType": kind, "tenantId": TENANT}
    return world.send(activity)


def execute(world: WorkflowWorld, aad: str, verb: str, thread: str, **data: str) -> Answer:
    """An Action.Execute with `verb` on request 1's channel card."""
    action = {
        "type": "Action.Execute",
        "verb": verb,
        "data": {"request": "1", "lang": "nl", **data},
    }
    return invoke(world, aad, {"action": action, "trigger": "manual"}, conversation=thread)


def shown_card(answer: Answer) -> dict[str, Any]:
    """The card of a 200 invoke response, checking the Universal Actions response format."""
    assert answer.status == 200, answer
    body = answer.json()
    assert set(body) == {"statusCode", "type", "value"}
    assert (body["statusCode"], body["type"]) == (200, CARD)
    card: dict[str, Any] = body["value"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def of_type(node: Any, kind: str) -> list[dict[str, Any]]:
    """Every object of type `kind` in `node`, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found += [node] if node.get("type") == kind else []
        for value in node.values():
            found += of_type(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += of_type(item, kind)
    return found


def buttons(card: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The card's decision buttons (verb, data): the Action.Execute in its body."""
    return [(a["verb"], a["data"]) for a in of_type(card["body"], "Action.Execute")]


def status(store: Store) -> str:
    """Request 1's state."""
    with store.transaction() as session:
        request = session.get(RequestRow, 1)
        assert request is not None
        return request.status


def test_the_channel_card_shows_the_status_and_refreshes_for_the_deciders_only(
    world: WorkflowWorld,
) -> None:
    _, card = escalate(world)

    assert card["refresh"] == {
        "action": {
            "type": "Action.Execute",
            "title": "Vernieuwen",
            "verb": "refresh",
            "data": {"request": "1", "lang": "nl"},
        },
        "userIds": DECIDER_IDS,  # the director and the deputy; not Anna, who asked
    }
    assert buttons(card) == [] and submits(card) == []
    assert not [e for e in card["body"] if str(e.get("type")).startswith("Input.")]
    assert "Status: open / open" in card_texts(card)
    assert "<at>Juf Anna</at> <at>Directeur Kofschip</at>" in card_texts(card)


def test_the_director_still_gets_the_personal_card_with_the_buttons(world: WorkflowWorld) -> None:
    """What a client without Universal Actions falls back on: the director's own notification."""
    escalate(world)

    personal = [c for c in world.connector.calls if c.conversation == PEOPLE[DIRECTOR_AAD][2]]
    card = card_of(personal[-1])
    assert [s["data"]["action"] for s in submits(card)] == ["acknowledge", "resolve"]
    assert any(e.get("id") == "comment" for e in card["body"])


@pytest.mark.parametrize("aad", [DIRECTOR_AAD, DEPUTY_AAD])
def test_a_deciders_refresh_gets_the_buttons(world: WorkflowWorld, aad: str) -> None:
    thread, base = escalate(world)

    card = shown_card(execute(world, aad, "refresh", thread))

    assert buttons(card) == [
        ("acknowledge", {"request": "1", "lang": "nl"}),
        ("resolve", {"request": "1", "lang": "nl"}),
    ]
    assert any(e.get("id") == "comment" for e in card["body"])
    assert card["refresh"] == base["refresh"]  # it stays the deciders' view
    assert "Status: open / open" in card_texts(card)
    assert status(world.ctx.store) == "open"


@pytest.mark.parametrize("aad", [AAD, STRANGER_AAD, OTHER_AAD])
def test_anyone_elses_refresh_gets_the_status_only(world: WorkflowWorld, aad: str) -> None:
    """The requester, someone the org file does not list, another school's director."""
    thread, base = escalate(world)

    card = shown_card(execute(world, aad, "refresh", thread))

    assert buttons(card) == [] and submits(card) == []
    assert ESCALATION["what"] in "\n".join(card_texts(card))
    assert "Status: open / open" in card_texts(card)
    assert card["refresh"]["userIds"] == base["refresh"]["userIds"]


def test_the_directors_acknowledge_changes_the_state_and_returns_the_updated_card(
    world: WorkflowWorld,
) -> None:
    thread, _ = escalate(world)

    card = shown_card(execute(world, DIRECTOR_AAD, "acknowledge", thread, comment=""))

    assert status(world.ctx.store) == "acknowledged"
    shown = card_texts(card)
    assert "Status: ontvangen / acknowledged" in shown
    assert texts.ACKNOWLEDGED_FOR_ACTOR.nl.format(id=1, requester="Juf Anna") in shown
    assert [verb for verb, _ in buttons(card)] == ["acknowledge", "resolve"]  # not final yet

    world.dispatch()
    posted = [c for c in world.connector.calls if c.conversation == thread]
    assert [c.verb for c in posted] == ["POST", "PUT"]
    everyone = card_of(posted[-1])
    assert buttons(everyone) == [] and submits(everyone) == []
    assert "Status: ontvangen / acknowledged" in card_texts(everyone)
    assert everyone["refresh"]["userIds"] == DECIDER_IDS


def test_resolve_needs_the_comment_then_the_card_is_final(world: WorkflowWorld) -> None:
    thread, _ = escalate(world)

    refused = shown_card(execute(world, DEPUTY_AAD, "resolve", thread, comment="  "))
    assert f"{texts.NOTE_REQUIRED.nl.format(id=1)}\n{COMMENT_HINT.nl}" in card_texts(refused)
    assert status(world.ctx.store) == "open" and buttons(refused)

    card = shown_card(execute(world, DEPUTY_AAD, "resolve", thread, comment="Post verwijderd"))

    assert status(world.ctx.store) == "resolved"
    assert "Status: opgelost / resolved" in card_texts(card)
    assert texts.RESOLVED_FOR_ACTOR.nl.format(id=1) in card_texts(card)
    assert buttons(card) == [] and "refresh" not in card
    world.dispatch()
    final = card_of([c for c in world.connector.calls if c.verb == "PUT"][-1])
    assert "Status: opgelost / resolved" in card_texts(final) and "refresh" not in final


@pytest.mark.parametrize("aad", [AAD, OTHER_AAD])
def test_a_decision_by_someone_else_is_refused_by_the_domain(
    world: WorkflowWorld, aad: str
) -> None:
    """Anna (staff, the requester) and another school's director, pressing in the channel."""
    thread, _ = escalate(world)

    card = shown_card(execute(world, aad, "acknowledge", thread))

    assert texts.ONLY_LEADERS.nl.format(id=1) in card_texts(card)
    assert status(world.ctx.store) == "open"
    assert buttons(card) == [] and "Status: open / open" in card_texts(card)


@pytest.mark.parametrize(
    "value",
    [
        {"action": {"type": "Action.Execute", "verb": "refresh"}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": "1"}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"request": 1}}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"request": "abc"}}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"request": "2"}}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"request": "9" * 30}}},
        {"action": {"type": "Action.Execute", "verb": "refresh", "data": {"request": ["1"]}}},
        {"action": {"type": "Action.Execute", "verb": "acknowledge", "data": []}},
        {"action": {"type": "Action.Execute", "verb": "resolve", "data": {"request": "²"}}},
    ],
)
def test_unreadable_or_unknown_data_is_a_400_and_changes_nothing(
    world: WorkflowWorld, value: dict[str, Any]
) -> None:
    thread, _ = escalate(world)
    calls = len(world.connector.calls)

    answer = invoke(world, DIRECTOR_AAD, value, conversation=thread)

    assert answer.status == 400
    body = answer.json()
    assert (body["statusCode"], body["type"]) == (400, "application/vnd.microsoft.error")
    assert body["value"]["message"] == f"{UNKNOWN_CARD.nl} / {UNKNOWN_CARD.en}"
    assert status(world.ctx.store) == "open"
    assert len(world.connector.calls) == calls


@pytest.mark.parametrize(
    "value", [{"action": {"type": "Action.Execute", "verb": ["refresh"]}}, {"action": "refresh"}]
)
def test_an_invoke_that_is_not_ours_keeps_botbuilders_answer(
    world: WorkflowWorld, value: dict[str, Any]
) -> None:
    thread, _ = escalate(world)

    answer = invoke(world, DIRECTOR_AAD, value, conversation=thread)

    assert answer.status in (400, 501)  # botbuilder: bad value / not implemented; never a 500
    assert status(world.ctx.store) == "open"


def test_the_card_is_not_shown_outside_its_channel_to_who_may_not_see_the_request(
    world: WorkflowWorld,
) -> None:
    """A crafted invoke from another school's director in his personal chat: no text leaks;
    the school's own director may refresh it anywhere."""
    escalate(world)
    elsewhere = PEOPLE[OTHER_AAD][2]
    action = {"type": "Action.Execute", "verb": "refresh", "data": {"request": "1"}}

    refused = invoke(world, OTHER_AAD, {"action": action}, conversation=elsewhere, kind="personal")
    allowed = invoke(world, DIRECTOR_AAD, {"action": action}, conversation=PEOPLE[DIRECTOR_AAD][2])

    assert refused.status == 400 and ESCALATION["what"] not in refused.text
    assert buttons(shown_card(allowed))


def test_the_served_port_names_the_deciders_and_their_refresh_gets_the_buttons(
    assistant: Assistant, store: Store, tmp_path: Path
) -> None:
    """The port as `teams_chat` builds it (with `org=ctx.org`): the card refreshes for the
    director and the deputy, and the director's refresh gets the buttons."""
    world = channel_world(assistant, store, tmp_path)
    try:
        thread, card = escalate(world)
        answer = execute(world, DIRECTOR_AAD, "refresh", thread)
    finally:
        world.close()

    assert card["refresh"]["userIds"] == ["29:1director", "29:1deputy"] and buttons(card) == []
    assert [verb for verb, _ in buttons(shown_card(answer))] == ["acknowledge", "resolve"]


def test_an_escalation_without_a_channel_has_no_channel_card_to_refresh(
    assistant: Assistant, store: Store
) -> None:
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    try:
        for aad in (AAD, DIRECTOR_AAD):
            world.say(aad, "hallo")
        world.press(AAD, ESCALATION)
        world.dispatch()
        answer = execute(world, DIRECTOR_AAD, "refresh", PEOPLE[DIRECTOR_AAD][2])
    finally:
        world.close()

    assert answer.status == 400
