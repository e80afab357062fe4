"""Greetings, help and thanks get the help text, in the user's language; a greeting in front of
a real question does not hide the question."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from adapters.slack import workflows as slack_workflows
from adapters.teams import workflows as teams_workflows
from bot import messages as msg
from bot.assistant import Assistant, small_talk, without_small_talk
from bot.models import IncomingMessage, Reply, UserRef

USER = UserRef(platform="test", user_id="u1")
MANIFEST = Path(__file__).resolve().parents[1] / "adapters" / "slack" / "manifest.yml"


def ask(assistant: Assistant, text: str) -> Reply:
    return assistant.handle(IncomingMessage(text=text, user=USER))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Good morning! What is this bot for?", "en"),
        ("wat kun je allemaal?", "nl"),
        ("what can you do?", "en"),
        ("help", "nl"),
        ("hulp", "nl"),
        ("Help!", "nl"),
        ("/help", "nl"),
        ("hoi", "nl"),
        ("Hallo!", "nl"),
        ("hello", "en"),
        ("Hoi, wat kun je eigenlijk?", "nl"),
        ("hi there! how does this work?", "en"),
        ("goedemorgn", "nl"),  # one typo
        ("Goedemiddag. Wat kan ik je vragen?", "nl"),
    ],
)
def test_greetings_and_help_get_the_help_text(assistant: Assistant, text: str, lang: str) -> None:
    reply = ask(assistant, text)
    assert (reply.kind, reply.lang, reply.clause_id) == ("help", lang, None)
    assert reply.text.startswith(msg.HELP_GREETING.get(lang))
    assert "Het Kofschip" in reply.text and "Instagram" in reply.text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("bedankt!", "nl"),
        ("Dank je wel!", "nl"),
        ("top, bedankt", "nl"),
        ("thanks!", "en"),
        ("Thank you so much.", "en"),
    ],
)
def test_thanks_get_you_are_welcome_and_the_help(
    assistant: Assistant, text: str, lang: str
) -> None:
    reply = ask(assistant, text)
    assert (reply.kind, reply.lang) == ("help", lang)
    assert reply.text.startswith(msg.HELP_THANKS.get(lang))
    assert msg.HELP.get(lang).split(" ")[0] in reply.text


def test_an_acknowledgement_gets_the_help_without_thanks(assistant: Assistant) -> None:
    reply = ask(assistant, "ok")
    assert reply.kind == "help"
    assert reply.text.startswith(msg.HELP_ACK.get(reply.lang))


def test_the_language_of_the_message_wins_over_the_words(assistant: Assistant) -> None:
    reply = assistant.handle(IncomingMessage(text="hoi", user=USER, lang="en"))
    assert (reply.kind, reply.lang) == ("help", "en")


@pytest.mark.parametrize(
    ("text", "clause"),
    [
        ("help, mag ik een foto van mijn klas posten?", "A5"),
        ("Help! Mag ik een foto van mijn klas op Instagram zetten?", "A5"),
        ("goedemorgen, mag ik een foto van mijn klas op instagram zetten?", "A5"),
        ("hoi mag ik een foto van mijn klas op instagram zetten", "A5"),
        ("thanks, can I post photos of my class on instagram?", "A5"),
        ("Hi! Can I accept a friend request from a pupil?", "A6"),
    ],
)
def test_a_greeting_before_a_question_still_gets_the_answer(
    assistant: Assistant, text: str, clause: str
) -> None:
    reply = ask(assistant, text)
    assert (reply.kind, reply.clause_id) == ("answer", clause)


@pytest.mark.parametrize(
    "text",
    ["what can I do?", "wat kan ik doen tegen pesten online", "hoi hoe zit het met foto's"],
)
def test_questions_that_look_like_small_talk_are_not(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize("text", ["", "   ", "?!", "…"])
def test_no_words_is_not_small_talk(text: str) -> None:
    assert small_talk(text) is None


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_help_names_both_workflow_commands_with_an_example(
    assistant: Assistant, lang: str
) -> None:
    text = ask(assistant, "hoi" if lang == "nl" else "hello").text
    lines = text.splitlines()
    for command in (slack_workflows.DOUBT_COMMAND, slack_workflows.ESCALATE_COMMAND):
        assert command in text
        [line] = [line for line in lines if line.startswith("• /") and command in line]
        assert "“" in line and "?”" in line, line  # one example question each


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_help_names_the_teams_commands_and_the_slack_shortcuts(lang: str) -> None:
    text = msg.HELP.get(lang)
    for command in teams_workflows.DOUBT_COMMANDS + teams_workflows.ESCALATE_COMMANDS:
        assert command in text
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    for shortcut in {s["name"] for s in manifest["features"]["shortcuts"]}:
        assert f"“{shortcut}”" in text


@pytest.mark.parametrize(
    ("typed", "matched"),
    [
        (
            "Hoi, mag ik foto's van mijn klas posten? Alvast bedankt!",
            "mag ik foto's van mijn klas posten?",
        ),
        (
            "Goedemorgen! Can I post pictures of my class? Thanks",
            "Can I post pictures of my class?",
        ),
        ("mag ik foto's van mijn klas posten?", "mag ik foto's van mijn klas posten?"),
        ("bedankt", "bedankt"),
    ],
)
def test_greetings_and_thanks_around_a_question_are_not_matched(typed: str, matched: str) -> None:
    assert without_small_talk(typed) == matched
