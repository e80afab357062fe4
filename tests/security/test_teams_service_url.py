"""Issue 14: the Teams route was open by default and could be steered to any URL (SSRF).

With no settings at all, `policybot serve` ran Teams without authentication, answered a
made-up activity with 200 and posted its reply to whatever `serviceUrl` the request named,
retrying it through the outbox. Now:

- without MICROSOFT_APP_ID (and without the opt-in) Teams is off: 503 naming the missing
  variables, nothing stored, nothing sent;
- with POLICYBOT_TEAMS_INSECURE_LOCAL=1 (no app id) only loopback serviceUrls are taken: any
  other is refused with 403, and nothing is stored, queued in the outbox or sent.

Over real HTTP: the complete server of tests/security/conftest.py (every store in a database),
and `policybot serve` itself in a subprocess.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.store.db import Store
from tests.ops.conftest import Connector, Served, teams_message
from tests.ops.conftest import connector as connector  # a fixture: the connector stand-in
from tests.security.conftest import (
    BEFORE_THE_DATABASE,
    Stack,
    assert_no_internals,
    crashes,
    row_counts,
)
from tests.teams.workflow_world import DIRECTOR_AAD

NOT_LOOPBACK = {
    "teams-connector": "https://smba.trafficmanager.net/emea/",
    "cloud-metadata": "http://169.254.169.254/latest/meta-data/",
    "private-network": "http://192.168.1.10/",
    "all-interfaces": "http://0.0.0.0:{port}/",
    "user-info-then-another-host": "http://127.0.0.1:{port}@evil.example/",
    "backslash-then-loopback": "http://evil.example\\@127.0.0.1:{port}/",
    "a-name-starting-with-localhost": "http://localhost.evil.example:{port}/",
}
REFUSED = {"error": "service_url_not_allowed"}
NOT_CONFIGURED = {
    "error": "teams_not_configured",
    "missing": ["MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD"],
}


def activity(stack: Stack, service_url: str) -> bytes:
    """A personal-chat message from the director to the bot, naming `service_url`."""
    return json.dumps(
        {
            "type": "message",
            "id": "1700000000001",
            "channelId": "msteams",
            "serviceUrl": service_url,
            "from": {"id": "29:1director", "name": "Directeur", "aadObjectId": DIRECTOR_AAD},
            "recipient": {"id": "28:bot", "name": "Protocolbot"},
            "conversation": {"id": "a:director", "conversationType": "personal"},
            "text": "mag ik foto's van mijn klas op insta zetten?",
        }
    ).encode()


def stand_in_port(stack: Stack) -> str:
    """The port of the connector stand-in."""
    return stack.connector.base_url.rsplit(":", 1)[1]


@BEFORE_THE_DATABASE
@pytest.mark.parametrize("url", NOT_LOOPBACK.values(), ids=NOT_LOOPBACK.keys())
def test_without_authentication_a_service_url_that_is_not_loopback_is_refused(
    stack: Stack, caplog: pytest.LogCaptureFixture, url: str
) -> None:
    before = row_counts(stack.store)
    stack.forget_calls()

    answer = stack.teams_post(activity(stack, url.format(port=stand_in_port(stack))))
    stack.settle(0.2)

    assert (answer.status, json.loads(answer.text)) == (403, REFUSED)
    assert_no_internals(answer)
    assert row_counts(stack.store) == before  # no reference, no outbox row, no question
    assert stack.connector.calls == []
    assert crashes(caplog.records) == []


@BEFORE_THE_DATABASE
def test_without_authentication_the_loopback_stand_in_is_still_answered(stack: Stack) -> None:
    """The control: the same activity naming the loopback stand-in is answered there."""
    stack.forget_calls()

    answer = stack.teams_post(activity(stack, stack.service_url))

    assert answer.status == 200
    assert [call.conversation for call in stack.connector.calls] == ["a:director"]


def outbox_rows(served: Served, tmp_path: Path) -> int:
    """The outbox rows in the stopped server's database (clean_env's SQLite file)."""
    served.stop()
    store = Store.open(f"sqlite:///{tmp_path / 'serve.db'}")
    try:
        return row_counts(store)["outbox"]
    finally:
        store.dispose()


def test_serve_without_settings_switches_teams_off_and_sends_nothing(
    serve_factory: Any, connector: Connector, tmp_path: Path
) -> None:
    """The issue's trial: no settings, a made-up unauthenticated activity."""
    served = serve_factory(POLICYBOT_POLL_SECONDS="0.1")

    teams = served.post_json("/api/messages", teams_message(connector.url, "hallo"))
    slack = served.post_json("/slack/events", {"type": "event_callback"})
    time.sleep(0.5)  # the dispatcher polls several times

    assert (teams.status, teams.json()) == (503, NOT_CONFIGURED)
    assert slack.status == 503
    assert connector.bodies == []
    assert any("Teams disabled" in line for line in served.lines())
    assert outbox_rows(served, tmp_path) == 0


def test_serve_with_the_local_opt_in_sends_to_loopback_only(
    serve_factory: Any, connector: Connector, tmp_path: Path
) -> None:
    served = serve_factory(POLICYBOT_TEAMS_INSECURE_LOCAL="1", POLICYBOT_POLL_SECONDS="0.1")
    port = connector.url.rsplit(":", 1)[1].rstrip("/")

    refused = [
        served.post_json("/api/messages", teams_message(url.format(port=port), "hallo"))
        for url in NOT_LOOPBACK.values()
    ]
    time.sleep(0.5)
    nothing_sent = list(connector.bodies)
    answered = served.post_json("/api/messages", teams_message(connector.url, "hallo"))

    assert [(a.status, a.json()) for a in refused] == [(403, REFUSED)] * len(NOT_LOOPBACK)
    assert nothing_sent == []
    assert answered.status == 200 and len(connector.bodies) == 1
    assert any("TEAMS AUTHENTICATION IS DISABLED" in line for line in served.lines())
    assert outbox_rows(served, tmp_path) == 0
