"""The web server's guards: health, signatures, body size, malformed bodies, missing settings."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.assistant import Assistant
from tests.slack.conftest import SlackWorld, dm_event, event_callback, sign

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


def test_healthz_says_ok(world: SlackWorld) -> None:
    answer = world.get("/healthz")

    assert (answer.status, answer.json()) == (200, {"status": "ok"})


def test_url_verification_returns_the_challenge(world: SlackWorld) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "abc123"})

    answer = world.post(body.encode())

    assert (answer.status, answer.json()) == (200, {"challenge": "abc123"})


def test_a_bad_signature_is_refused_and_nothing_is_processed(world: SlackWorld) -> None:
    body = json.dumps(event_callback(dm_event(PHOTOS))).encode()
    headers = sign(body, secret="not-the-signing-secret")

    answer = world.post(body, signed=False, headers=headers)
    world.settle()

    assert answer.status == 401
    assert world.slack.calls == []


def test_an_unsigned_request_is_refused(world: SlackWorld) -> None:
    body = json.dumps(event_callback(dm_event(PHOTOS))).encode()

    assert world.post(body, signed=False).status == 401


def test_a_stale_timestamp_is_refused_even_when_correctly_signed(world: SlackWorld) -> None:
    body = json.dumps(event_callback(dm_event(PHOTOS))).encode()

    answer = world.post(body, timestamp=int(time.time()) - 6 * 60)
    world.settle()

    assert answer.status == 401
    assert world.slack.calls == []


def test_a_body_over_one_mib_is_refused_before_bolt_sees_it(world: SlackWorld) -> None:
    body = json.dumps(event_callback(dm_event("x" * (2 * 1024 * 1024)))).encode()

    answer = world.post(body)
    world.settle(0.1)

    assert answer.status == 413
    assert world.slack.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b'{"type": "event_callback", "event": "not an object"}', "application/json"),
        (b'{"type": "event_callback", "event": null}', "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
        (b'payload={"type":"block_actions","actions":null}', "application/x-www-form-urlencoded"),
        (
            b'payload={"type":"block_actions","actions":[{"x":1}]}',
            "application/x-www-form-urlencoded",
        ),
        (b"command=/protocol&text=\xff\xfe", "application/x-www-form-urlencoded"),
        (b"[" * 100_000, "application/json"),
    ],
)
def test_a_malformed_signed_body_gets_400(
    world: SlackWorld, body: bytes, content_type: str
) -> None:
    answer = world.post(body, content_type=content_type)

    assert (answer.status, answer.json()) == (400, {"error": "bad_request"})


def test_a_malformed_unsigned_body_gets_401(world: SlackWorld) -> None:
    assert world.post(b"{not json", signed=False).status == 401


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
SLACK_KEYS = st.sampled_from(
    [
        "type",
        "event",
        "user",
        "channel",
        "team",
        "enterprise",
        "actions",
        "message",
        "container",
        "view",
        "event_id",
        "team_id",
        "user_id",
        "channel_id",
        "authorizations",
        "response_url",
        "response_urls",
        "subtype",
        "text",
        "action_id",
        "block_id",
        "value",
        "command",
        "thread_ts",
    ]
)


@pytest.fixture(scope="module")
def long_lived_world(assistant: Assistant) -> Iterator[SlackWorld]:
    """One world for all hypothesis examples (a fresh one per example would be slow)."""
    world = SlackWorld(assistant)
    yield world
    world.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.dictionaries(SLACK_KEYS, JSON_VALUES, max_size=5),
    kind=st.sampled_from(["event_callback", "block_actions", None]),
    form=st.booleans(),
)
def test_no_signed_body_of_any_shape_causes_a_500(
    long_lived_world: SlackWorld, body: dict[str, object], kind: str | None, form: bool
) -> None:
    if kind is not None:
        body["type"] = kind
    raw = json.dumps(body).encode()
    if form:
        raw = urlencode({"payload": raw.decode()}).encode()
    content_type = "application/x-www-form-urlencoded" if form else "application/json"

    answer = long_lived_world.post(raw, content_type=content_type)

    assert answer.status < 500


def test_without_token_or_secret_the_server_starts_and_slack_answers_503(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    world = SlackWorld(assistant, slack_bot_token=None, slack_signing_secret=None)
    try:
        answer = world.post(json.dumps(event_callback(dm_event(PHOTOS))).encode())
        health = world.get("/healthz")
    finally:
        world.close()

    assert answer.status == 503
    assert answer.json() == {
        "error": "slack_not_configured",
        "missing": ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"],
    }
    assert health.status == 200
    disabled = [r.getMessage() for r in caplog.records if "Slack disabled" in r.getMessage()]
    assert disabled == [
        "Slack disabled: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET not set; "
        "POST /slack/events answers 503"
    ]


def test_a_chunked_body_over_the_limit_is_refused(world: SlackWorld) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * (512 * 1024)

    async def send() -> int:
        async with world.session.post(world.url + "/slack/events", data=chunks()) as response:
            return response.status

    assert world.run(send()) == 413
