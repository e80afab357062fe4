"""Noise stays out of the question log: numbers, commands, thanks, emoji, mashing, SQL.

The rule is bot.questions.worth_logging; every recorder applies it, and the terminal chat never
sends a bare number to the matcher.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from adapters.console.chat import ConsoleChat, render
from bot.assistant import Assistant
from bot.models import IncomingMessage, Reply, UserRef
from bot.questions import BatchingQuestionLog, DbQuestionLog, worth_logging
from bot.reload import ReloadableAssistant
from bot.store.db import Store
from bot.store.models import QuestionRow
from bot.workflows.base import Actor, Context
from bot.workflows.commands import CommandSession
from tests.workflows.conftest import ANNA, knowledge_for

NOISE = [
    "2",
    "12",
    " 3 ",
    "/twijfle",
    "/help",
    "exit",
    "help",
    "asdfghjkl",
    "qwerty",
    "sdfgh",
    "hahahaha",
    "'; DROP TABLE x; --",
    "' OR '1'='1",
    "1; delete from questions",
    "bedankt",
    "Bedankt!",
    "dank je wel",
    "thanks",
    "thank you!",
    "ok",
    "Oké, top",
    "👍",
    "🎉🎉🎉",
    "...",
    "",
]
QUESTIONS = [
    "Mag ik foto's van mijn klas op Instagram zetten?",
    "Wat is het wachtwoord van de wifi?",
    "Is dit ok?",
    "help, een ouder scheldt me uit op facebook",
    "ok, mag ik ook op tiktok?",
    "Can I select photos from the class album for our website?",
    "Darf ich Fotos posten?",
]
OUT_OF_SCOPE = Reply(kind="out_of_scope", lang="nl", text="", confidence=0.1)


def count_rows(store: Store) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(QuestionRow)) or 0)


def message(text: str) -> IncomingMessage:
    return IncomingMessage(text=text, user=UserRef("console", ANNA))


@pytest.mark.parametrize("text", NOISE)
def test_noise_is_not_worth_logging(text: str) -> None:
    assert not worth_logging(text)


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_worth_logging(text: str) -> None:
    assert worth_logging(text)


def test_both_recorders_leave_noise_out(ctx: Context) -> None:
    direct = DbQuestionLog(ctx.store, clock=ctx.clock)
    batching = BatchingQuestionLog(ctx.store, clock=ctx.clock)
    for text in NOISE:
        direct.record(message(text), OUT_OF_SCOPE)
        batching.record(message(text), OUT_OF_SCOPE)
    batching.close()
    assert count_rows(ctx.store) == 0
    direct.record(message(QUESTIONS[1]), OUT_OF_SCOPE)
    assert count_rows(ctx.store) == 1


class Chat:
    """Anna's terminal chat, its questions logged as `policybot chat` logs them."""

    def __init__(self, ctx: Context) -> None:
        log = DbQuestionLog(ctx.store, clock=ctx.clock)
        assistant = ReloadableAssistant(Assistant(knowledge_for("Het Kofschip")), questions=log)
        self.chat = ConsoleChat(
            assistant,
            user=UserRef("console", ANNA, email=ANNA),
            commands=CommandSession(ctx, Actor(ANNA, "console")),
        )

    def type(self, line: str) -> str:
        return render(self.chat.respond(line))


def test_nothing_typed_as_noise_in_the_chat_is_logged(ctx: Context) -> None:
    chat = Chat(ctx)
    for text in NOISE:
        chat.type(text)
    assert count_rows(ctx.store) == 0
    chat.type("Wat is het wachtwoord van de wifi?")
    assert count_rows(ctx.store) == 1


def test_a_bare_number_without_choices_gets_a_notice_not_the_matcher(ctx: Context) -> None:
    chat = Chat(ctx)
    assert chat.type("2") == (
        "Er is nu niets om te kiezen. Typ je vraag in woorden, of /help voor de commando's."
    )
    chat.type("/requests")
    assert chat.type("2").startswith("There is nothing to choose right now.")
    assert count_rows(ctx.store) == 0


def test_numbers_press_the_choices_of_the_last_message_only(ctx: Context) -> None:
    chat = Chat(ctx)
    answer = chat.chat.respond("ik twijfel of ik dit bericht mag plaatsen, wat moet ik doen")
    count = len(answer.buttons)
    assert count >= 1
    assert chat.type(str(count + 1)).startswith(f"Kies een nummer van 1 tot en met {count}.")
    doubt = next(i for i, b in enumerate(answer.buttons, 1) if b.action == "doubt_check")
    assert "tekst van je bericht" in chat.type(str(doubt))  # the choices were kept
    chat.type("/annuleer")
    assert chat.type(str(doubt)).startswith("Er is nu niets om te kiezen.")  # not the answer's
