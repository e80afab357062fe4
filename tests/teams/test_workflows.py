"""The B.3 doubt check and the B.2 escalation in Teams, end to end over HTTP on loopback:
button → form card → submit → outbox → TeamsChat → the connector stand-in, and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.identity import UNKNOWN_USER
from adapters.teams.unreachable import DIRECTOR_UNREACHABLE
from adapters.teams.workflows import COMMENT_HINT
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from bot.store.models import OutboxRow, RequestRow
from bot.workflows import texts
from bot.workflows.parsing import BAD_TIME
from tests.teams.conftest import AAD, Call, card_of, submits
from tests.teams.conftest import texts as card_texts
from tests.teams.workflow_world import (
    CHANNEL_ID,
    DEPUTY_AAD,
    DIRECTOR_AAD,
    OTHER_AAD,
    PEOPLE,
    STRANGER_AAD,
    WorkflowWorld,
    channel_org,
    workflow_context,
)
from tests.workflows.conftest import MONDAY_9AM, pg_store, pg_target  # noqa: F401 (a fixture)

DRAFT = "Foto van de schoolreis met alle kinderen van groep 8 erop!"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty database: SQLite, and PostgreSQL (SKIP LOCKED claims) when reachable."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'teams.db'}")
    else:
        opened = pg_store(request.getfixturevalue("pg_target"))
    yield opened
    opened.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """Monday 10 March 2025, 09:00 in Amsterdam (working hours)."""
    return ManualClock(MONDAY_9AM)


@pytest.fixture
def wf(assistant: Assistant, store: Store, clock: ManualClock) -> Iterator[WorkflowWorld]:
    """The Teams world with the workflows; everyone has talked to the bot once."""
    teams_world = WorkflowWorld(assistant, workflow_context(store, clock))
    yield teams_world
    teams_world.close()


def greet(world: WorkflowWorld, *people: str) -> None:
    """Each person says hello, so the bot has their conversation reference; calls cleared."""
    for aad in people:
        world.say(aad, "hallo")
    world.connector.calls.clear()


def to(world: WorkflowWorld, aad: str) -> list[Call]:
    """The connector calls into `aad`'s personal chat."""
    return [c for c in world.connector.calls if c.conversation == PEOPLE[aad][2]]


def last_text(world: WorkflowWorld, aad: str) -> str:
    """The text (or card texts) of the newest message to `aad`."""
    call = to(world, aad)[-1]
    if call.body.get("text"):
        return str(call.body["text"])
    return "\n".join(card_texts(card_of(call)))


def doubt_form_values(**values: str) -> dict[str, Any]:
    """The submit of a filled-in doubt form."""
    base = {"action": "doubt_submit", "lang": "nl", "draft": DRAFT, "link": "", "when": "nu"}
    return {**base, "platform": "Instagram", **values}


def request(store: Store, number: int = 1) -> RequestRow:
    """The stored request."""
    with store.transaction() as session:
        found = session.get(RequestRow, number)
        assert found is not None
        return found


def test_the_full_doubt_check(wf: WorkflowWorld) -> None:
    greet(wf, AAD, DIRECTOR_AAD)

    wf.press(AAD, {"action": "doubt_check", "lang": "nl"})
    form = card_of(to(wf, AAD)[-1])
    inputs = {e["id"] for e in form["body"] if str(e.get("type", "")).startswith("Input.")}
    assert inputs == {"draft", "link", "platform", "when"}

    wf.press(AAD, doubt_form_values())
    assert "Verstuurd naar Directeur Kofschip (twijfelcheck #1)" in last_text(wf, AAD)
    assert request(wf.ctx.store).status == "submitted"

    wf.dispatch()
    director_card = card_of(to(wf, DIRECTOR_AAD)[-1])
    shown = "\n".join(card_texts(director_card))
    assert DRAFT in shown and "Juf Anna" in shown and "Kies: /" not in shown
    assert [s["data"]["action"] for s in submits(director_card)] == [
        "approve",
        "advise_against",
        "talk",
    ]
    assert any(e.get("id") == "comment" for e in director_card["body"])
    assert request(wf.ctx.store).status == "waiting"
    director_message = to(wf, DIRECTOR_AAD)[-1]

    wf.press(DIRECTOR_AAD, {"action": "advise_against", "request": "1", "lang": "nl"})
    refusal = texts.REASON_REQUIRED.nl.format(id=1)
    assert last_text(wf, DIRECTOR_AAD) == f"{refusal}\n{COMMENT_HINT.nl}"
    assert request(wf.ctx.store).status == "waiting"

    wf.press(
        DIRECTOR_AAD,
        {"action": "advise_against", "request": "1", "lang": "nl", "comment": "Geen kinderen"},
    )
    assert "je raadt twijfelcheck #1 af" in last_text(wf, DIRECTOR_AAD)

    wf.dispatch()
    [update] = [c for c in wf.connector.calls if c.verb == "PUT"]
    assert update.conversation == PEOPLE[DIRECTOR_AAD][2]
    assert update.reply_to == f"reply-{wf.connector.calls.index(director_message) + 1}"
    updated = "\n".join(card_texts(card_of(update)))
    assert "raadt twijfelcheck #1 van Juf Anna af" in updated and submits(card_of(update)) == []
    told = last_text(wf, AAD)
    assert "raadt twijfelcheck #1 af" in told and "Geen kinderen" in told
    assert request(wf.ctx.store).status == "advised_against"


