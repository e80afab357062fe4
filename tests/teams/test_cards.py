"""Adaptive Card rendering: any Reply renders a valid card, and no text can inject markup."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from adapters.teams import cards
from bot.assistant import Assistant
from bot.models import Button, Quote, Reply
from tests.teams.conftest import submits, texts

MARKUP = re.compile(r"\]\(|(^|\n)\s*([-+>#]|\d+\.)\s|[*_~`]\w")

words = st.text(max_size=200)
buttons = st.builds(
    Button,
    label=words,
    action=st.sampled_from(["show_clause", "doubt_check", "escalate"]),
    value=st.text(max_size=30),
)
quotes = st.builds(Quote, clause_id=words, number=words, section=words, title=words, text=words)
replies = st.builds(
    Reply,
    kind=st.sampled_from(["answer", "did_you_mean"]),
    lang=st.sampled_from(["nl", "en"]),
    text=st.text(max_size=5000),
    quote=st.none() | quotes,
    buttons=st.lists(buttons, max_size=8).map(tuple),
    explanation=words,
    notes=st.lists(words, max_size=7).map(tuple),
    clause_id=st.none() | st.text(min_size=1, max_size=20),
)


def text_blocks(element: object) -> list[str]:
    """The text of every TextBlock (the elements that read markdown)."""
    found: list[str] = []
    if isinstance(element, dict):
        if element.get("type") == "TextBlock":
            found.append(str(element["text"]))
        for value in element.values():
            found += text_blocks(value)
    elif isinstance(element, list):
        for item in element:
            found += text_blocks(item)
    return found


@given(reply=replies, question=st.none() | st.text(max_size=500))
def test_any_reply_renders_a_valid_card(reply: Reply, question: str | None) -> None:
    card = cards.render_card(reply, question=question)

    assert json.loads(json.dumps(card)) == card
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    assert card["fallbackText"].strip()
    assert all(isinstance(s.get("data"), dict) and s["data"] for s in submits(card))
    assert all(
        s["data"].get("action") in cards.HANDLED_ACTIONS or is_im_back(s) for s in submits(card)
    )
    assert all(text.strip() for text in texts(card))
    assert not any(MARKUP.search(text) for text in text_blocks(card))
    assert len(json.dumps(card)) < 28_000  # Teams' message size limit


@given(question=st.text(min_size=1, max_size=500))
def test_the_question_is_shown_only_as_a_text_run(question: str) -> None:
    reply = Reply(kind="answer", lang="nl", text="Antwoord.", clause_id="A5")

    card = cards.render_card(reply, question=question)

    echo = card["body"][0]
    assert echo["type"] == "RichTextBlock"
    assert [run["type"] for run in echo["inlines"]] == ["TextRun", "TextRun"]
    assert "{{" not in echo["inlines"][1]["text"]


def test_a_link_in_a_text_block_is_broken() -> None:
    text = "Klik [hier](https://evil.example) of **nu**\n- lijst\n# kop"

    safe = cards.neutralise(text)

    assert "](" not in safe
    assert not MARKUP.search(safe)
    assert safe.replace("\u2060", "").replace("\u200b", "") == text


def test_a_near_tie_card_offers_other_answers(assistant: Assistant) -> None:
    clause, other = assistant.knowledge.clause("A2"), assistant.knowledge.clause("C1")
    reply = assistant.answer(clause, "nl", alternatives=(other,))

    card = cards.render_card(reply)

    assert {"action": "show_clause", "clause": "C1", "lang": "nl"} in [
        s["data"] for s in submits(card)
    ]


def test_the_explanation_is_hidden_behind_a_toggle() -> None:
    reply = Reply(kind="answer", lang="en", text="Yes.", explanation="Matched A.5 (0.91)")

    card = cards.render_card(reply)

    [toggle_set, why] = [b for b in card["body"] if b.get("type") == "ActionSet" or b.get("id")]
    assert toggle_set["actions"][0]["type"] == "Action.ToggleVisibility"
    assert toggle_set["actions"][0]["targetElements"] == [why["id"]]
    assert why["isVisible"] is False


def test_answers_are_cards_and_everything_else_is_plain_text() -> None:
    kinds = ["answer", "did_you_mean", "out_of_scope", "help", "empty", "notice"]

    is_card = [cards.is_card_reply(Reply(kind=k, lang="nl", text="x")) for k in kinds]  # type: ignore[arg-type]

    assert is_card == [True, True, False, False, False, False]


def is_im_back(action: dict[str, Any]) -> bool:
    """A suggested question: Teams posts its text as the user's message."""
    back = action["data"].get("msteams", {})
    return (
        back.get("type") == "imBack"
        and bool(back.get("value"))
        and set(action["data"]) == {"msteams"}
    )
