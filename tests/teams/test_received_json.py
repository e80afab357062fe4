"""The bot reads the JSON body the route parsed, instead of serializing the activity again."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botbuilder.schema import Activity  # type: ignore[import-untyped]

from adapters.teams.bot import as_json
from adapters.teams.route import read_activity
from tests.teams.conftest import BOT, CHANNEL, TeamsWorld, card_of, mention, message

QUESTION = "mag ik foto's van leerlingen op instagram zetten"


def test_an_activity_read_by_the_route_gives_back_its_body(world: TeamsWorld) -> None:
    body = mention(world, QUESTION)
    raw = json.dumps(body).encode()

    data = as_json(read_activity(raw))

    assert data == json.loads(raw)
    # msrest's model has no `tenantId` on a conversation (it maps `tenantID`): the body keeps it
    assert data["conversation"]["tenantId"] == body["conversation"]["tenantId"]


def test_an_activity_built_otherwise_is_serialized_with_its_mentions(world: TeamsWorld) -> None:
    activity = Activity().deserialize(mention(world, QUESTION))

    data = as_json(activity)

    assert data["type"] == "message"
    assert data["serviceUrl"] == world.service_url
    assert data["entities"][0]["type"] == "mention"
    assert data["entities"][0]["mentioned"] == {"id": BOT, "name": "Protocolbot"}
    assert data["entities"][0]["text"] == "<at>Protocolbot</at>"


def test_a_turn_never_serializes_the_incoming_activity_again(
    world: TeamsWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialized: list[str] = []
    serialize = Activity.serialize

    def counting(self: Activity, *args: Any, **kwargs: Any) -> Any:
        serialized.append(str(self.id))
        return serialize(self, *args, **kwargs)

    monkeypatch.setattr(Activity, "serialize", counting)

    channel = world.send(mention(world, QUESTION))
    personal = world.send(message(world, QUESTION))

    assert (channel.status, personal.status) == (200, 200)
    first, second = world.connector.calls
    assert (first.conversation, first.reply_to) == (CHANNEL, "1700000000002")
    assert card_of(first)["type"] == "AdaptiveCard"  # the mention was removed: an answer
    assert card_of(second)["type"] == "AdaptiveCard"
    assert serialized == []
