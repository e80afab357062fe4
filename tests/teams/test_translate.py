"""Reading Teams activities: mentions, submits, senders, and the shape guard."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.teams.translate import (
    CardAction,
    MalformedActivity,
    card_action,
    check_shape,
    message_text,
    stored_reference,
    user_ref,
)
from bot.models import UserRef

BOT = {"id": "28:bot", "name": "Protocol (bot)"}


def mentioning(text: str, *entities: dict[str, Any]) -> dict[str, Any]:
    return {"type": "message", "text": text, "recipient": BOT, "entities": list(entities)}


def at(who: dict[str, str], said: str) -> dict[str, Any]:
    return {"type": "mention", "mentioned": who, "text": said}


def test_the_bot_mention_is_removed() -> None:
    activity = mentioning("<at>Protocol (bot)</at> mag ik dit?", at(BOT, "<at>Protocol (bot)</at>"))

    assert message_text(activity) == "mag ik dit?"


def test_mention_text_is_removed_literally_not_as_a_regex() -> None:
    said = "<at>.*</at>"
    activity = mentioning(f"{said} mag .* dit?", at(BOT, said))

    assert message_text(activity) == "mag .* dit?"


def test_other_people_keep_their_name() -> None:
    colleague = {"id": "29:colleague", "name": "Meester Piet"}
    activity = mentioning(
        "<at>Protocol (bot)</at> mag ik <at>Meester Piet</at> taggen?",
        at(BOT, "<at>Protocol (bot)</at>"),
        at(colleague, "<at>Meester Piet</at>"),
    )

    assert message_text(activity) == "mag ik Meester Piet taggen?"


def test_broken_entities_do_not_crash() -> None:
    activity = mentioning(
        "<at>Protocol (bot)</at> hoi &amp; dag",
        {"type": "mention"},
        {"type": "mention", "mentioned": "x", "text": 5},
    )

    assert message_text(activity) == "Protocol (bot) hoi & dag"


def test_the_sender_is_keyed_by_aad_object_id() -> None:
    activity = {"from": {"id": "29:u", "name": "Anna", "aadObjectId": "aad-1"}}

    assert user_ref(activity) == UserRef(platform="teams", user_id="aad-1", display_name="Anna")
    assert user_ref({"from": {}}) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"action": "show_clause", "clause": "U3"}, CardAction("show_clause", clause="U3")),
        (
            {"action": "feedback", "vote": "up", "clause": "A5", "lang": "en"},
            CardAction("feedback", clause="A5", vote="up", lang="en"),
        ),
        ({"action": "feedback", "vote": "sideways"}, CardAction("feedback")),
        ({"action": "doubt_check"}, CardAction("doubt_check")),
        ({"action": "show_clause", "clause": "x" * 500}, CardAction("show_clause", "x" * 20)),
        ({"action": "nope"}, None),
        ("show_clause", None),
        (None, None),
    ],
)
def test_card_actions_are_read_defensively(value: Any, expected: CardAction | None) -> None:
    assert card_action({"value": value}) == expected


def test_a_reference_needs_an_aad_object_id() -> None:
    activity = {
        "from": {"id": "29:u"},
        "conversation": {"id": "c"},
        "serviceUrl": "https://smba.example/",
    }

    assert stored_reference(activity, {}) is None


def test_the_tenant_comes_from_channel_data_when_the_conversation_lacks_it() -> None:
    activity = {
        "from": {"id": "29:u", "aadObjectId": "aad-1"},
        "conversation": {"id": "c"},
        "serviceUrl": "https://smba.example/",
        "channelData": {"tenant": {"id": "tenant-1"}},
    }

    stored = stored_reference(activity, {"k": "v"})

    assert stored is not None
    assert (stored.tenant_id, stored.conversation_type, stored.reference) == (
        "tenant-1",
        "personal",
        {"k": "v"},
    )


def test_check_shape_names_the_bad_field() -> None:
    body = {"type": "message", "serviceUrl": "https://x/", "conversation": {"id": "c"}}

    with pytest.raises(MalformedActivity, match=r"from\.aadObjectId"):
        check_shape({**body, "from": {"id": "u", "aadObjectId": 1}})
    assert check_shape(body) is body
