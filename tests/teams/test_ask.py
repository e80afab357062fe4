"""Asking in Teams, end to end over HTTP on loopback: question in, Adaptive Card out."""

from __future__ import annotations

from adapters.teams.actions import COMING_SOON, FEEDBACK_THANKS, UNKNOWN_BUTTON
from adapters.teams.translate import conversation_key
from bot.assistant import Assistant
from bot.conversation import Conversations
from bot.knowledge import clause_number
from bot.matching import Index
from bot.models import Knowledge
from bot.ports import Feedback
from tests.teams.conftest import (
    AAD,
    CHANNEL,
    GROUP,
    PERSONAL,
    TeamsWorld,
    card_of,
    mention,
    message,
    submit,
    submits,
    texts,
)

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"
NEAR_TIE = "mag ik iets over school posten"  # C.1 or D.2: the model cannot tell


def test_a_question_in_personal_chat_gets_a_card_quoting_a5(world: TeamsWorld) -> None:
    answer = world.send(message(world, PHOTOS))

    [call] = world.connector.calls
    card = card_of(call)
    assert answer.status == 200
    assert (call.verb, call.conversation, call.reply_to) == ("POST", PERSONAL, None)
    assert card["version"] == "1.5"
    assert any(text.startswith("A.5 · ") for text in texts(card))
    assert call.body["summary"] and card["fallbackText"].endswith("(A.5)")


def test_the_card_quotes_the_clause_text_and_explains_itself(
    world: TeamsWorld, assistant: Assistant
) -> None:
    world.send(message(world, PHOTOS))

    card = card_of(world.connector.calls[0])
    clause = assistant.knowledge.clause("A5")
    assert clause.text in texts(card)
    assert "Waarom dit antwoord?" in texts(card)
    assert [s["data"]["vote"] for s in submits(card) if s["data"].get("action") == "feedback"] == [
        "up",
        "down",
    ]


def test_a_channel_mention_is_answered_in_its_thread_without_the_mention(world: TeamsWorld) -> None:
    activity = mention(world, PHOTOS)

    answer = world.send(activity)

    [call] = world.connector.calls
    card = card_of(call)
    assert answer.status == 200
    assert (call.conversation, call.reply_to) == (CHANNEL, activity["id"])
    assert call.body["replyToId"] == activity["id"]
    echo = card["body"][0]["inlines"][1]["text"]
    assert echo == PHOTOS
    assert not any("Protocolbot" in text for text in texts(card))


def test_a_group_chat_mention_is_a_reply_to_the_message(world: TeamsWorld) -> None:
    activity = mention(world, PHOTOS, conversation=GROUP, kind="groupChat")

    world.send(activity)

    [call] = world.connector.calls
    assert (call.conversation, call.reply_to) == (GROUP, activity["id"])


def test_an_english_question_gets_an_english_card(world: TeamsWorld) -> None:
    world.send(message(world, "Can I post photos of my class on Instagram?"))

    card = card_of(world.connector.calls[0])
    assert "Why this answer?" in texts(card)
    assert "👍 Helpful" in texts(card)
    assert {s["data"]["lang"] for s in submits(card) if "lang" in s["data"]} == {"en"}


def test_an_out_of_scope_question_gets_plain_text(world: TeamsWorld) -> None:
    world.send(message(world, "wat voor weer wordt het morgen in Rotterdam?"))

    [call] = world.connector.calls
    assert call.body.get("attachments") in (None, [])
    assert call.body["textFormat"] == "plain"
    assert "social-media-protocol niet over" in call.body["text"]


def test_a_near_tie_offers_other_answers_and_pressing_one_shows_it(world: TeamsWorld) -> None:
    world.send(message(world, NEAR_TIE))
    card = card_of(world.connector.calls[0])
    others = [s["data"] for s in submits(card) if s["data"].get("action") == "show_clause"]
    other = others[0]  # which runners-up are offered is the matcher's business

    world.send(submit(world, other))

    assert other == {"action": "show_clause", "clause": other["clause"], "lang": "nl"}
    shown = card_of(world.connector.calls[1])
    assert any(text.startswith(f"{clause_number(other['clause'])} · ") for text in texts(shown))


def test_feedback_is_recorded_and_thanked(world: TeamsWorld) -> None:
    value = {"action": "feedback", "vote": "down", "clause": "A5", "lang": "nl"}

    world.send(submit(world, value))

    expected = Feedback("teams", AAD, "A5", False, channel_id=PERSONAL, message_ts="reply-1")
    assert world.feedback.items == [expected]
    assert world.connector.calls[0].body["text"] == FEEDBACK_THANKS


