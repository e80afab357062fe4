"""Socket Mode: the same listeners, with events over a WebSocket (a loopback stand-in)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from adapters.slack.identity import Identities
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from adapters.slack.service import socket_mode_handler
from adapters.slack.workflows import WorkflowServices
from bot.assistant import Assistant
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
