"""Follow-up questions: read together with the conversation's previous question."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.conversation import Conversations, DbContexts, MemoryContexts, is_why
from bot.matching import Index
from bot.models import IncomingMessage, Knowledge, Reply, UserRef
from bot.reload import ReloadableAssistant
from bot.store.db import Store

ME = UserRef(platform="console", user_id="me")
START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def assistant(knowledge: Knowledge, index: Index, clock: ManualClock) -> Assistant:
    return Assistant(knowledge, index=index, conversations=Conversations(clock=clock))


def say(assistant: Assistant, text: str, conversation: str = "c1") -> Reply:
    return assistant.handle(IncomingMessage(text, ME, conversation=conversation))


def test_a_follow_up_is_answered_in_the_light_of_the_previous_question(
    assistant: Assistant,
) -> None:
    assert say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?").clause_id == "A5"

    reply = say(assistant, "en als de ouders toestemming geven?")

    assert (reply.kind, reply.clause_id) == ("answer", "A5")
    assert reply.notes[0].startswith("Je vorige vraag ging over A.5")
    assert not reply.text.startswith("Foto's, filmpjes en geluidsopnamen")  # the consent variant


def test_the_same_follow_up_alone_is_not_read_as_a_photo_question(assistant: Assistant) -> None:
    reply = say(assistant, "en als de ouders toestemming geven?", conversation="elsewhere")
    assert reply.clause_id != "A5" or not reply.notes


def test_an_english_follow_up_gets_an_english_answer(assistant: Assistant) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")

    reply = say(assistant, "and on LinkedIn?")

    assert (reply.clause_id, reply.lang) == ("A5", "en")
    assert reply.notes[0].startswith("Your previous question was about A.5")


def test_why_gives_the_principles_the_clause_rests_on(
    assistant: Assistant, knowledge: Knowledge
) -> None:
    say(assistant, "een leerling stuurt me een vriendschapsverzoek op insta")

    reply = say(assistant, "waarom?")

    assert reply.clause_id == "A6"
    assert reply.text.startswith("Waarom A.6")
    principles = [c for c in knowledge.clauses if c.section_id == "U"]
    assert any(f"{p.number} {p.title.nl}" in reply.text for p in principles)


def test_why_without_a_previous_question_is_not_invented(assistant: Assistant) -> None:
    reply = say(assistant, "waarom?", conversation="new")
    assert not reply.text.startswith("Waarom ")


def test_a_self_contained_question_is_not_changed_by_the_context(assistant: Assistant) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")

    reply = say(assistant, "een leerling stuurt me een vriendschapsverzoek")

    assert (reply.clause_id, reply.notes) == ("A6", ())


def test_the_context_expires_after_the_idle_time(assistant: Assistant, clock: ManualClock) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")
    clock.advance(minutes=11)

    reply = say(assistant, "en als de ouders toestemming geven?")

    assert not any(n.startswith("Je vorige vraag") for n in reply.notes)


def test_small_talk_keeps_the_context(assistant: Assistant) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")
    assert say(assistant, "bedankt!").kind == "help"

    assert say(assistant, "waarom?").clause_id == "A5"


def test_without_conversations_the_assistant_stays_stateless(
    knowledge: Knowledge, index: Index
) -> None:
    plain = Assistant(knowledge, index=index)
    say(plain, "Mag ik foto's van mijn klas op Instagram zetten?")
    assert not say(plain, "waarom?").text.startswith("Waarom ")


def test_serve_processes_share_the_context_through_the_database(
    knowledge: Knowledge, index: Index, clock: ManualClock, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'shared.db'}")
    first, second = (
        ReloadableAssistant(
            Assistant(knowledge, index=index),
            conversations=Conversations(DbContexts(store, timedelta(minutes=10)), clock=clock),
        )
        for _ in range(2)
    )
    say(first, "Mag ik foto's van mijn klas op Instagram zetten?")

    reply = say(second, "en als de ouders toestemming geven?")

    assert reply.notes[0].startswith("Je vorige vraag ging over A.5")


def test_the_context_survives_a_reload(knowledge: Knowledge, index: Index) -> None:
    served = ReloadableAssistant(
        Assistant(knowledge, index=index), conversations=Conversations(MemoryContexts())
    )
    say(served, "Mag ik foto's van mijn klas op Instagram zetten?")
    served.swap(Assistant(knowledge, index=index))

    assert say(served, "waarom?").text.startswith("Waarom A.5")


@pytest.mark.parametrize(
    "text", ["waarom?", "Waarom", "why?", "Why not?", "hoezo?", "waarom eigenlijk?", "why is that?"]
)
def test_why_is_recognised(text: str) -> None:
    assert is_why(text)


@pytest.mark.parametrize("text", ["waarom mag ik geen foto's delen?", "why can't I post this"])
def test_a_question_that_starts_with_why_is_a_question(text: str) -> None:
    assert not is_why(text)


def test_a_follow_up_that_points_back_is_read_in_context(assistant: Assistant) -> None:
    say(assistant, "een ouder scheldt me uit in een facebookgroep en anderen doen mee")

    reply = say(assistant, "wat moet ik dan doen?")

    assert reply.clause_id == "B2" and reply.notes


def test_a_long_self_contained_question_ignores_the_context(assistant: Assistant) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")

    reply = say(assistant, "Wat gebeurt er als een medewerker zich niet aan het protocol houdt?")

    assert reply.notes == () and reply.clause_id in ("S1", "S3")


def test_a_question_confidently_outside_the_protocol_stays_outside(assistant: Assistant) -> None:
    say(assistant, "Mag ik foto's van mijn klas op Instagram zetten?")

    reply = say(assistant, "Wat kost de schoolreis?")

    assert (reply.kind, reply.notes) == ("out_of_scope", ())
