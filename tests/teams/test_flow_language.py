"""An English /doubt in Teams stays English, over HTTP on loopback; the director's card is in
the director's language (`lang` in the org file)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.forms import WHEN_LABEL
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.store.db import Store
from tests.teams.conftest import AAD, card_of, submits
from tests.teams.conftest import texts as card_texts
from tests.teams.test_workflows import clock, greet, last_text, request, store, to  # noqa: F401
from tests.teams.workflow_world import DIRECTOR_AAD, ORG_FILE, WorkflowWorld, workflow_context
from tests.workflows.conftest import AMSTERDAM, pg_target  # noqa: F401 (a fixture)

DRAFT = "Photo of the school trip with all the children of group 8!"


def english_director_org(folder: Path) -> Path:
    """The Teams test organisation with a director who reads English."""
    org_file = folder / "org-english-director.yaml"
    dutch = "name: Directeur Kofschip,"
    org_file.write_text(ORG_FILE.read_text().replace(dutch, dutch + " lang: en,"))
    return org_file


def world(assistant: Assistant, db: Store, at: ManualClock, **org: Path) -> WorkflowWorld:
    return WorkflowWorld(assistant, workflow_context(db, at, **org))


@pytest.fixture
def dutch_director(
    assistant: Assistant,
    store: Store,  # noqa: F811
    clock: ManualClock,  # noqa: F811
) -> Iterator[WorkflowWorld]:
    teams = world(assistant, store, clock)
    yield teams
    teams.close()


@pytest.fixture
def english_director(
    assistant: Assistant,
    store: Store,  # noqa: F811
    clock: ManualClock,  # noqa: F811
    tmp_path: Path,
) -> Iterator[WorkflowWorld]:
    teams = world(assistant, store, clock, org_file=english_director_org(tmp_path))
    yield teams
    teams.close()


def send_english_doubt(wf: WorkflowWorld) -> dict[str, Any]:
    """Anna types /doubt and submits the form in English; returns the form card."""
    greet(wf, AAD, DIRECTOR_AAD)
    wf.say(AAD, f"/doubt {DRAFT}")
    form = card_of(to(wf, AAD)[-1])
    value = {"action": "doubt_submit", "lang": "en", "draft": DRAFT, "link": ""}
    wf.press(AAD, {**value, "platform": "Instagram", "when": "tomorrow at 9"})
    return form


def test_an_english_doubt_is_english_and_the_dutch_director_reads_dutch(
    dutch_director: WorkflowWorld,
) -> None:
    wf = dutch_director
    form = send_english_doubt(wf)
    shown = card_texts(form)
    assert "Ask my director (B.3)" in shown
    when = next(e for e in form["body"] if e.get("id") == "when")
    assert (when["label"], when["value"]) == (WHEN_LABEL.en, "unknown")
    assert [s["data"] for s in submits(form)] == [{"action": "doubt_submit", "lang": "en"}]
    assert last_text(wf, AAD).startswith("Sent to Directeur Kofschip (doubt check #1).")
    assert request(wf.ctx.store).publish_at == datetime(2025, 3, 11, 9, 0, tzinfo=AMSTERDAM)
    wf.dispatch()
    card = "\n".join(card_texts(card_of(to(wf, DIRECTOR_AAD)[-1])))
    assert "Twijfelcheck #1 van Juf Anna (Het Kofschip)" in card
    assert "publicatie: 2025-03-11 09:00" in card


def test_an_english_director_gets_the_card_and_its_buttons_in_english(
    english_director: WorkflowWorld,
) -> None:
    wf = english_director
    send_english_doubt(wf)
    wf.dispatch()
    card = card_of(to(wf, DIRECTOR_AAD)[-1])
    assert "Doubt check #1 from Juf Anna (Het Kofschip)" in "\n".join(card_texts(card))
    assert [s["title"] for s in submits(card)] == ["Approve", "Advise against", "Let's talk"]
    wf.press(DIRECTOR_AAD, {"action": "approve", "request": "1", "lang": "en"})
    assert last_text(wf, DIRECTOR_AAD) == (
        "Recorded: you approved doubt check #1. Juf Anna will be told."
    )
