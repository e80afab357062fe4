"""Structured logs: JSON lines with a request id; never an email address or message text."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import time
from typing import Any

from adapters.ops import incoming_or_new_id
from bot.logs import make_handler, redact, request_id
from tests.ops.conftest import Connector, teams_message

SECRET = "test-signing-secret"
EMAIL = "juf.anna@kofschip.example"
QUESTION = "mag ik de foto van de schoolreis op insta zetten"


def slack_headers(body: bytes) -> dict[str, str]:
    """Headers that make Slack's signature check pass."""
    timestamp = str(int(time.time()))
    base = f"v0:{timestamp}:".encode() + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def slack_message(text: str) -> bytes:
    """A direct message to the app, as Slack's Events API delivers it."""
    event = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": text}
    payload = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": event}
    return json.dumps({**payload, "event": {**event, "ts": "1700000000.000100"}}).encode()


def test_the_redaction_filter_hides_emails_in_arguments_and_adds_the_request_id() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("policybot.test.redact")
    logger.addHandler(make_handler("json", stream))
    token = request_id.set("rid-1")
    try:
        logger.warning("lookup of %s failed", EMAIL)
    finally:
        request_id.reset(token)
        logger.handlers.clear()

    entry = json.loads(stream.getvalue())
    assert entry["message"] == "lookup of [email] failed"
    assert entry["request_id"] == "rid-1"
    assert set(entry) == {"timestamp", "level", "logger", "message", "request_id"}
    assert redact("mail a.b+c@x.example.org now") == "mail [email] now"


def test_served_requests_log_json_with_their_id_and_no_email_or_question(
    serve_factory: Any, connector: Connector
) -> None:
    served = serve_factory(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=connector.url,
        SLACK_API_TIMEOUT_SECONDS="2",
        POLICYBOT_TEAMS_INSECURE_LOCAL="1",
    )
    text = f"{QUESTION}? mail {EMAIL}"
    body = slack_message(text)
    slack = served.post_json_raw(
        "/slack/events", body, {**slack_headers(body), "X-Request-Id": "s-1"}
    )
    teams = served.post_json(
        "/api/messages", teams_message(connector.url, text), **{"X-Request-Id": "t-1"}
    )
    time.sleep(2)  # Bolt answers Slack first and replies afterwards: let that be logged too

    lines = served.lines()
    entries = [json.loads(line) for line in lines]
    assert (slack.status, teams.status) == (200, 200)
    assert len(connector.bodies) >= 2  # both questions were answered: the text went through
    assert (slack.headers["X-Request-Id"], teams.headers["X-Request-Id"]) == ("s-1", "t-1")
    assert {"s-1", "t-1"} <= {entry["request_id"] for entry in entries}
    assert not [line for line in lines if EMAIL in line or "schoolreis" in line]
    assert any(entry["message"].startswith("event loop: uvloop") for entry in entries)


def test_a_request_id_is_kept_only_when_plain() -> None:
    assert incoming_or_new_id("abc-123_x.y") == "abc-123_x.y"
    assert len(incoming_or_new_id("bad id\nwith newline")) == 32
    assert len(incoming_or_new_id(None)) == 32


def test_text_logs_on_request(serve_factory: Any) -> None:
    served = serve_factory(POLICYBOT_LOG_FORMAT="text")

    answer = served.get("/healthz", **{"X-Request-Id": "plain-1"})

    assert answer.headers["X-Request-Id"] == "plain-1"
    assert any("[plain-1] GET /healthz -> 200" in line for line in served.lines())
    assert not any(line.startswith("{") for line in served.lines())
