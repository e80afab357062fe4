"""Block Kit rendering and mrkdwn escaping: pure functions, checked against Slack's limits."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.slack import blocks
from adapters.slack.mrkdwn import (
    escape,
    escape_chunks,
    escaped_length,
    to_plain,
    unescape,
    user_mention,
)
from bot.assistant import Assistant
from bot.models import Button, IncomingMessage, Quote, Reply, UserRef

SLACK_MAX_BLOCKS = 50
ANY_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40_000)
SHORT_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


def ask(assistant: Assistant, question: str) -> Reply:
    return assistant.handle(IncomingMessage(question, UserRef("slack", "U0ASKER1")))


def text_objects(value: Any) -> list[dict[str, Any]]:
    """Every text object ({"type": "mrkdwn"|"plain_text", "text": ...}) in a block tree."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("type") in ("mrkdwn", "plain_text") and isinstance(value.get("text"), str):
            found.append(value)
        for item in value.values():
            found += text_objects(item)
    elif isinstance(value, list):
        for item in value:
            found += text_objects(item)
    return found


def buttons(message_blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in message_blocks if b["type"] == "actions" for e in b["elements"]]


def test_escape_turns_control_characters_into_entities() -> None:
    assert escape("<!channel> & <@U123> <http://evil|nice>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://evil|nice&gt;"
    )


@given(ANY_TEXT)
def test_unescape_undoes_escape(text: str) -> None:
    assert unescape(escape(text)) == text
    assert escaped_length(text) == len(escape(text))


@settings(max_examples=200)
@given(ANY_TEXT, st.integers(min_value=5, max_value=3000))
def test_escaped_chunks_fit_and_rejoin_to_the_escaped_text(text: str, limit: int) -> None:
    pieces = escape_chunks(text, limit)

    assert "".join(pieces) == escape(text)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert all("<" not in piece and ">" not in piece for piece in pieces)


def test_chunks_prefer_to_break_between_words() -> None:
    assert escape_chunks("aaaa bbbb cccc", 10) == ["aaaa bbbb ", "cccc"]


def test_to_plain_resolves_slack_markup_and_drops_the_bots_own_mention() -> None:
    text = "<@UBOT> vraag van <@U123|anna> in <#C1|team>: <!here> zie <https://x.nl|dit> &amp; meer"

    assert to_plain(text, bot_user_id="UBOT") == "vraag van @anna in #team: @here zie dit & meer"


def test_user_mention_only_for_well_formed_ids() -> None:
    assert user_mention("U0ASKER1") == "<@U0ASKER1>"
    assert user_mention("U1> <!channel") == ""


def test_an_answer_renders_text_quote_why_and_feedback(assistant: Assistant) -> None:
    reply = ask(assistant, "mag ik foto's van mijn klas op insta zetten?")

    rendered = blocks.render(reply).blocks

    assert [b["type"] for b in rendered] == ["section", "section", "context", "actions", "actions"]
    assert rendered[1]["text"]["text"].startswith("*A.5 · ")
    assert rendered[2]["elements"][0]["text"].startswith("Waarom dit antwoord: A.5")
    assert rendered[4]["block_id"] == "feedback|nl"
    suggested = [b["value"] for b in rendered[3]["elements"]]
    assert suggested == [b.value for b in reply.buttons if b.action == "ask"] and suggested
    assert [b["value"] for b in rendered[4]["elements"]] == ["A5", "A5"]


def test_a_near_tie_offers_other_answers_with_unique_action_ids(
    tie_assistant: Assistant,
) -> None:
    reply = ask(
        tie_assistant, "even snel reageren op een fb berichtje terwijl de klas een toets maakt"
    )

    ids = [b["action_id"] for b in buttons(blocks.render(reply).blocks)]

    assert ids[0] == "show_clause"
    assert len(ids) == len(set(ids))
    assert {i.split(":")[0] for i in ids} >= {"show_clause", "feedback_up", "feedback_down"}


def test_help_and_out_of_scope_are_plain_sections(assistant: Assistant) -> None:
    for question in ("hallo", "wat is het weer morgen in Utrecht?"):
        rendered = blocks.render(ask(assistant, question)).blocks
        assert {b["type"] for b in rendered} == {"section"}


