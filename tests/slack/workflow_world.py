"""A Slack world with the workflows wired in: a database, the test organisation, a manual
clock, and a dispatcher delivering through the real SlackPort to the Web API stand-in."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from adapters.slack.identity import Identities
from adapters.slack.ports import EventDeduplicator
from adapters.slack.service import slack_ports
from adapters.slack.workflows import WorkflowServices, thread_state
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.draftcheck import default_draft_rules
from bot.org import load_org
from bot.store.db import Store
from bot.store.outbox import Backoff
from bot.workflows.base import Context, WorkflowSettings
from tests.slack.conftest import TEAM, USER, FakeSlack, SlackWorld, settings_for
from tests.workflows.conftest import ORG_FILE, knowledge_for

DIRECTOR = "U0DIR"  # listed with slack_id in tests/workflows/org.yaml
BRAM = "U0BRAM"  # found by email through users.info
EVA = "U0EVA"  # another school's staff
EMAILS = {
    USER: "anna@kofschip.example",
    BRAM: "bram@kofschip.example",
    EVA: "eva@regenboog.example",
    DIRECTOR: "dir@kofschip.example",
}


def workflow_context(store: Store, clock: ManualClock, org_file: Path = ORG_FILE) -> Context:
    """The workflow context routing to Slack."""
    return Context(
        store=store,
        org=load_org(org_file),
        clock=clock,
        knowledge_for=knowledge_for,
        settings=WorkflowSettings(platforms=("slack",)),
        draft_rules=default_draft_rules(),
    )


class WorkflowWorld(SlackWorld):
    """SlackWorld plus the workflows, a dispatcher and payload helpers."""

    def __init__(
        self,
        assistant: Assistant,
        ctx: Context,
        *,
        deduplicator: EventDeduplicator | None = None,
        slack: FakeSlack | None = None,
    ) -> None:
        self.ctx = ctx
        self.clock = ctx.clock
        services = WorkflowServices(ctx, Identities(ctx.org))
        self.services = services
        super().__init__(assistant, workflows=services, deduplicator=deduplicator, slack=slack)
        self.slack.emails.update(EMAILS)
        api = settings_for(f"{self.slack.base_url}/api/")
        self.ports = slack_ports(ctx, api)
        self.dispatcher = Dispatcher(ctx, self.ports, backoff=Backoff(base=1, max_attempts=4))
        assert thread_state(ctx)(999) is None

    def dispatch(self) -> int:
        """Deliver everything due (the dispatcher runs in a thread, as in `serve`)."""
        return self.run(asyncio.to_thread(self.dispatcher.run_once))

    def interact(self, payload: dict[str, Any]) -> Any:
        """Post an interactivity payload; the parsed JSON answer (or the raw text)."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        answer = self.post(body, content_type="application/x-www-form-urlencoded")
        assert answer.status == 200, answer.text
        try:
            return answer.json()
        except ValueError:
            return answer.text

    def submit(
        self, view: dict[str, Any], values: dict[str, str], *, user: str = USER, view_id: str = "V1"
    ) -> Any:
        """Submit a modal that was opened, with `values` by block id."""
        state = {name: {name: _state_value(value)} for name, value in values.items()}
        submitted = {**view, "id": view_id, "state": {"values": state}}
        return self.interact(
            {
                "type": "view_submission",
                "team": {"id": TEAM},
                "user": {"id": user, "team_id": TEAM},
                "api_app_id": "A1",
                "token": "legacy",
                "trigger_id": "trigger-3",
                "view": submitted,
            }
        )

    def command(self, name: str, text: str = "", *, user: str = USER) -> int:
        """Invoke a slash command; its HTTP status."""
        form = {
            "team_id": TEAM,
            "channel_id": "C1",
            "user_id": user,
            "command": name,
            "text": text,
            "response_url": self.slack.response_url("command"),
            "trigger_id": "trigger-1",
        }
        body = urlencode(form).encode()
        return self.post(body, content_type="application/x-www-form-urlencoded").status

    def opened_view(self, index: int = -1) -> dict[str, Any]:
        """The view of a views.open call."""
        view = self.wait_for("views.open", abs(index) if index < 0 else index + 1)[index]
        found: dict[str, Any] = view.args["view"]
        return found

    def press_on(self, message: dict[str, Any], channel: str, action_id: str, *, user: str) -> None:
        """Press the button `action_id` on a stored message."""
        button = find_button(message, action_id)
        block_id = next(b["block_id"] for b in message["blocks"] if button in b.get("elements", []))
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": "trigger-2",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
            "response_url": self.slack.response_url("press"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": button.get("value", ""),
                    "action_ts": "1700000001.000000",
                }
            ],
        }
        self.interact(payload)


def _state_value(value: str) -> dict[str, Any]:
    if value.startswith("option:"):
        return {"type": "static_select", "selected_option": {"value": value[7:]}}
    return {"type": "plain_text_input", "value": value}


def find_button(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The button with `action_id` in a stored message."""
    for block in message.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                found: dict[str, Any] = element
                return found
    raise AssertionError(f"no button {action_id}: {message}")


def action_ids(message: dict[str, Any]) -> list[str]:
    """Every button's action id in a stored message."""
    return [
        str(e.get("action_id"))
        for b in message.get("blocks") or []
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


def text_of(message: dict[str, Any]) -> str:
    """A stored message's text and block texts."""
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        parts.append(json.dumps(block, ensure_ascii=False))
    return "\n".join(parts)
