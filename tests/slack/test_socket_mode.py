"""Socket Mode: the same listeners, with events over a WebSocket (a loopback stand-in)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

import adapters.server
from adapters.config import SETTING_PREFIXES
from adapters.slack.identity import Identities
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from adapters.slack.service import socket_mode_handler
from adapters.slack.workflows import WorkflowServices
from bot.assistant import Assistant
from bot.cli import main
from bot.clock import ManualClock
from bot.store.db import Store
from tests.slack.conftest import DM, SlackWorld, dm_event, event_callback, settings_for
from tests.slack.workflow_world import workflow_context
from tests.workflows.conftest import MONDAY_9AM


def test_an_event_over_socket_mode_is_acknowledged_and_answered(
    assistant: Assistant, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = SlackWorld(assistant)
    world.slack.socket_url = world.slack.base_url.replace("http://", "ws://") + "/socket"
    settings = settings_for(f"{world.slack.base_url}/api/", slack_app_token="xapp-1-test")
    ctx = workflow_context(store, ManualClock(MONDAY_9AM))
    services = WorkflowServices(ctx, Identities(ctx.org))

    async def connect() -> AsyncSocketModeHandler:
        handler = socket_mode_handler(
            settings,
            assistant=assistant,
            workflows=services,
            feedback=DbFeedback(store, secret=b"k"),
            deduplicator=DbEventDeduplicator(store),
        )
        await handler.connect_async()  # type: ignore[no-untyped-call]
        return handler

    handler = world.run(connect())
    try:
        assert world.slack.of("apps.connections.open")
        envelope = {
            "envelope_id": "env-1",
            "type": "events_api",
            "accepts_response_payload": False,
            "payload": event_callback(dm_event("mag ik foto's van mijn klas op insta?")),
        }
        world.run(wait_for_socket(world))
        world.run(world.slack.push(envelope))
        [ack] = world.wait_for("socket_ack")
        [posted] = world.wait_for("chat.postMessage")
        assert ack.args["envelope_id"] == "env-1"
        assert posted.args["channel"] == DM
    finally:
        world.run(handler.close_async())  # type: ignore[no-untyped-call]
        world.close()
        store.dispose()


async def wait_for_socket(world: SlackWorld) -> None:
    """Until the client has connected to the stand-in."""
    deadline = time.monotonic() + 5
    while not world.slack.sockets and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """None of our settings but a database; `run_server` records its calls instead of serving."""
    monkeypatch.chdir(tmp_path)  # no .env file from the checkout
    for name in list(os.environ):
        if name.startswith(SETTING_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(adapters.server, "run_server", lambda **kwargs: served.append(kwargs))
    return served


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "test-signing-secret"},
            "SLACK_APP_TOKEN not set",
        ),
        ({"SLACK_APP_TOKEN": "xapp-1-test"}, "SLACK_BOT_TOKEN not set"),
        ({}, "SLACK_APP_TOKEN and SLACK_BOT_TOKEN not set"),
    ],
    ids=["no-app-token", "no-bot-token", "neither"],
)
def test_socket_mode_without_its_tokens_fails_and_serves_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    serve_env: list[dict[str, Any]],
    env: dict[str, str],
    missing: str,
) -> None:
    """Without SLACK_APP_TOKEN, `serve --socket-mode` used to serve Slack over HTTP instead."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    code = main(["serve", "--host", "127.0.0.1", "--socket-mode"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"policybot serve --socket-mode: {missing}. ")
    assert "Traceback" not in err
    assert serve_env == []  # not served at all


def test_socket_mode_with_both_tokens_serves_and_connects(
    monkeypatch: pytest.MonkeyPatch, serve_env: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-test")

    assert main(["serve", "--host", "127.0.0.1", "--socket-mode"]) == 0

    [served] = serve_env
    assert len(served["background"]) == 2  # the dispatcher and the Socket Mode connection