def test_notes_become_a_context_block_first(assistant: Assistant) -> None:
    reply = ask(assistant, "mag ik foto's van mijn klas op insta zetten? " + "bla " * 600)

    rendered = blocks.render(reply).blocks

    assert rendered[0]["type"] == "context"
    assert "2000" in rendered[0]["elements"][0]["text"]


def test_feedback_thanks_replaces_only_the_feedback_block(assistant: Assistant) -> None:
    rendered = blocks.render(ask(assistant, "mag ik foto's van mijn klas op insta zetten?")).blocks

    thanked = blocks.with_feedback_thanks(rendered)

    assert thanked[:-1] == rendered[:-1]
    assert thanked[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": blocks.FEEDBACK_THANKS}],
    }


@given(SHORT_TEXT)
def test_the_share_value_round_trips_and_holds_no_markup(question: str) -> None:
    value = blocks.share_payload(question)

    assert blocks.read_share_payload(value) == question
    assert "<" not in value and ">" not in value


def test_a_long_share_value_is_clipped_to_fit() -> None:
    value = blocks.share_payload("<!channel> " * 1000)

    assert len(value) <= blocks.VALUE_LIMIT
    assert (blocks.read_share_payload(value) or "").startswith("<!channel> <!channel>")


def test_a_foreign_share_value_is_ignored() -> None:
    assert [blocks.read_share_payload(v) for v in ("{", "[]", '{"q": 3}', None)] == [None] * 4


REPLIES = st.builds(
    Reply,
    kind=st.sampled_from(["answer", "did_you_mean", "out_of_scope", "help", "empty", "notice"]),
    lang=st.sampled_from(["nl", "en"]),
    text=ANY_TEXT,
    quote=st.none()
    | st.builds(
        Quote,
        clause_id=SHORT_TEXT,
        number=SHORT_TEXT,
        section=SHORT_TEXT,
        title=SHORT_TEXT,
        text=ANY_TEXT,
    ),
    buttons=st.lists(
        st.builds(
            Button,
            label=SHORT_TEXT,
            action=st.sampled_from(["show_clause", "doubt_check", "escalate"]),
            value=SHORT_TEXT,
        ),
        max_size=30,
    ).map(tuple),
    explanation=ANY_TEXT,
    notes=st.lists(ANY_TEXT, max_size=12).map(tuple),
    clause_id=st.none() | SHORT_TEXT,
)


@settings(max_examples=150, deadline=None)
@given(REPLIES, st.none() | ANY_TEXT, st.booleans())
def test_any_reply_renders_within_slacks_limits(
    reply: Reply, question: str | None, share: bool
) -> None:
    share_value = blocks.share_payload(question or "") if share else None
    message = blocks.render(reply, question=question, asked_by="U0ASKER1", share_value=share_value)

    assert 0 < len(message.blocks) <= SLACK_MAX_BLOCKS
    assert 0 < len(message.text) <= blocks.TEXT_LIMIT
    for text in text_objects(message.blocks):
        assert 0 < len(text["text"]) <= blocks.TEXT_LIMIT
        assert text["text"].strip()
    for block in message.blocks:
        assert block["type"] in {"section", "context", "actions"}
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
        if block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
            ids = [e["action_id"] for e in block["elements"]]
            assert len(ids) == len(set(ids))
    for button in buttons(message.blocks):
        assert 0 < len(button["text"]["text"]) <= blocks.BUTTON_LIMIT
        assert 0 < len(button.get("value", "-")) <= blocks.VALUE_LIMIT
    assert_no_live_markup(message.blocks, message.text, allowed=["<@U0ASKER1>"])


def assert_no_live_markup(
    message_blocks: list[dict[str, Any]], text: str, *, allowed: list[str]
) -> None:
    """No < or > reaches a rendered mrkdwn text except the mentions we made ourselves."""
    mrkdwn = [t["text"] for t in text_objects(message_blocks) if t["type"] == "mrkdwn"]
    for rendered in [text, *mrkdwn]:
        for mention in allowed:
            rendered = rendered.replace(mention, "")
        assert "<" not in rendered, rendered
        # The only ">" left are our blockquote markers at the start of a line.
        assert all(">" not in line.removeprefix(">") for line in rendered.split("\n"))
