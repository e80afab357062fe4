"""The app manifest agrees with what the code registers and renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.server import SLACK_PATH
from adapters.slack import blocks
from adapters.slack.app import COMMAND, EVENT_TYPES, HANDLED_ACTIONS
from adapters.slack.assistant_pane import PANE_EVENTS
from adapters.slack.home import HOME_EVENT
from adapters.slack.workflows import COMMANDS as WORKFLOW_COMMANDS
from adapters.slack.workflows import (
    DOUBT_MESSAGE_SHORTCUT,
    ESCALATE_MESSAGE_SHORTCUT,
    ESCALATE_SHORTCUT,
)
from bot.assistant import Assistant
from bot.models import IncomingMessage, Reply, UserRef
from tests.slack.conftest import SlackWorld

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slack" / "manifest.yml"
PANE_MARK = "# assistant pane"  # the manifest's lines for Slack's assistant pane carry it
PANE_SCOPES = {"assistant:write"}
LEAST_PRIVILEGE = {
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:read",
    "im:write",
    "mpim:write",
    "mpim:history",
    "channels:history",
    "groups:history",
    "users:read",
    "users:read.email",
}
# Events API subscription names for the event types the listeners handle.
SUBSCRIPTIONS = {
    "message": "message.im",
    "app_mention": "app_mention",
    HOME_EVENT: "app_home_opened",
    "assistant_thread_started": "assistant_thread_started",
    "assistant_thread_context_changed": "assistant_thread_context_changed",
}


def parsed(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return parsed(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plain_manifest() -> dict[str, Any]:
    """The manifest for a workspace without the assistant pane: the marked lines deleted."""
    lines = MANIFEST.read_text(encoding="utf-8").splitlines()
    return parsed("\n".join(line for line in lines if PANE_MARK not in line))


def test_the_slash_commands_are_the_ones_registered(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]

    assert [c["command"] for c in commands] == [COMMAND, *WORKFLOW_COMMANDS]
    assert {c["url"] for c in commands} == {f"https://example.org{SLACK_PATH}"}


def test_the_subscribed_events_are_the_ones_handled(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]

    handled = (*EVENT_TYPES, HOME_EVENT, *PANE_EVENTS)
    assert sorted(events["bot_events"]) == sorted(SUBSCRIPTIONS[e] for e in handled)
    assert events["request_url"] == f"https://example.org{SLACK_PATH}"


def test_interactivity_is_on_and_scopes_are_least_privilege(manifest: dict[str, Any]) -> None:
    interactivity = manifest["settings"]["interactivity"]

    assert interactivity == {"is_enabled": True, "request_url": f"https://example.org{SLACK_PATH}"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == LEAST_PRIVILEGE | PANE_SCOPES
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_the_assistant_pane_is_declared_in_both_languages(manifest: dict[str, Any]) -> None:
    description = manifest["features"]["assistant_view"]["assistant_description"]

    assert " / " in description
    assert "B.3" in description and "B.2" in description


def test_without_the_marked_lines_the_manifest_is_the_plain_app(
    manifest: dict[str, Any], plain_manifest: dict[str, Any]
) -> None:
    events = plain_manifest["settings"]["event_subscriptions"]["bot_events"]

    assert "assistant_view" not in plain_manifest["features"]
    assert set(plain_manifest["oauth_config"]["scopes"]["bot"]) == LEAST_PRIVILEGE
    assert sorted(events) == sorted(SUBSCRIPTIONS[e] for e in (*EVENT_TYPES, HOME_EVENT))
    assert plain_manifest["features"]["slash_commands"] == manifest["features"]["slash_commands"]
    assert plain_manifest["features"]["shortcuts"] == manifest["features"]["shortcuts"]
    assert plain_manifest["settings"]["interactivity"] == manifest["settings"]["interactivity"]


def test_the_shortcuts_and_the_home_tab_are_the_ones_registered(
    manifest: dict[str, Any],
) -> None:
    shortcuts = {(s["type"], s["callback_id"]) for s in manifest["features"]["shortcuts"]}

    assert shortcuts == {
        ("global", ESCALATE_SHORTCUT),
        ("message", DOUBT_MESSAGE_SHORTCUT),
        ("message", ESCALATE_MESSAGE_SHORTCUT),
    }
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def every_kind_of_reply(assistant: Assistant) -> list[Reply]:
    """An answer for every clause, a near tie, the help, and an out-of-scope reply."""
    replies = [assistant.show_clause(c.id, "nl") for c in assistant.knowledge.clauses]
    for question in (
        "even snel reageren op een fb berichtje terwijl de klas een toets maakt",
        "hoi",
        "wat is het weer morgen?",
    ):
        replies.append(assistant.handle(IncomingMessage(question, UserRef("slack", "U1"))))
    return replies


def rendered_action_ids(assistant: Assistant) -> set[str]:
    ids: set[str] = set()
    for reply in every_kind_of_reply(assistant):
        message = blocks.render(reply, question="q", share_value=blocks.share_payload("q"))
        for block in message.blocks:
            if block["type"] == "actions":
                ids |= {element["action_id"] for element in block["elements"]}
    return ids


def test_every_rendered_action_id_has_a_listener(tie_assistant: Assistant) -> None:
    ids = rendered_action_ids(tie_assistant)

    assert {"show_clause", "doubt_check", "escalate", "feedback_up", "share_answer"} <= ids
    assert [i for i in ids if not any(p.match(i) for p in HANDLED_ACTIONS)] == []


def test_every_rendered_action_id_is_answered_by_the_server(
    world: SlackWorld, tie_assistant: Assistant
) -> None:
    for action_id in sorted(rendered_action_ids(tie_assistant) | {"show_clause:2"}):
        value = blocks.share_payload("hoi") if action_id == "share_answer" else "A5"
        assert world.press(action_id, value).status == 200, action_id

    assert world.press("no_such_action", "x").status == 404
