"""Adaptive Card injection through the Teams workflows: staff text reaches the director inert.

A draft, an escalation's description, the director's comment and a note can carry what an
Adaptive Card might act on: markdown links (`[x](javascript:…)`), emphasis and list markers,
the card renderer's `{{DATE(…)}}` functions, template expressions (`${…}`, which only a
template with `$data` would expand), text that would break hand-built JSON (quotes, backslashes,
`</script>`), `<at>` mentions, and sheer length. Every card the workflows send through the
outbox, the dispatcher and the real TeamsChat port must carry it as inert text: no element, action
or template key it did not have, no link, no renderer function, nothing over Teams' limits.
tests/teams/test_cards.py covers the answer cards (`cards.render_card`) as pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.cards import TEXT_LIMIT
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from tests.security.conftest import ORG_FILE, open_store
from tests.teams.conftest import AAD, Call, card_of
from tests.teams.workflow_world import DEPUTY_AAD, DIRECTOR_AAD, PEOPLE, WorkflowWorld
from tests.teams.workflow_world import workflow_context as teams_context
from tests.workflows.conftest import MONDAY_9AM

TYPED = (
    "Klik [hier](javascript:alert(1)) of [daar](https://evil.example 'titel') "
    "${user.password} ${if(true, 'a', 'b')} {{DATE(2017-02-14T06:08:39Z, SHORT)}} "
    '**vet** _schuin_ ~weg~ `code` "aanhalingstekens" \\ backslash \\" '
    "</script><script>alert(1)</script> ]]}} <at>Directeur Regenboog</at>\n"
    "- een lijst\n# een kop\n1. een nummer"
)
SURVIVES = (  # fragments that must arrive exactly as typed: plain text, nothing to act on
    "${user.password}",
    "${if(true, 'a', 'b')}",
    '"aanhalingstekens" \\ backslash \\"',
    "</script><script>alert(1)</script>",
    "<at>Directeur Regenboog</at>",
)
ELEMENTS = {
    "AdaptiveCard",
    "TextBlock",
    "RichTextBlock",
    "TextRun",
    "Container",
    "ActionSet",
    "Action.Submit",
    "Action.Execute",  # the channel card's refresh and its deciders' view (Universal Actions)
    "Input.Text",
    "Input.ChoiceSet",
}
ANNA_CHAT, DIRECTOR_CHAT = PEOPLE[AAD][2], PEOPLE[DIRECTOR_AAD][2]
CHANNEL = "19:escalaties@thread.tacv2"


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def text_blocks(card: dict[str, Any]) -> list[str]:
    """The texts of the TextBlocks: what Teams reads as markdown."""
    return [str(n["text"]) for n in walk(card) if n.get("type") == "TextBlock"]


def visible(text: str) -> str:
    """`text` as a reader sees it: without the invisible characters that break markup."""
    return text.replace("\u2060", "").replace("\u200d", "").replace("\u200b", "")


def assert_inert(card: dict[str, Any]) -> None:
    """The card holds only our elements and actions, no template keys, no live markdown."""
    elements = {k: v for k, v in card.items() if k != "msteams"}  # mention entities live there
    types = {str(n["type"]) for n in walk(elements) if isinstance(n.get("type"), str)}
    assert types <= ELEMENTS, types - ELEMENTS
    entities = card.get("msteams", {}).get("entities", [])
    assert all(entity["type"] == "mention" for entity in entities)
    keys = {k for n in walk(card) for k in n if k.startswith("$")}
    assert keys <= {"$schema"}, keys
    assert not any("selectAction" in n or "url" in n for n in walk(card))
    for text in text_blocks(card):
        assert "](" not in text  # no markdown link survives
        assert "{{" not in text  # no renderer function (DATE/TIME) survives
        assert len(text) <= TEXT_LIMIT
        starts = ("- ", "# ", "1. ", "> ")  # a list, a heading, a quote: \u200b goes first
        assert not any(line.lstrip().startswith(starts) for line in text.split("\n"))
    for action in (n for n in walk(card) if n.get("type") == "Action.Submit"):
        assert set(action["data"]) <= {"action", "request", "lang"}
        assert action["data"]["action"] in {
            "approve",
            "advise_against",
            "talk",
            "acknowledge",
            "resolve",
        }
    for action in (n for n in walk(card) if n.get("type") == "Action.Execute"):
        assert set(action["data"]) <= {"request", "lang"}
        assert action["verb"] in {"refresh", "acknowledge", "resolve"}


def shown(card: dict[str, Any]) -> str:
    """Every TextBlock as a reader sees it."""
    return "\n".join(visible(text) for text in text_blocks(card))


@dataclass
class Sent:
    """The cards the workflows sent, after the whole flow ran once."""

    world: WorkflowWorld

    def cards(self, conversation: str, containing: str) -> list[dict[str, Any]]:
        """The cards sent into `conversation` whose text contains `containing`."""
        found = []
        for call in self.world.connector.calls:
            if call.conversation == conversation and call.body.get("attachments"):
                card = card_of(call)
                if containing in shown(card):
                    found.append(card)
        return found


def run_flow(world: WorkflowWorld) -> None:
    """Anna asks about a draft and escalates; the director advises against; Anna adds a note."""
    for person in (AAD, DIRECTOR_AAD, DEPUTY_AAD):
        world.say(person, "hallo")
    doubt = {"action": "doubt_submit", "lang": "nl", "draft": f"Concept: {TYPED}", "when": "nu"}
    world.press(AAD, {**doubt, "link": TYPED}, reply_to="form-1")
    escalation = {"action": "escalate_submit", "lang": "nl", "what": f"Wat: {TYPED}"}
    world.press(AAD, {**escalation, "links": "geen", "urgency": "nu"}, reply_to="form-2")
    world.dispatch()
    world.press(
        DIRECTOR_AAD,
        {"action": "advise_against", "request": "1", "lang": "nl", "comment": f"Nee: {TYPED}"},
    )
    world.say(AAD, f"/notitie 2 Notitie: {TYPED}")
    world.dispatch()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sent(
    request: pytest.FixtureRequest,
    assistant: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Sent]:
    """The flow, on each database."""
    store = open_store(request.param, tmp_path_factory.mktemp("teams-inject"), request)
    world = WorkflowWorld(
        assistant, teams_context(store, ManualClock(MONDAY_9AM), org_file=ORG_FILE)
    )
    try:
        run_flow(world)
        yield Sent(world)
    finally:
        world.close()
        store.dispose()


def test_the_directors_doubt_card_shows_the_draft_inert(sent: Sent) -> None:
    [card] = sent.cards(DIRECTOR_CHAT, "Concept: Klik")

    assert_inert(card)
    assert all(fragment in shown(card) for fragment in SURVIVES)
    assert "[hier](javascript:alert(1))" in shown(card)  # readable, as typed, yet no link


def test_the_escalation_status_cards_show_the_description_inert(sent: Sent) -> None:
    for chat in (ANNA_CHAT, DIRECTOR_CHAT):
        [card, *_] = sent.cards(chat, "Wat: Klik")
        assert_inert(card)
        assert all(fragment in shown(card) for fragment in SURVIVES)


def test_the_directors_comment_reaches_the_requester_inert(sent: Sent) -> None:
    [told] = sent.cards(ANNA_CHAT, "Nee: Klik")

    assert_inert(told)
    assert all(fragment in shown(told) for fragment in SURVIVES)


def test_a_typed_note_reaches_both_inert(sent: Sent) -> None:
    """A typed message loses its `<at>` tags and line breaks on the way in (translate.py)."""
    notes = [*sent.cards(ANNA_CHAT, "Notitie: Klik"), *sent.cards(DIRECTOR_CHAT, "Notitie: Klik")]

    assert len(notes) == 2
    for card in notes:
        assert_inert(card)
        assert all(fragment in shown(card) for fragment in SURVIVES[:4])


def test_every_card_and_update_the_workflows_sent_is_inert(sent: Sent) -> None:
    calls: list[Call] = [c for c in sent.world.connector.calls if c.body.get("attachments")]

    for call in calls:
        assert_inert(card_of(call))
    assert {c.verb for c in calls} == {"POST", "PUT"}  # updates in place are checked too
    assert len(calls) >= 6


def test_a_very_long_draft_is_clipped_to_what_teams_accepts(
    assistant: Assistant, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'long.db'}")
    world = WorkflowWorld(
        assistant, teams_context(store, ManualClock(MONDAY_9AM), org_file=ORG_FILE)
    )
    try:
        for person in (AAD, DIRECTOR_AAD):
            world.say(person, "hallo")
        long_draft = TYPED + " lang" * 20_000  # 100 kB: within the body limit
        value = {"action": "doubt_submit", "lang": "nl", "draft": long_draft, "when": "nu"}
        world.press(AAD, value, reply_to="form-long")
        world.dispatch()
        [card] = [
            card_of(call)
            for call in world.connector.calls
            if call.conversation == DIRECTOR_CHAT and call.body.get("attachments")
        ]
    finally:
        world.close()
        store.dispose()

    assert_inert(card)
    assert max(len(text) for text in text_blocks(card)) <= TEXT_LIMIT
    assert "Klik [hier](javascript:alert(1))" in shown(card)  # the start, shortened, still inert
    assert "…" in shown(card)
    assert len(json.dumps(card)) < 28_000  # Teams' message size limit


def test_a_channel_thread_mentions_only_the_participants(
    assistant: Assistant, tmp_path: Path
) -> None:
    """`<at>Name</at>` in a description is a mention only where the card lists an entity with
    that text; the card lists the requester and the director, never a name someone typed."""
    org = tmp_path / "org.yaml"
    line = "    staff: [anna@kofschip.example, bram@kofschip.example]\n"
    org.write_text(
        ORG_FILE.read_text().replace(
            line, line + f'    escalation_channel: {{teams: "{CHANNEL}"}}\n'
        )
    )
    store = Store.open(f"sqlite:///{tmp_path / 'channel.db'}")
    world = WorkflowWorld(assistant, teams_context(store, ManualClock(MONDAY_9AM), org_file=org))
    try:
        for person in (AAD, DIRECTOR_AAD):
            world.say(person, "hallo")
        value = {"action": "escalate_submit", "lang": "nl", "what": TYPED, "urgency": "nu"}
        world.press(AAD, value, reply_to="form-channel")
        world.dispatch()
        [created] = [c for c in world.connector.calls if c.verb == "CREATE"]
    finally:
        world.close()
        store.dispose()

    card = created.body["activity"]["attachments"][0]["content"]
    mentioned = {e["mentioned"]["id"] for e in card["msteams"]["entities"]}
    assert created.conversation == CHANNEL
    assert mentioned == {PEOPLE[AAD][0], PEOPLE[DIRECTOR_AAD][0]}
    assert {e["text"] for e in card["msteams"]["entities"]} == {
        "<at>Juf Anna</at>",
        "<at>Directeur Kofschip</at>",
    }
    assert_inert(card)
