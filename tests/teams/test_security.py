"""The route's guards: Bot Framework tokens, malformed and oversized bodies, connector failures."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from adapters.teams.route import TEAMS_PATH
from bot.assistant import Assistant
from tests.teams.conftest import (
    OUTBOUND_TOKEN,
    FakeIdentity,
    TeamsWorld,
    card_of,
    message,
)

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


def test_with_the_local_opt_in_requests_need_no_token_and_a_loud_warning_is_logged(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="policybot.teams"):
        world = TeamsWorld(assistant, insecure_local=True)
    try:
        answer = world.send(message(world, PHOTOS))
    finally:
        world.close()

    assert answer.status == 200
    assert world.connector.calls[0].authorization is None
    assert any("AUTHENTICATION IS DISABLED" in r.getMessage() for r in caplog.records)


def test_with_an_app_id_a_request_without_a_token_is_refused(secured: TeamsWorld) -> None:
    answer = secured.send(message(secured, PHOTOS))

    assert (answer.status, answer.json()) == (401, {"error": "unauthorized"})
    assert secured.connector.calls == []


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "bearer x y z"],
)
def test_a_malformed_authorization_header_is_refused(secured: TeamsWorld, header: str) -> None:
    body = json.dumps(message(secured, PHOTOS)).encode()

    answer = secured.post(body, headers={"Authorization": header})

    assert answer.status == 401
    assert secured.connector.calls == []


def test_a_valid_token_is_accepted_and_the_reply_is_signed(
    secured: TeamsWorld, identity: FakeIdentity
) -> None:
    token = identity.token(service_url=secured.service_url)

    answer = secured.send(message(secured, PHOTOS), token=token)

    [call] = secured.connector.calls
    assert answer.status == 200
    assert call.authorization == f"Bearer {OUTBOUND_TOKEN}"
    assert card_of(call)["version"] == "1.5"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "00000000-0000-0000-0000-000000000000"},
        {"iss": "https://evil.example"},
        {"serviceurl": "http://127.0.0.1:9/"},
        {"exp": 1_000_000_000},
        {"nbf": 4_000_000_000},
    ],
    ids=["other-audience", "other-issuer", "other-service-url", "expired", "not-yet-valid"],
)
def test_a_token_with_wrong_claims_is_refused(
    secured: TeamsWorld, identity: FakeIdentity, claims: dict[str, Any]
) -> None:
    token = identity.token(service_url=secured.service_url, **claims)

    answer = secured.send(message(secured, PHOTOS), token=token)

    assert answer.status == 401
    assert secured.connector.calls == []


def test_a_token_signed_with_another_key_is_refused(
    secured: TeamsWorld, identity: FakeIdentity
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = identity.token(service_url=secured.service_url, key=other)
    unknown_kid = identity.token(service_url=secured.service_url, key=other, kid="unknown")

    answers = [secured.send(message(secured, PHOTOS), token=t) for t in (forged, unknown_kid)]

    assert [a.status for a in answers] == [401, 401]
    assert secured.connector.calls == []


def test_a_token_for_another_channel_is_refused(
    secured: TeamsWorld, identity: FakeIdentity
) -> None:
    token = identity.token(service_url=secured.service_url)

    answer = secured.send(message(secured, PHOTOS, channelId="slack"), token=token)

    assert answer.status == 401


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"message"',
        b"{}",
        b'{"type": ""}',
        b'{"type": 5, "serviceUrl": "http://x/", "conversation": {"id": "c"}}',
        b'{"type": "message", "conversation": {"id": "c"}}',
        b'{"type": "message", "serviceUrl": "ftp://x/", "conversation": {"id": "c"}}',
        b'{"type": "message", "serviceUrl": "http://x/", "conversation": "c"}',
        b'{"type": "message", "serviceUrl": "http://x/", "conversation": {"id": "c"}, "text": 1}',
        b'{"type": "message", "serviceUrl": "http://x/", "conversation": {"id": "c"}, "from": 1}',
        b'{"type": "message", "serviceUrl": "http://x/", "conversation": {"id": "c"},'
        b' "entities": "x"}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_a_malformed_body_is_refused_with_400(world: TeamsWorld, body: bytes) -> None:
    answer = world.post(body)

    assert answer.status == 400
    assert world.connector.calls == []


def test_a_malformed_body_is_400_even_with_auth_on(secured: TeamsWorld) -> None:
    assert secured.post(b"{nope").status == 400


def test_an_oversized_body_is_refused_with_413(world: TeamsWorld) -> None:
    activity = message(world, "x" * (1024 * 1024 + 1))

    answer = world.send(activity)

    assert answer.status == 413
    assert world.connector.calls == []


def test_an_oversized_chunked_body_is_refused_with_413(world: TeamsWorld) -> None:
    body = json.dumps(message(world, "x" * (1024 * 1024 + 1))).encode()

    async def chunks() -> object:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    async def post() -> int:
        async with world.session.post(
            world.url + TEAMS_PATH, data=chunks(), headers={"Content-Type": "application/json"}
        ) as response:
            return response.status

    assert world.run(post()) == 413


def test_a_rate_limited_reply_is_retried(world: TeamsWorld) -> None:
    world.connector.answer_with(429)

    answer = world.send(message(world, PHOTOS))

    assert answer.status == 200
    assert len(world.connector.calls) == 2
    assert card_of(world.connector.calls[1])["version"] == "1.5"


@pytest.mark.parametrize("status", [500, 429, 403])
def test_a_failing_connector_is_logged_with_ids_only(
    world: TeamsWorld, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    world.connector.answer_with(*[status] * 5)

    with caplog.at_level(logging.INFO):
        answer = world.send(message(world, PHOTOS))

    failures = [r.getMessage() for r in caplog.records if "delivery failed" in r.getMessage()]
    assert answer.status == 200
    assert len(failures) == 1
    assert f"HTTP {status}" in failures[0] and "1700000000001" in failures[0]
    assert not any("foto" in r.getMessage() for r in caplog.records)
    assert len(world.connector.calls) == (1 if status == 403 else 3)
