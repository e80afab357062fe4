"""Every Slack question names its conversation (`IncomingMessage.conversation`), the key the
core keeps a conversation's context by; the keys are described in adapters/slack/events.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.assistant import Assistant
from bot.matching import Index
from bot.models import IncomingMessage, Knowledge, Reply
from tests.slack.conftest import BOT_USER, CHANNEL, DM, USER, SlackWorld, dm_event, mention_event

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


class RecordingAssistant(Assistant):
    """The real assistant, remembering every message it was asked to handle."""

    def __init__(self, knowledge: Knowledge, index: Index) -> None:
        super().__init__(knowledge, index=index)
        self.heard: list[IncomingMessage] = []

    def handle(self, message: IncomingMessage) -> Reply:
        self.heard.append(message)
        return super().handle(message)


@pytest.fixture
def recording(
    knowledge: Knowledge, index: Index
) -> Iterator[tuple[SlackWorld, RecordingAssistant]]:
    """A world whose assistant records the messages it handles."""
    assistant = RecordingAssistant(knowledge, index)
    world = SlackWorld(assistant)
    yield world, assistant
    world.close()


def conversations_of(assistant: RecordingAssistant) -> list[str]:
    return [message.conversation for message in assistant.heard]


def test_a_plain_dm_is_one_conversation_and_a_dm_thread_another(
    recording: tuple[SlackWorld, RecordingAssistant],
) -> None:
    world, assistant = recording

    world.send_event(dm_event(PHOTOS), event_id="Ev1")
    world.wait_for("chat.postMessage")
    world.send_event(dm_event(PHOTOS, thread_ts="1699999999.000001"), event_id="Ev2")
    world.wait_for("chat.postMessage", 2)

    assert conversations_of(assistant) == [f"slack:{DM}", f"slack:{DM}:1699999999.000001"]
    assert [message.text for message in assistant.heard] == [PHOTOS, PHOTOS]


def test_a_mention_opens_the_thread_its_follow_ups_are_asked_in(
    recording: tuple[SlackWorld, RecordingAssistant],
) -> None:
    world, assistant = recording
    question = f"<@{BOT_USER}> {PHOTOS}"

    world.send_event(mention_event(question), event_id="Ev1")
    [answer] = world.wait_for("chat.postMessage")
    follow_up = mention_event(question, ts="1700000000.000400", thread_ts=answer.args["thread_ts"])
    world.send_event(follow_up, event_id="Ev2")
    world.wait_for("chat.postMessage", 2)

    assert conversations_of(assistant) == [f"slack:{CHANNEL}:1700000000.000300"] * 2


def test_the_command_is_the_askers_own_conversation_in_that_channel(
    recording: tuple[SlackWorld, RecordingAssistant],
) -> None:
    world, assistant = recording

    world.send_command(PHOTOS)
    world.wait_for("response_url")

    assert conversations_of(assistant) == [f"slack:{CHANNEL}:{USER}"]
