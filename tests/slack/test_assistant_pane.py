"""Slack's assistant pane, end to end over loopback HTTP: signed events into the real Bolt app,
the Web API stand-in recording assistant.threads.* and the answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import modals
from adapters.slack.assistant_pane import PROMPTS, clip, title_of
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.matching import Index
from bot.models import Knowledge
from bot.store.db import Store
from tests.slack.conftest import (
    BOT_ID,
    BOT_USER,
    CHANNEL,
    DM,
    TEAM,
    USER,
    Call,
    SlackWorld,
    dm_event,
)
from tests.slack.test_conversation_keys import RecordingAssistant
from tests.slack.workflow_world import DIRECTOR, WorkflowWorld, text_of, workflow_context
from tests.workflows.conftest import MONDAY_9AM

PANE_THREAD = "1700000100.000001"
PHOTOS = "Mag ik foto's van mijn klas op Instagram zetten?"
DUTCH_PROMPTS = [
    {"title": "Foto's van mijn klas online?", "message": PHOTOS},
    {"title": "Ik twijfel over een bericht", "message": "Ik twijfel over een bericht"},
    {"title": "Een discussie loopt uit de hand", "message": "Een discussie loopt uit de hand"},
]
ENGLISH_PROMPTS = [
    {
        "title": "Photos of my class online?",
        "message": "Can I post photos of my class on Instagram?",
    },
    {"title": "I'm unsure about a post", "message": "I'm unsure about a post"},
    {
        "title": "A discussion is getting out of hand",
        "message": "A discussion is getting out of hand",
    },
]


def thread_started(*, user: str = USER) -> dict[str, Any]:
    """An assistant_thread_started event: `user` opened the pane next to CHANNEL."""
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": user,
            "context": {"channel_id": CHANNEL, "team_id": TEAM, "enterprise_id": None},
            "channel_id": DM,
            "thread_ts": PANE_THREAD,
        },
        "event_ts": "1700000100.000002",
    }


def context_changed() -> dict[str, Any]:
    """The user moved to another channel with the pane open."""
    event = thread_started()
    event["type"] = "assistant_thread_context_changed"
    event["assistant_thread"]["context"]["channel_id"] = "C2"
    return event


def pane_message(text: str, *, ts: str = "1700000101.000001", **extra: Any) -> dict[str, Any]:
    """A message the user typed (or a suggested prompt they chose) in the pane's thread."""
    return dm_event(text, thread_ts=PANE_THREAD, ts=ts, event_ts=ts, **extra)


def pane_calls(world: SlackWorld) -> list[Call]:
    """Every assistant.threads.* call, in order."""
    return [call for call in world.slack.calls if call.method.startswith("assistant.threads.")]


def answers_in_pane(world: SlackWorld) -> list[dict[str, Any]]:
    """The stored messages of the pane's thread, the greeting excluded."""
    stored = world.slack.in_channel(DM, thread=PANE_THREAD)
    return [m for m in stored if (m["metadata"] or {}).get("event_type") == "policybot_message"]