def test_a_typed_twijfel_opens_the_form_with_the_draft(wf: WorkflowWorld) -> None:
    greet(wf, AAD)

    wf.say(AAD, "/twijfel mag dit zo?")

    form = card_of(to(wf, AAD)[-1])
    assert next(e for e in form["body"] if e.get("id") == "draft")["value"] == "mag dit zo?"


def test_someone_else_pressing_gets_the_domains_refusal(wf: WorkflowWorld) -> None:
    greet(wf, AAD, DIRECTOR_AAD, OTHER_AAD)
    wf.press(AAD, doubt_form_values())

    wf.press(OTHER_AAD, {"action": "approve", "request": "1", "lang": "nl"})

    assert last_text(wf, OTHER_AAD) == texts.ONLY_LEADERS.nl.format(id=1)
    assert request(wf.ctx.store).status == "submitted"


def test_an_unknown_sender_is_told_the_org_file_must_list_them(wf: WorkflowWorld) -> None:
    wf.press(STRANGER_AAD, {"action": "doubt_check", "lang": "nl"})

    said = last_text(wf, STRANGER_AAD)
    assert UNKNOWN_USER.nl.format(aad=STRANGER_AAD) in said
    assert UNKNOWN_USER.en.format(aad=STRANGER_AAD) in said


def test_a_resubmitted_form_sends_one_request(wf: WorkflowWorld) -> None:
    greet(wf, AAD)

    wf.press(AAD, doubt_form_values(), reply_to="form-1")
    wf.press(AAD, doubt_form_values(), reply_to="form-1")

    assert "al verstuurd" in last_text(wf, AAD)


def test_a_director_without_a_reference_the_deputy_is_asked_and_nothing_is_lost(
    wf: WorkflowWorld, clock: ManualClock
) -> None:
    greet(wf, AAD, DEPUTY_AAD)  # the director never talked to the bot
    wf.press(AAD, doubt_form_values())

    wf.dispatch()  # the director's card fails: Anna is told, the deputy's reminder is due
    clock.advance(seconds=2)
    wf.dispatch()  # the deputy is asked through the domain's own handler

    told = last_text(wf, AAD)
    assert DIRECTOR_UNREACHABLE.nl.format(director="Directeur Kofschip", id=1) in told
    deputy_card = card_of(to(wf, DEPUTY_AAD)[-1])
    assert [s["data"]["action"] for s in submits(deputy_card)][:1] == ["approve"]
    assert request(wf.ctx.store).status == "submitted"
    with wf.ctx.store.transaction() as session:
        pending = session.query(OutboxRow).filter_by(key="r1:submitted:dir@kofschip.example")
        assert pending.one().status == "pending"

    wf.say(DIRECTOR_AAD, "hallo")  # the director installs the app
    clock.advance(minutes=1)
    wf.dispatch()
    assert submits(card_of(to(wf, DIRECTOR_AAD)[-1]))[0]["data"]["action"] == "approve"
    assert request(wf.ctx.store).status == "waiting"


def test_a_403_not_in_roster_falls_back_to_the_deputy(
    wf: WorkflowWorld, clock: ManualClock
) -> None:
    greet(wf, AAD, DIRECTOR_AAD, DEPUTY_AAD)
    wf.press(AAD, doubt_form_values())
    wf.connector.answer_with(403)

    wf.dispatch()
    clock.advance(seconds=2)
    wf.dispatch()

    assert "Directeur Kofschip" in last_text(wf, AAD)
    assert "niet bereiken" in last_text(wf, AAD)
    assert submits(card_of(to(wf, DEPUTY_AAD)[-1]))


@pytest.mark.parametrize("status", [429, 500])
def test_connector_errors_are_retried_by_the_outbox(
    wf: WorkflowWorld, clock: ManualClock, status: int
) -> None:
    greet(wf, AAD, DIRECTOR_AAD)
    wf.press(AAD, doubt_form_values())
    wf.connector.answer_with(status)

    wf.dispatch()
    with wf.ctx.store.transaction() as session:
        row = session.query(OutboxRow).filter_by(key="r1:submitted:dir@kofschip.example").one()
        expected = "TeamsRateLimited" if status == 429 else "TeamsDeliveryError"
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, expected)
    clock.advance(seconds=5)
    wf.dispatch()

    assert len(to(wf, DIRECTOR_AAD)) == 2
    assert request(wf.ctx.store).status == "waiting"
    assert not any("niet bereiken" in last_text(wf, AAD) for _ in [0])


def escalation_values() -> dict[str, Any]:
    """The submit of a filled-in escalation form."""
    return {
        "action": "escalate_submit",
        "lang": "nl",
        "links": "https://facebook.example/post/1",
        "platform": "Facebook",
        "what": "Ouders schelden elkaar uit onder onze post",
        "urgency": "nu",
    }


