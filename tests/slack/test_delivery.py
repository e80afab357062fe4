"""Delivery when things go wrong: Slack's retries, rate limits, server errors and timeouts."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.assistant import Assistant
from tests.slack.conftest import DM, SlackWorld, dm_event

PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


def test_a_retried_event_is_answered_once(world: SlackWorld) -> None:
    first = world.send_event(dm_event(PHOTOS), event_id="EvSame")
    world.wait_for("chat.postMessage")
    retried = [world.send_event(dm_event(PHOTOS), event_id="EvSame", retry=n) for n in (1, 2)]
    world.settle()

    assert [first.status, *(r.status for r in retried)] == [200, 200, 200]
    assert len(world.slack.of("chat.postMessage")) == 1


def test_different_events_are_each_answered(world: SlackWorld) -> None:
    world.send_event(dm_event(PHOTOS), event_id="EvA")
    world.send_event(dm_event(PHOTOS), event_id="EvB")

    assert len(world.wait_for("chat.postMessage", 2)) == 2


def test_a_rate_limited_post_is_retried_after_retry_after_and_delivered(
    world: SlackWorld,
) -> None:
    world.slack.answer_with("chat.postMessage", 429)
    started = time.monotonic()

    world.send_event(dm_event(PHOTOS))
    calls = world.wait_for("chat.postMessage", 2)

    assert time.monotonic() - started >= 0.9  # Retry-After: 1
    assert calls[0].args == calls[1].args
    assert calls[1].args["channel"] == DM
    world.settle(0.1)
    assert len(world.slack.of("chat.postMessage")) == 2


def test_server_errors_are_retried_then_logged_without_the_message(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world.slack.answer_with("chat.postMessage", 500, 500, 500)

    world.send_event(dm_event(PHOTOS), event_id="EvFail")
    world.wait_for("chat.postMessage", 3)
    wait_for_log(world, caplog, "chat.postMessage to D1 failed")

    assert world.get("/healthz").status == 200
    world.send_event(dm_event(PHOTOS), event_id="EvNext")
    assert len(world.wait_for("chat.postMessage", 4)) == 4
    assert_no_message_text_logged(caplog)


def test_a_slow_web_api_times_out_without_crashing(
    assistant: Assistant, caplog: pytest.LogCaptureFixture
) -> None:
    world = SlackWorld(assistant, slack_api_timeout_seconds=1)
    try:
        world.slack.delays["chat.postMessage"] = 2.0
        world.send_event(dm_event(PHOTOS))
        wait_for_log(world, caplog, "chat.postMessage to D1 failed", timeout=8.0)
        world.slack.delays.clear()
        assert world.get("/healthz").status == 200
    finally:
        world.close()
    assert_no_message_text_logged(caplog)


def test_a_failing_response_url_is_logged_not_raised(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    world.slack.answer_with("response_url", 404)

    assert world.send_command(PHOTOS).status == 200
    wait_for_log(world, caplog, "command answer via response_url got HTTP 404")

    assert_no_message_text_logged(caplog)


def wait_for_log(
    world: SlackWorld, caplog: pytest.LogCaptureFixture, text: str, *, timeout: float = 8.0
) -> None:
    """Run the world until a log line containing `text` appears."""

    async def poll() -> None:
        deadline = time.monotonic() + timeout
        while not any(text in record.getMessage() for record in caplog.records):
            if time.monotonic() > deadline:
                raise AssertionError(f"no log line with {text!r}: {caplog.text}")
            await asyncio.sleep(0.02)

    with caplog.at_level(logging.INFO):
        world.run(poll())


def assert_no_message_text_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Neither the question nor the answer appears in any log line."""
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "foto" not in logged.lower()
    assert "toestemming" not in logged


def test_commands_and_events_are_acknowledged_before_slow_work(world: SlackWorld) -> None:
    world.slack.delays.update({"response_url": 1.5, "chat.postMessage": 1.5})

    started = time.monotonic()
    command = world.send_command(PHOTOS)
    event = world.send_event(dm_event(PHOTOS))
    acknowledged = time.monotonic() - started

    assert (command.status, event.status) == (200, 200)
    assert acknowledged < 1.0
    world.wait_for("response_url")
    world.wait_for("chat.postMessage")
