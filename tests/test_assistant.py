"""The assistant: replies for answers, help, out-of-scope, buttons and bad input."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.console.chat import ConsoleChat, render
from bot.assistant import Assistant
from bot.matching import MatcherConfig, build_index
from bot.models import IncomingMessage, Knowledge, Reply, UserRef

USER = UserRef(platform="test", user_id="u1")


def ask(assistant: Assistant, text: str) -> Reply:
    return assistant.handle(IncomingMessage(text=text, user=USER))


def test_answer_quotes_the_clause(assistant: Assistant) -> None:
    reply = ask(assistant, "mag ik fotos van de kindren op fb zetten")
    assert reply.kind in ("answer", "did_you_mean")
    assert reply.clause_id == "A5"
    assert reply.text.startswith("Foto's, filmpjes en geluidsopnamen")
    assert reply.quote is not None
    assert reply.quote.number == "A.5"
    assert reply.quote.text.startswith("Het is voor medewerkers niet toegestaan om foto-")
    assert "A.5" in reply.explanation


def test_english_question_gets_english_answer(assistant: Assistant) -> None:
    reply = ask(assistant, "Can I post photos of my class on Instagram?")
    assert (reply.lang, reply.clause_id) == ("en", "A5")
    assert reply.text.startswith("You only post photos")
    assert reply.quote is not None and reply.quote.text.startswith("Staff")
    assert reply.explanation.startswith("Why this answer")


def test_out_of_scope_is_an_honest_refusal(assistant: Assistant) -> None:
    reply = ask(assistant, "Hoeveel vakantiedagen heb ik?")
    assert (reply.kind, reply.clause_id, reply.quote) == ("out_of_scope", None, None)
    assert "protocol" in reply.text
    assert "foto" in reply.text  # says what it does cover


def test_english_out_of_scope(assistant: Assistant) -> None:
    reply = ask(assistant, "how many vacation days do I have left this year?")
    assert (reply.kind, reply.lang) == ("out_of_scope", "en")


@pytest.mark.parametrize("text", ["hoi", "Hallo!", "help", "wat kun je?", "/help"])
def test_greeting_and_help_get_an_introduction(assistant: Assistant, text: str) -> None:
    reply = ask(assistant, text)
    assert reply.kind == "help"
    assert "Het Kofschip" in reply.text and "Instagram" in reply.text


def test_english_greeting(assistant: Assistant) -> None:
    reply = ask(assistant, "hello")
    assert (reply.kind, reply.lang) == ("help", "en")


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01"])
def test_empty_input_gets_help(assistant: Assistant, text: str) -> None:
    assert ask(assistant, text).kind == "empty"


def test_doubt_button_on_b3(assistant: Assistant) -> None:
    reply = ask(assistant, "ik twijfel of ik dit bericht over school mag posten")
    assert reply.clause_id == "B3"
    assert ("doubt_check", "B3") in [(b.action, b.value) for b in reply.buttons]


def test_escalate_button_on_b2(assistant: Assistant) -> None:
    reply = ask(assistant, "een discussie op facebook over school loopt uit de hand")
    assert reply.clause_id == "B2"
    assert reply.action == "escalate"
    actions = [b.action for b in reply.buttons]
    assert actions[0] == "escalate" and set(actions[1:]) <= {"ask"}


def test_no_workflow_button_elsewhere(assistant: Assistant) -> None:
    reply = ask(assistant, "mag ik een vriendschapsverzoek van een leerling accepteren")
    assert not [b for b in reply.buttons if b.action in ("doubt_check", "escalate")]


def test_truncated_message_says_so(assistant: Assistant) -> None:
    reply = ask(assistant, "mag ik foto's van mijn klas op facebook zetten? " * 100)
    assert reply.notes and "2000" in reply.notes[0]


def test_show_clause_for_other_answers(assistant: Assistant) -> None:
    reply = assistant.show_clause("C3", "nl")
    assert reply.quote is not None and reply.quote.number == "C.3"
    assert assistant.show_clause("ZZ", "en").kind == "notice"


def test_console_renders_buttons_as_numbered_choices(assistant: Assistant) -> None:
    chat = ConsoleChat(assistant)
    reply = chat.respond("ik twijfel of mijn post over school wel mag, wat nu")
    number = next(i for i, b in enumerate(reply.buttons, 1) if b.action == "doubt_check")
    assert f"[{number}] Vraag mijn directeur" in render(reply)
    pressed = chat.respond(str(number))
    assert pressed.kind == "notice"  # no workflow hook given to this chat


def test_console_other_answer_button_shows_that_clause(knowledge: Knowledge) -> None:
    wide = Assistant(knowledge, index=build_index(knowledge, replace(MatcherConfig(), near_tie=1)))
    chat = ConsoleChat(wide)
    first = chat.respond("moet ik zeggen dat ik op school werk als ik reageer op facebook")
    assert first.kind == "did_you_mean"
    other = next(b for b in first.buttons if b.action == "show_clause")
    shown = chat.respond(str(first.buttons.index(other) + 1))
    assert shown.clause_id == other.value


def test_console_conversation_until_exit(assistant: Assistant) -> None:
    out = io.StringIO()
    code = ConsoleChat(assistant).run(io.StringIO("hoi\nmag ik op fb tijdens de les\nexit\n"), out)
    assert code == 0
    assert "A.2" in out.getvalue() and "Tot ziens" in out.getvalue()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2500))
def test_assistant_never_raises(assistant: Assistant, text: str) -> None:
    reply = ask(assistant, text)
    assert reply.text
