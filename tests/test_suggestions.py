"""Suggested next questions: related clauses, most asked first, pressed as if typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.console.chat import ConsoleChat
from bot.assistant import Assistant
from bot.knowledge import load_knowledge
from bot.matching import Index
from bot.models import IncomingMessage, Knowledge, Reply, UserRef
from bot.questions import clause_counts
from bot.store.db import Store
from bot.store.models import QuestionRow
from bot.suggestions import ASK, CachedPopularity, canonical_question

ME = UserRef(platform="console", user_id="me")
PHOTOS = "Mag ik foto's van mijn klas op Instagram zetten?"


def suggestions(reply: Reply) -> list[str]:
    return [b.value for b in reply.buttons if b.action == ASK]


def test_an_answer_suggests_its_related_clauses_questions(
    knowledge: Knowledge, index: Index
) -> None:
    reply = Assistant(knowledge, index=index).handle(IncomingMessage(PHOTOS, ME))

    related = [knowledge.clause(r) for r in knowledge.clause("A5").related]
    assert suggestions(reply) == [canonical_question(c, "nl") for c in related][:3]
    assert all(s.endswith("?") and s[0].isupper() for s in suggestions(reply))


def test_suggestions_are_in_the_users_language(knowledge: Knowledge, index: Index) -> None:
    reply = Assistant(knowledge, index=index).handle(
        IncomingMessage("can I post pictures of my class on instagram", ME)
    )
    related = [knowledge.clause(r) for r in knowledge.clause("A5").related]
    assert suggestions(reply) == [canonical_question(c, "en") for c in related][:3]
    assert "Can I share knowledge on social media?" in suggestions(reply)


def test_the_most_asked_related_clause_comes_first(knowledge: Knowledge, index: Index) -> None:
    counts = {"C1": 12, "B3": 3}
    reply = Assistant(knowledge, index=index, popularity=lambda: counts).handle(
        IncomingMessage(PHOTOS, ME)
    )
    first, second, *_ = suggestions(reply)
    assert first == canonical_question(knowledge.clause("C1"), "nl")
    assert second == canonical_question(knowledge.clause("B3"), "nl")


def test_a_did_you_mean_offers_the_alternatives_not_suggestions(
    knowledge: Knowledge, index: Index
) -> None:
    reply = Assistant(knowledge, index=index).handle(
        IncomingMessage("mag ik iets over school posten", ME)
    )
    if reply.kind == "did_you_mean":
        assert suggestions(reply) == []


def test_popularity_is_read_again_only_after_its_interval() -> None:
    calls: list[int] = []

    def source() -> dict[str, int]:
        calls.append(1)
        return {"A5": len(calls)}

    cached = CachedPopularity(source, seconds=3600)
    assert cached() == {"A5": 1} and cached() == {"A5": 1}
    assert len(calls) == 1


def test_a_failing_source_orders_nothing_and_fails_nothing() -> None:
    def broken() -> dict[str, int]:
        raise RuntimeError("database down")

    assert CachedPopularity(broken)() == {}


def test_clause_counts_come_from_the_question_log(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'q.db'}")
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    rows = [("A5", now), ("A5", now), ("C1", now), ("C1", now - timedelta(days=60)), (None, now)]
    with store.transaction() as session:
        for clause, moment in rows:
            session.add(
                QuestionRow(
                    asked_at=moment, platform="console", lang="nl", kind="answer", clause_id=clause
                )
            )

    assert clause_counts(store, now - timedelta(days=30)) == {"A5": 2, "C1": 1}


def test_pressing_a_suggestion_in_the_terminal_asks_it(index: Index) -> None:
    chat = ConsoleChat(Assistant(load_knowledge(), index=index))
    first = chat.respond(PHOTOS)
    number = next(i for i, b in enumerate(first.buttons, 1) if b.action == ASK)

    asked = chat.respond(str(number))

    pressed = first.buttons[number - 1].value
    alone = chat.assistant.handle(IncomingMessage(pressed, ME))
    assert (asked.kind, asked.clause_id) == ("answer", alone.clause_id)
    assert asked.clause_id != "A5"
