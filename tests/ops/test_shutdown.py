"""SIGTERM: the server stops accepting, finishes the requests in flight, and exits 0."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from tests.ops.conftest import Answer, Connector, teams_message


def test_sigterm_finishes_the_request_in_flight_and_exits_zero(
    serve_factory: Any, connector: Connector
) -> None:
    served = serve_factory(POLICYBOT_TEAMS_INSECURE_LOCAL="1")
    connector.delay = 1.5  # the reply to Teams takes a while: the request is in flight
    answers: list[Answer] = []
    sender = threading.Thread(
        target=lambda: answers.append(
            served.post_json("/api/messages", teams_message(connector.url, "mag ik foto's op fb"))
        )
    )
    sender.start()
    while not connector.bodies:  # the request has reached the bot and it is replying
        time.sleep(0.05)

    exit_code = served.stop()
    sender.join(timeout=30)

    assert exit_code == 0
    assert [answer.status for answer in answers] == [200]
    assert len(connector.bodies) == 1
    assert any('"stopped"' in line for line in served.lines())


def test_sigterm_stops_the_background_dispatcher_cleanly(
    serve_factory: Any, connector: Connector
) -> None:
    served = serve_factory(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test-signing-secret",
        SLACK_API_URL=connector.url,
        POLICYBOT_POLL_SECONDS="0.1",
    )
    time.sleep(0.5)  # the dispatcher has polled a few times

    exit_code = served.stop()

    entries = [json.loads(line) for line in served.lines()]
    assert exit_code == 0
    assert [e["message"] for e in entries if e["level"] in ("ERROR", "CRITICAL")] == []
    assert entries[-1]["message"] == "stopped"
