"""Suggested next questions in Slack: pressing one asks it as if typed, where the answer is."""

from __future__ import annotations

import json
from typing import Any

from adapters.slack import blocks
from adapters.slack.app import ASK_ACTIONS
from bot.assistant import Assistant
from bot.matching import Index
from bot.models import IncomingMessage, Knowledge, UserRef
from tests.slack.conftest import (
    BOT_USER,
    CHANNEL,
    DM,
    USER,
    SlackWorld,
    dm_event,
    mention_event,
)
from tests.slack.test_conversation_keys import RecordingAssistant

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


def suggestions(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The suggested-question buttons of a sent message."""
    return [
        element
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if ASK_ACTIONS.match(element["action_id"])
    ]


def block_of(message: dict[str, Any], button: dict[str, Any]) -> str:
    return str(next(b["block_id"] for b in message["blocks"] if button in b.get("elements", [])))


def press_suggestion(world: SlackWorld, sent: dict[str, Any], channel: str, **message: Any) -> str:
    """Press the first suggestion of a posted answer; the question it asks."""
    button = suggestions(sent)[0]
    shown = {"ts": "1700000000.000900", "text": sent["text"], "blocks": sent["blocks"], **message}
    answer = world.press(
        button["action_id"],
        button["value"],
        block_id=block_of(sent, button),
        message=shown,
        channel=channel,
    )
    assert answer.status == 200
    return str(button["value"])


def test_an_answer_in_a_dm_offers_suggestions_and_pressing_one_answers_it_there(
    world: SlackWorld, assistant: Assistant
) -> None:
    world.send_event(dm_event(PHOTOS))
    [first] = world.wait_for("chat.postMessage")
    assert suggestions(first.args)

    question = press_suggestion(world, first.args, DM)

    second = world.wait_for("chat.postMessage", 2)[1]
    assert second.args["channel"] == DM
    assert second.args.get("thread_ts") is None
    reply = assistant.handle(IncomingMessage(question, UserRef("slack", USER)))
    assert second.args["blocks"] == blocks.render(reply, question=question).blocks


def test_a_suggestion_under_a_threaded_answer_is_answered_in_that_thread(
    world: SlackWorld,
) -> None:
    world.send_event(mention_event(f"<@{BOT_USER}> {PHOTOS}"))
    [first] = world.wait_for("chat.postMessage")

    press_suggestion(world, first.args, CHANNEL, thread_ts=first.args["thread_ts"])

    second = world.wait_for("chat.postMessage", 2)[1]
    assert (second.args["channel"], second.args["thread_ts"]) == (CHANNEL, "1700000000.000300")


def test_a_suggestion_on_a_shared_answer_opens_a_thread_under_it(world: SlackWorld) -> None:
    world.send_event(dm_event(PHOTOS))
    [first] = world.wait_for("chat.postMessage")

    press_suggestion(world, first.args, CHANNEL)  # as if shared at the top of a channel

    second = world.wait_for("chat.postMessage", 2)[1]
    assert (second.args["channel"], second.args["thread_ts"]) == (CHANNEL, "1700000000.000900")


def test_a_suggestion_under_the_commands_private_answer_answers_privately(
    world: SlackWorld,
) -> None:
    world.send_command(PHOTOS)
    [private] = world.wait_for("response_url")
    button = suggestions(private.args)[0]

    world.press(button["action_id"], button["value"], block_id=block_of(private.args, button))

    second = world.wait_for("response_url", 2)[1]
    assert (second.args["response_type"], second.args["replace_original"]) == ("ephemeral", False)
    assert button["value"] in json.dumps(second.args["blocks"], ensure_ascii=False)
    assert world.slack.of("chat.postMessage") == []


def test_a_pressed_suggestion_continues_the_conversation_it_was_offered_in(
    knowledge: Knowledge, index: Index
) -> None:
    assistant = RecordingAssistant(knowledge, index)
    world = SlackWorld(assistant)
    try:
        world.send_event(dm_event(PHOTOS))
        [first] = world.wait_for("chat.postMessage")
        question = press_suggestion(world, first.args, DM)
        world.wait_for("chat.postMessage", 2)
    finally:
        world.close()

    assert [(m.text, m.conversation) for m in assistant.heard] == [
        (PHOTOS, f"slack:{DM}"),
        (question, f"slack:{DM}"),
    ]
