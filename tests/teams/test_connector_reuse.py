"""Connector clients are reused across turns (adapters/teams/reuse.py), and still sign every call.

End to end over loopback: the connector stand-in notes the client port of every call, so a
reply sent on the previous reply's connection shows that the same client (the same requests
session) sent it. A client built per turn, as botbuilder does, opens a new connection each time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from botframework.connector.auth import ClaimsIdentity  # type: ignore[import-untyped]

from adapters.teams.auth import build_authentication
from adapters.teams.cache import BoundedCache
from adapters.teams.reuse import ReusingAuthentication
from adapters.teams.route import TEAMS_PATH
from bot.assistant import Assistant
from tests.teams import conftest
from tests.teams.conftest import (
    APP_ID,
    OUTBOUND_TOKEN,
    TENANT,
    FakeConnector,
    FakeIdentity,
    TeamsWorld,
    message,
    teams_settings,
)

QUESTION = "mag ik foto's van leerlingen op instagram zetten"


@pytest.fixture
def ports(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The client port of every call the connector stand-in receives, in order."""
    seen: list[int] = []
    record = FakeConnector._record

    async def noting_the_port(self: FakeConnector, request: web.Request) -> web.Response:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        seen.append(int(peer[1]) if peer else -1)
        return await record(self, request)

    monkeypatch.setattr(FakeConnector, "_record", noting_the_port)
    yield seen


def test_turns_to_one_service_url_share_one_connection_and_every_reply_is_signed(
    ports: list[int], assistant: Assistant, identity: FakeIdentity
) -> None:
    world = TeamsWorld(assistant, app_id=APP_ID, metadata_url=identity.metadata_url)
    try:
        token = identity.token(service_url=world.service_url)
        answers = [world.send(message(world, QUESTION, id=f"m{i}"), token=token) for i in range(3)]
    finally:
        world.close()

    assert [a.status for a in answers] == [200, 200, 200]
    assert [c.authorization for c in world.connector.calls] == [f"Bearer {OUTBOUND_TOKEN}"] * 3
    assert len(ports) == 3
    assert len(set(ports)) == 1  # one client, one keep-alive connection


def test_a_reused_client_asks_the_credentials_again_for_every_call(
    ports: list[int],
    assistant: Assistant,
    identity: FakeIdentity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = TeamsWorld(assistant, app_id=APP_ID, metadata_url=identity.metadata_url)
    try:
        token = identity.token(service_url=world.service_url)
        world.send(message(world, QUESTION, id="m1"), token=token)
        # The world signs with `lambda: OUTBOUND_TOKEN`: a renewed token is read at call time.
        monkeypatch.setattr(conftest, "OUTBOUND_TOKEN", "renewed-token")
        world.send(message(world, QUESTION, id="m2"), token=token)
    finally:
        world.close()

    assert [c.authorization for c in world.connector.calls] == [
        f"Bearer {OUTBOUND_TOKEN}",
        "Bearer renewed-token",
    ]
    assert len(set(ports)) == 1


def test_each_service_url_has_its_own_client(ports: list[int], world: TeamsWorld) -> None:
    other_url = world.service_url.replace("127.0.0.1", "localhost")
    urls = [world.service_url, other_url, world.service_url, other_url]

    for number, url in enumerate(urls):
        world.send(message(world, QUESTION, id=f"m{number}", serviceUrl=url))

    assert len(world.connector.calls) == 4
    assert ports[0] == ports[2] and ports[1] == ports[3]
    assert ports[0] != ports[1]


def test_concurrent_turns_all_reply_once_to_their_own_conversation(
    assistant: Assistant, identity: FakeIdentity
) -> None:
    world = TeamsWorld(assistant, app_id=APP_ID, metadata_url=identity.metadata_url)
    token = identity.token(service_url=world.service_url)
    conversations = [f"a:personal-{i}" for i in range(8)]
    bodies = [
        message(
            world,
            QUESTION,
            id=f"m{i}",
            conversation={"id": conv, "conversationType": "personal", "tenantId": TENANT},
        )
        for i, conv in enumerate(conversations)
    ]
    try:
        statuses = world.run(_post_all(world, bodies, token))
    finally:
        world.close()

    assert statuses == [200] * len(bodies)
    calls = world.connector.calls
    assert sorted(c.conversation for c in calls) == sorted(conversations)
    assert {c.authorization for c in calls} == {f"Bearer {OUTBOUND_TOKEN}"}


async def _post_all(world: TeamsWorld, bodies: list[dict[str, Any]], token: str) -> list[int]:
    """POST all `bodies` at once; their HTTP statuses."""

    async def post(body: dict[str, Any]) -> int:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        data = json.dumps(body).encode()
        async with world.session.post(world.url + TEAMS_PATH, data=data, headers=headers) as r:
            return r.status

    return list(await asyncio.gather(*(post(body) for body in bodies)))


def test_user_token_clients_are_kept_per_app_id() -> None:
    authentication = ReusingAuthentication(build_authentication(teams_settings()))

    async def clients() -> list[Any]:
        return [
            await authentication.create_user_token_client(ClaimsIdentity({"aud": aud}, True))
            for aud in ("app-1", "app-1", "app-2")
        ]

    first, again, other = asyncio.run(clients())

    assert first is again
    assert other is not first
    assert len(authentication.user_token_clients) == 2


def test_connector_clients_are_kept_per_app_id_url_and_audience() -> None:
    authentication = ReusingAuthentication(build_authentication(teams_settings()))

    async def clients() -> list[Any]:
        factory = authentication.create_connector_factory(ClaimsIdentity({"aud": "app-1"}, True))
        other_app = authentication.create_connector_factory(ClaimsIdentity({"aud": "app-2"}, True))
        return [
            await factory.create("https://smba.example/emea/", None),
            await factory.create("https://smba.example/emea/", None),
            await factory.create("https://smba.example/amer/", None),
            await factory.create("https://smba.example/emea/", "https://skill.example"),
            await other_app.create("https://smba.example/emea/", None),
        ]

    first, again, *others = asyncio.run(clients())

    assert first is again
    assert len({id(client) for client in [first, *others]}) == 4
    assert first.config.base_url == "https://smba.example/emea/"


def test_the_cache_evicts_the_least_recently_used_entry() -> None:
    cache: BoundedCache[str, int] = BoundedCache(max_entries=2, max_age=60)

    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_an_entry_expires_after_the_age_limit() -> None:
    now = [100.0]
    cache: BoundedCache[str, int] = BoundedCache(max_entries=4, max_age=10, clock=lambda: now[0])

    cache.put("a", 1)
    now[0] = 109.9
    assert cache.get("a") == 1
    now[0] = 110.0
    assert cache.get("a") is None
    assert len(cache) == 0


def test_put_if_absent_keeps_the_value_already_there_until_it_expires() -> None:
    now = [0.0]
    cache: BoundedCache[str, str] = BoundedCache(max_entries=4, max_age=10, clock=lambda: now[0])

    assert cache.put_if_absent("k", "first") == "first"
    assert cache.put_if_absent("k", "second") == "first"
    now[0] = 10.0
    assert cache.put_if_absent("k", "third") == "third"


def test_a_cache_needs_room_and_an_age_limit() -> None:
    with pytest.raises(ValueError):
        BoundedCache(max_entries=0, max_age=1)
    with pytest.raises(ValueError):
        BoundedCache(max_entries=1, max_age=0)