def button_ids(message: dict[str, Any]) -> list[str]:
    """The action ids of every element of a message's action blocks."""
    return [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def index_of(world: SlackWorld, method: str) -> int:
    """Where the first call of `method` stands among all recorded calls."""
    return next(i for i, call in enumerate(world.slack.calls) if call.method == method)


@pytest.fixture
def flow(assistant: Assistant, tmp_path: Path) -> Iterator[WorkflowWorld]:
    """A world with the workflows (SQLite, Monday 09:00 in Amsterdam)."""
    store = Store.open(f"sqlite:///{tmp_path / 'pane.db'}")
    world = WorkflowWorld(assistant, workflow_context(store, ManualClock(MONDAY_9AM)))
    yield world
    world.close()
    store.dispose()


# --- thread start -------------------------------------------------------------------------------


def test_thread_start_greets_and_suggests_the_three_prompts_in_dutch(world: SlackWorld) -> None:
    world.slack.locales[USER] = "nl-NL"

    assert world.send_event(thread_started()).status == 200

    [prompts] = world.wait_for("assistant.threads.setSuggestedPrompts")
    assert prompts.args == {
        "channel_id": DM,
        "thread_ts": PANE_THREAD,
        "prompts": DUTCH_PROMPTS,
        "title": "Waarmee kan ik je helpen?",
        "team_id": TEAM,
    }
    [greeting] = world.slack.of("chat.postMessage")
    assert (greeting.args["channel"], greeting.args["thread_ts"]) == (DM, PANE_THREAD)
    assert greeting.args["text"].startswith("Hoi! Ik beantwoord vragen")
    assert "Hi!" not in greeting.args["text"]
    [lookup] = world.slack.of("users.info")
    assert lookup.args["user"] == USER
    assert lookup.args["include_locale"] in ("1", "true", True)


def test_thread_start_suggests_english_prompts_for_an_english_locale(world: SlackWorld) -> None:
    world.slack.locales[USER] = "en-GB"

    world.send_event(thread_started())

    [prompts] = world.wait_for("assistant.threads.setSuggestedPrompts")
    assert prompts.args["prompts"] == ENGLISH_PROMPTS
    assert prompts.args["title"] == "How can I help?"
    [greeting] = world.slack.of("chat.postMessage")
    assert greeting.args["text"].startswith("Hi! I answer questions")


def test_without_a_locale_the_prompts_are_dutch_with_titles_in_both_languages(
    world: SlackWorld,
) -> None:
    world.send_event(thread_started())

    [prompts] = world.wait_for("assistant.threads.setSuggestedPrompts")
    assert [p["message"] for p in prompts.args["prompts"]] == [p["message"] for p in DUTCH_PROMPTS]
    assert prompts.args["prompts"][0]["title"] == (
        "Foto's van mijn klas online? / Photos of my class online?"
    )
    assert prompts.args["title"] == "Waarmee kan ik je helpen? / How can I help?"
    [greeting] = world.slack.of("chat.postMessage")
    assert greeting.args["text"].startswith("Hoi!")
    assert "\n\nHi! I answer questions" in greeting.args["text"]


def test_a_changed_channel_context_is_acknowledged_and_answers_nothing(world: SlackWorld) -> None:
    assert world.send_event(context_changed()).status == 200
    world.settle()

    assert world.slack.of("chat.postMessage") == []
    assert pane_calls(world) == []


# --- questions in the pane ----------------------------------------------------------------------


def test_the_first_question_sets_status_and_title_then_is_answered_in_the_thread(
    world: SlackWorld,
) -> None:
    assert world.send_event(pane_message(PHOTOS)).status == 200

    [answer] = world.wait_for("chat.postMessage")
    assert (answer.args["channel"], answer.args["thread_ts"]) == (DM, PANE_THREAD)
    assert answer.args["text"].endswith("(A.5)")
    [status] = world.slack.of("assistant.threads.setStatus")
    in_thread = {"channel_id": DM, "thread_ts": PANE_THREAD, "team_id": TEAM}
    assert status.args == {**in_thread, "status": "denkt na…"}
    [title] = world.slack.of("assistant.threads.setTitle")
    assert title.args == {**in_thread, "title": PHOTOS}
    assert index_of(world, "assistant.threads.setStatus") < index_of(world, "chat.postMessage")


def test_the_status_speaks_english_to_an_english_locale(world: SlackWorld) -> None:
    world.slack.locales[USER] = "en-US"

    world.send_event(pane_message("Can I post photos of my class on Instagram?"))

    [status] = world.wait_for("assistant.threads.setStatus")
    assert status.args["status"] == "is thinking…"


def test_a_follow_up_in_the_same_thread_is_answered_there_without_a_new_title(
    world: SlackWorld,
) -> None:
    world.send_event(thread_started(), event_id="Ev0")
    world.wait_for("assistant.threads.setSuggestedPrompts")
    world.send_event(pane_message(PHOTOS), event_id="Ev1")
    world.wait_for("chat.postMessage", 2)

    follow_up = "Mag ik een leerling volgen op Instagram?"
    world.send_event(pane_message(follow_up, ts="1700000102.000001"), event_id="Ev2")

    posted = world.wait_for("chat.postMessage", 3)
    assert [call.args["thread_ts"] for call in posted] == [PANE_THREAD] * 3
    assert len(answers_in_pane(world)) == 2
    assert len(world.wait_for("assistant.threads.setStatus", 2)) == 2
    assert [c.args["title"] for c in world.slack.of("assistant.threads.setTitle")] == [PHOTOS]


def test_the_pane_answers_exactly_as_a_direct_message_does(world: SlackWorld) -> None:
    question = "Ik twijfel over een bericht"
    world.send_event(dm_event(question), event_id="Ev1")
    [in_dm] = world.wait_for("chat.postMessage")

    world.send_event(pane_message(question), event_id="Ev2")

    in_pane = world.wait_for("chat.postMessage", 2)[1]
    assert in_pane.args["blocks"] == in_dm.args["blocks"]
    assert in_pane.args["text"] == in_dm.args["text"]
    assert "doubt_check" in button_ids(in_pane.args)


def test_our_own_messages_in_the_pane_are_not_answered(world: SlackWorld) -> None:
    world.send_event(pane_message("Hoi!", user=BOT_USER, bot_id=BOT_ID))
    world.settle()

    assert world.slack.of("chat.postMessage") == []
    assert pane_calls(world) == []


def test_a_failing_status_does_not_stop_the_answer(world: SlackWorld) -> None:
    # As in a DM thread of a workspace without the pane, where assistant.threads.* fail.
    world.slack.answer_with("assistant.threads.setStatus", 500, 500, 500)
    world.slack.answer_with("assistant.threads.setTitle", 500, 500, 500)

    world.send_event(pane_message(PHOTOS))

    [answer] = world.wait_for("chat.postMessage", timeout=15)
    assert answer.args["thread_ts"] == PANE_THREAD
    assert answer.args["text"].endswith("(A.5)")


def test_a_long_first_question_gives_a_clipped_one_line_title() -> None:
    question = (
        f"<@{BOT_USER}> Hoi,\nik wil graag weten of ik foto's van het schoolreisje van groep 8 "
        "in de klassenapp mag zetten als niet alle ouders hebben getekend"
    )

    title = title_of(question, bot_user_id=BOT_USER)

    assert title == "Hoi, ik wil graag weten of ik foto's van het schoolreisje…"
    assert len(title) <= 60
    assert clip("kort", 60) == "kort"
    assert clip("x" * 80, 60) == "x" * 59 + "…"


# --- the workflows from the pane ----------------------------------------------------------------


def test_the_suggested_doubt_prompt_leads_to_the_doubt_check_modal_and_the_director(
    flow: WorkflowWorld,
) -> None:
    flow.send_event(thread_started(), event_id="Ev0")
    [prompts] = flow.wait_for("assistant.threads.setSuggestedPrompts")
    doubt = prompts.args["prompts"][1]["message"]
    assert doubt == PROMPTS[1].message.nl

    flow.send_event(pane_message(doubt), event_id="Ev1")
    flow.wait_for("chat.postMessage", 2)
    [answer] = answers_in_pane(flow)
    flow.press_on(answer, DM, "doubt_check", user=USER)

    view = flow.opened_view()
    assert view["callback_id"] == modals.DOUBT_VIEW
    values = {"draft": "Foto van de sportdag", "link": "", "platform": "option:Instagram"}
    assert flow.submit(view, {**values, "when": "morgen 09:00"})["response_action"] == "update"
    flow.dispatch()
    [to_director] = flow.slack.in_channel(f"D{DIRECTOR}")
    assert "sportdag" in text_of(to_director)


def test_the_suggested_escalation_prompt_leads_to_the_escalation_modal(
    flow: WorkflowWorld,
) -> None:
    flow.send_event(pane_message(PROMPTS[2].message.nl))
    flow.wait_for("chat.postMessage")
    [answer] = answers_in_pane(flow)

    flow.press_on(answer, DM, "escalate", user=USER)

    assert flow.opened_view()["callback_id"] == modals.ESCALATION_VIEW


# --- the plain surfaces, with the pane registered -----------------------------------------------


def test_a_plain_direct_message_is_still_answered_at_the_top_of_the_dm(world: SlackWorld) -> None:
    world.send_event(dm_event(PHOTOS))

    [answer] = world.wait_for("chat.postMessage")
    assert answer.args["channel"] == DM
    assert answer.args.get("thread_ts") is None
    assert answer.args["text"].endswith("(A.5)")
    world.settle(0.1)
    assert pane_calls(world) == []
    assert world.slack.of("conversations.replies") == []


def test_a_pane_question_names_its_thread_as_its_conversation(
    knowledge: Knowledge, index: Index
) -> None:
    assistant = RecordingAssistant(knowledge, index)
    world = SlackWorld(assistant)
    try:
        world.send_event(pane_message(PHOTOS))
        world.wait_for("chat.postMessage")
    finally:
        world.close()

    assert [m.conversation for m in assistant.heard] == [f"slack:{DM}:{PANE_THREAD}"]