def test_the_doubt_check_and_escalate_buttons_say_coming_soon(world: TeamsWorld) -> None:
    world.send(submit(world, {"action": "doubt_check"}))
    world.send(submit(world, {"action": "escalate", "clause": "B2"}))

    assert [call.body["text"] for call in world.connector.calls] == [COMING_SOON, COMING_SOON]


def test_an_answer_about_b2_offers_the_escalate_button(world: TeamsWorld) -> None:
    world.send(message(world, "een discussie op facebook over school loopt uit de hand"))

    card = card_of(world.connector.calls[0])
    assert {"action": "escalate", "clause": "B2", "lang": "nl"} in [
        s["data"] for s in submits(card)
    ]


def test_a_submit_that_is_not_ours_is_ignored(world: TeamsWorld) -> None:
    answers = [
        world.send(submit(world, {"action": "delete_everything"})),
        world.send(submit(world, "just a string")),
        world.send(submit(world, ["show_clause"])),
    ]

    assert [a.status for a in answers] == [200, 200, 200]
    assert world.connector.calls == []


def test_a_button_without_its_clause_gets_a_notice(world: TeamsWorld) -> None:
    world.send(submit(world, {"action": "show_clause", "clause": 42}))

    assert [call.body["text"] for call in world.connector.calls] == [UNKNOWN_BUTTON]


def test_an_unknown_clause_in_a_submit_is_a_plain_notice(world: TeamsWorld) -> None:
    world.send(submit(world, {"action": "show_clause", "clause": "[x](https://evil)"}))

    [call] = world.connector.calls
    assert call.body["textFormat"] == "plain"
    assert call.body.get("attachments") in (None, [])


def test_messages_and_installs_store_conversation_references(world: TeamsWorld) -> None:
    world.send(message(world, "hoi"))
    world.send(mention(world, PHOTOS))
    install = message(world, None, type="installationUpdate", action="add")

    world.send(install)

    personal = world.references.get(AAD)
    channel = world.references.get(AAD, conversation_type="channel")
    assert personal is not None and channel is not None
    assert (personal.conversation_id, personal.service_url) == (PERSONAL, world.service_url)
    assert personal.reference["conversation"]["id"] == PERSONAL
    assert personal.reference["bot"]["id"] == message(world, "")["recipient"]["id"]
    assert channel.conversation_id == CHANNEL


def test_a_conversation_update_stores_a_reference_and_sends_nothing(world: TeamsWorld) -> None:
    update = message(world, None, type="conversationUpdate", membersAdded=[{"id": "28:bot"}])

    answer = world.send(update)

    assert answer.status == 200
    assert world.connector.calls == []
    assert world.references.get(AAD) is not None


def test_a_greeting_gets_the_help_text(world: TeamsWorld) -> None:
    world.send(message(world, "hoi"))

    assert "Stel je vraag" in world.connector.calls[0].body["text"]


def test_an_invoke_we_do_not_handle_gets_the_sdk_answer_not_a_crash(world: TeamsWorld) -> None:
    invoke = message(world, None, type="invoke", name="adaptiveCard/action", value={"x": 1})

    answer = world.send(invoke)

    assert (answer.status, answer.json()) == (400, {"error": "invoke_failed"})
    assert world.connector.calls == []


def test_a_follow_up_in_the_same_teams_conversation_uses_its_context(
    knowledge: Knowledge, index: Index
) -> None:
    talking = Assistant(knowledge, index=index, conversations=Conversations())
    teams_world = TeamsWorld(talking, insecure_local=True)
    try:
        teams_world.send(message(teams_world, PHOTOS))
        teams_world.send(message(teams_world, "en als de ouders toestemming geven?"))
        follow_up = card_of(teams_world.connector.calls[1])
    finally:
        teams_world.close()
    assert any("Je vorige vraag ging over A.5" in text for text in texts(follow_up))


def test_the_teams_conversation_id_keys_the_context() -> None:
    activity = {"conversation": {"id": "19:abc@thread.tacv2;messageid=17"}}
    assert conversation_key(activity) == "teams:19:abc@thread.tacv2;messageid=17"
    assert conversation_key({}) == ""


def test_an_answer_card_offers_related_questions_that_post_themselves(world: TeamsWorld) -> None:
    world.send(message(world, PHOTOS))

    card = card_of(world.connector.calls[0])
    backs = [s["data"]["msteams"] for s in submits(card) if "msteams" in s["data"]]
    assert backs and all(b["type"] == "imBack" for b in backs)
    assert "Mag ik kennis delen op social media?" in [b["value"] for b in backs]