def test_escalation_without_a_channel_sends_personal_status_cards(wf: WorkflowWorld) -> None:
    greet(wf, AAD, DIRECTOR_AAD)
    wf.press(AAD, {"action": "escalate", "lang": "nl"})
    assert {e.get("id") for e in card_of(to(wf, AAD)[-1])["body"]} >= {
        "links",
        "platform",
        "what",
        "urgency",
    }

    wf.press(AAD, escalation_values())
    wf.dispatch()

    status_cards = [card_of(c) for c in wf.connector.calls if "Status: open / open" in str(c.body)]
    assert len(status_cards) == 2
    assert request(wf.ctx.store).thread_ref.startswith("teams-dm:")  # type: ignore[union-attr]

    wf.press(DIRECTOR_AAD, {"action": "acknowledge", "request": "1", "lang": "nl"})
    wf.dispatch()
    updates = [c for c in wf.connector.calls if c.verb == "PUT"]
    assert len(updates) == 2
    assert all("Status: ontvangen / acknowledged" in card_texts(card_of(u)) for u in updates)
    assert "ontvangen" in last_text(wf, AAD).lower()

    wf.press(DIRECTOR_AAD, {"action": "resolve", "request": "1", "lang": "nl"})
    assert last_text(wf, DIRECTOR_AAD).startswith(texts.NOTE_REQUIRED.nl.format(id=1))
    wf.press(DIRECTOR_AAD, {"action": "resolve", "request": "1", "comment": "Post verwijderd"})
    wf.dispatch()
    final = [c for c in wf.connector.calls if c.verb == "PUT"][-1]
    assert "Status: opgelost / resolved" in card_texts(card_of(final))
    assert submits(card_of(final)) == []


def test_escalation_in_the_schools_channel_mentions_both(
    assistant: Assistant, store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    world = WorkflowWorld(assistant, workflow_context(store, clock, org_file=channel_org(tmp_path)))
    try:
        greet(world, AAD, DIRECTOR_AAD)
        world.press(AAD, escalation_values())
        world.dispatch()

        [created] = [c for c in world.connector.calls if c.verb == "CREATE"]
        assert created.conversation == CHANNEL_ID
        assert created.body["isGroup"] is True
        card = card_of(Call("POST", "", None, created.body["activity"], None))
        mentioned = {e["mentioned"]["id"] for e in card["msteams"]["entities"]}
        assert mentioned == {PEOPLE[AAD][0], PEOPLE[DIRECTOR_AAD][0]}
        assert "<at>Juf Anna</at> <at>Directeur Kofschip</at>" in card_texts(card)
        assert submits(card) == []  # the buttons: the deciders' view (test_user_specific_views)
        assert card["refresh"]["action"]["verb"] == "refresh"

        world.press(DIRECTOR_AAD, {"action": "acknowledge", "request": "1", "lang": "nl"})
        world.dispatch()
        thread = f"{CHANNEL_ID};messageid={world.connector.calls.index(created) + 1}"
        posted = [c for c in world.connector.calls if c.conversation == thread]
        assert [c.verb for c in posted] == ["POST", "PUT"]
        assert "Status: ontvangen / acknowledged" in card_texts(card_of(posted[-1]))
    finally:
        world.close()


def test_typed_withdraw_and_note_act_as_the_sender(wf: WorkflowWorld) -> None:
    greet(wf, AAD, DIRECTOR_AAD)
    wf.press(AAD, doubt_form_values())

    wf.say(AAD, "/intrekken")
    assert last_text(wf, AAD).startswith("Gebruik: /intrekken")
    wf.say(DIRECTOR_AAD, "/intrekken 1")
    assert last_text(wf, DIRECTOR_AAD) == texts.ONLY_REQUESTER.nl.format(id=1)
    wf.say(AAD, "/intrekken 1")

    assert last_text(wf, AAD) == texts.WITHDRAWN_FOR_ACTOR.nl.format(id=1)
    assert request(wf.ctx.store).status == "withdrawn"


def test_a_note_goes_into_the_escalation_thread(wf: WorkflowWorld) -> None:
    greet(wf, AAD, DIRECTOR_AAD)
    wf.press(AAD, escalation_values())
    wf.dispatch()

    wf.say(AAD, "/notitie 1 De post is weg")
    wf.dispatch()

    assert texts.NOTE_ADDED.nl.format(id=1) in [c.body.get("text") for c in to(wf, AAD)]
    posts = [c for c in to(wf, DIRECTOR_AAD) if c.verb == "POST"]
    assert "De post is weg" in "\n".join(card_texts(card_of(posts[-1])))


def test_a_publish_time_the_domain_cannot_read_is_explained_and_nothing_is_sent(
    wf: WorkflowWorld,
) -> None:
    greet(wf, AAD)

    wf.press(AAD, doubt_form_values(when="als de zon schijnt"))

    assert last_text(wf, AAD) == BAD_TIME.nl
    with wf.ctx.store.transaction() as session:
        assert session.get(RequestRow, 1) is None
