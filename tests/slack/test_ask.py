"""Asking in Slack, end to end over loopback HTTP: a DM, a mention, /protocol and its buttons."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack import blocks
from bot.assistant import Assistant
from bot.models import IncomingMessage, UserRef
from tests.slack.conftest import (
    BOT_ID,
    BOT_USER,
    CHANNEL,
    DM,
    USER,
    SlackWorld,
    dm_event,
    mention_event,
)

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"
NEAR_TIE = "mag k onder de les ff op insta kijken als de kids stil aan het werk zijn"


def texts(message: dict[str, Any]) -> str:
    """Every text of a sent message, as one string to search in."""
    return json.dumps(message, ensure_ascii=False)


def quote_block(message: dict[str, Any]) -> str:
    """The text of the section that quotes a clause."""
    quoted = [
        b["text"]["text"] for b in message["blocks"] if "\n>" in b.get("text", {}).get("text", "")
    ]
    return str(quoted[0])


def action_ids(message: dict[str, Any]) -> list[str]:
    """The action ids of every button in a message."""
    return [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_a_direct_message_is_answered_in_the_dm_quoting_the_clause(world: SlackWorld) -> None:
    assert world.send_event(dm_event(PHOTOS)).status == 200

    [call] = world.wait_for("chat.postMessage")
    assert call.args["channel"] == DM
    assert call.args.get("thread_ts") is None
    assert quote_block(call.args).startswith("*A.5 · ")
    assert "Waarom dit antwoord: A.5" in texts(call.args)
    assert action_ids(call.args) == ["ask", "ask:2", "ask:3", "feedback_up", "feedback_down"]
    assert call.args["text"].endswith("(A.5)")


def test_a_reply_in_a_dm_thread_stays_in_the_thread(world: SlackWorld) -> None:
    world.send_event(dm_event(PHOTOS, thread_ts="1699999999.000001"))

    [call] = world.wait_for("chat.postMessage")
    assert call.args["thread_ts"] == "1699999999.000001"


def test_a_mention_is_answered_in_a_thread_under_the_question(
    world: SlackWorld, assistant: Assistant
) -> None:
    world.send_event(mention_event(f"<@{BOT_USER}> {PHOTOS}"))

    [call] = world.wait_for("chat.postMessage")
    assert call.args["channel"] == CHANNEL
    assert call.args["thread_ts"] == "1700000000.000300"
    expected = assistant.handle(IncomingMessage(PHOTOS, UserRef("slack", USER)))
    assert call.args["blocks"] == blocks.render(expected).blocks


def test_a_mention_inside_a_thread_answers_in_that_thread(world: SlackWorld) -> None:
    world.send_event(mention_event(f"<@{BOT_USER}> {PHOTOS}", thread_ts="1699999999.000002"))

    [call] = world.wait_for("chat.postMessage")
    assert call.args["thread_ts"] == "1699999999.000002"


def test_bots_edits_joins_and_our_own_messages_are_ignored(world: SlackWorld) -> None:
    ignored = [
        dm_event(PHOTOS, bot_id="B999"),
        dm_event(PHOTOS, subtype="message_changed"),
        dm_event(PHOTOS, subtype="channel_join"),
        dm_event(PHOTOS, user=BOT_USER),
        dm_event(PHOTOS, user=BOT_USER, bot_id=BOT_ID),
        dm_event(PHOTOS, channel_type="channel"),
        mention_event(f"<@{BOT_USER}> {PHOTOS}", channel=DM),
    ]
    for number, event in enumerate(ignored):
        assert world.send_event(event, event_id=f"Ev{number}").status == 200
    world.settle()

    assert world.slack.of("chat.postMessage") == []


def test_a_greeting_gets_the_help_as_plain_sections(world: SlackWorld) -> None:
    world.send_event(dm_event("hoi"))

    [call] = world.wait_for("chat.postMessage")
    assert {block["type"] for block in call.args["blocks"]} == {"section"}
    assert "Stel je vraag" in texts(call.args)


def test_protocol_answers_ephemerally_with_a_share_button(world: SlackWorld) -> None:
    answer = world.send_command(PHOTOS)

    assert (answer.status, answer.text) == (200, "")
    [call] = world.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
    assert call.args["_url_name"] == "command"
    assert quote_block(call.args).startswith("*A.5 · ")
    assert action_ids(call.args) == [
        *("ask", "ask:2", "ask:3"),
        *("share_answer", "feedback_up", "feedback_down"),
    ]
    assert "Je vraag:" in texts(call.args)


def test_the_share_button_posts_the_same_answer_visibly(world: SlackWorld) -> None:
    world.send_command(PHOTOS)
    [ephemeral] = world.wait_for("response_url")
    share = find_button(ephemeral.args, "share_answer")

    assert world.press("share_answer", share["value"]).status == 200

    _, visible, deleted = world.wait_for("response_url", 3)
    assert visible.args["response_type"] == "in_channel"
    assert visible.args["replace_original"] is False
    assert quote_block(visible.args) == quote_block(ephemeral.args)
    assert f"<@{USER}> vroeg:" in texts(visible.args)
    assert "share_answer" not in action_ids(visible.args)
    assert deleted.args == {"delete_original": True, "_url_name": "action"}


def test_other_answers_are_offered_on_a_near_tie_and_shown_when_pressed(
    tie_world: SlackWorld,
) -> None:
    world = tie_world
    world.send_event(dm_event(NEAR_TIE))
    [first] = world.wait_for("chat.postMessage")
    other = find_button(first.args, "show_clause")
    message = {
        "ts": "1700000000.000200",
        "text": first.args["text"],
        "blocks": first.args["blocks"],
    }

    world.press("show_clause", other["value"], message=message)

    _, shown = world.wait_for("chat.postMessage", 2)
    assert shown.args["channel"] == DM
    assert quote_block(shown.args).startswith(f"*{other['value'][0]}.{other['value'][1:]} · ")


def test_other_answer_on_an_ephemeral_message_replaces_it(world: SlackWorld) -> None:
    world.press("show_clause", "C1", block_id="choices|en")

    [call] = world.wait_for("response_url")
    assert call.args["replace_original"] is True
    assert quote_block(call.args).startswith("*C.1 · ")
    assert "Why this answer" not in texts(call.args)
    assert "Helpful" in texts(call.args)


def test_feedback_is_recorded_and_the_buttons_become_a_thank_you(world: SlackWorld) -> None:
    world.send_event(dm_event(PHOTOS))
    [answer] = world.wait_for("chat.postMessage")
    message = {
        "ts": "1700000000.000200",
        "text": answer.args["text"],
        "blocks": answer.args["blocks"],
    }

    world.press("feedback_up", "A5", block_id="feedback|nl", message=message)

    [update] = world.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (DM, "1700000000.000200")
    assert update.args["blocks"][:-1] == answer.args["blocks"][:-1]
    assert update.args["blocks"][-1]["elements"][0]["text"] == blocks.FEEDBACK_THANKS
    [feedback] = world.feedback.items
    assert (feedback.user_id, feedback.clause_id, feedback.helpful) == (USER, "A5", True)
    assert (feedback.channel_id, feedback.message_ts) == (DM, "1700000000.000200")


def test_feedback_on_an_ephemeral_answer_is_thanked_through_the_response_url(
    world: SlackWorld,
) -> None:
    world.press("feedback_down", "A5", block_id="feedback|nl", channel=CHANNEL)

    [call] = world.wait_for("response_url")
    assert call.args["replace_original"] is True
    assert blocks.FEEDBACK_THANKS in texts(call.args)
    assert "feedback_down" not in texts(call.args)
    assert [f.helpful for f in world.feedback.items] == [False]


def test_director_buttons_say_the_step_is_coming(world: SlackWorld) -> None:
    world.send_event(dm_event("een discussie op facebook loopt uit de hand"))
    [answer] = world.wait_for("chat.postMessage")
    assert "escalate" in action_ids(answer.args)

    for action_id, value in (("escalate", "B2"), ("doubt_check", "B3")):
        assert world.press(action_id, value).status == 200

    calls = world.wait_for("response_url", 2)
    assert [c.args["text"] for c in calls] == [blocks.COMING_SOON] * 2
    assert {c.args["response_type"] for c in calls} == {"ephemeral"}


def test_a_question_with_pings_and_links_comes_back_escaped(world: SlackWorld) -> None:
    world.send_command(f"<!channel> <@U123> <http://evil.example|nice> {PHOTOS}")
    [ephemeral] = world.wait_for("response_url")
    world.press("share_answer", find_button(ephemeral.args, "share_answer")["value"])
    _, visible, _ = world.wait_for("response_url", 3)

    for call in (ephemeral, visible):
        sent = texts({k: v for k, v in call.args.items() if k != "_url_name"})
        assert "&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil.example|nice&gt;" in sent
        assert "<!channel>" not in sent
        assert "<@U123>" not in sent
        assert "<http" not in sent
    assert quote_block(ephemeral.args).startswith("*A.5 · ")


def find_button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The first button with `action_id` (or a numbered repeat of it) in a message."""
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"].split(":")[0] == action_id:
                return dict(element)
    raise AssertionError(f"no {action_id} button in {message}")


def test_a_40000_character_message_is_answered_and_healthz_keeps_answering(
    world: SlackWorld,
) -> None:
    story = "op de sportdag heb ik foto's van de kinderen gemaakt, mag dat op facebook? " * 540
    assert len(story) > 40_000

    assert world.send_event(dm_event(story)).status == 200
    assert world.get("/healthz").status == 200

    [call] = world.wait_for("chat.postMessage")
    assert "alleen de eerste 2000 tekens gelezen" in texts(call.args)
