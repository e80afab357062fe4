"""A Teams world with the workflows wired in: a database (conversation references included),
the Teams test organisation, a manual clock, and a dispatcher delivering through the real
TeamsChat port to the connector stand-in."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from adapters.teams.service import teams_ports, teams_references, teams_workflows, with_teams
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.draftcheck import default_draft_rules
from bot.org import load_org
from bot.store.db import Store
from bot.store.outbox import Backoff
from bot.workflows.base import Context, WorkflowSettings
from tests.teams.conftest import AAD, OUTBOUND_TOKEN, TeamsWorld, message, teams_settings
from tests.workflows.conftest import knowledge_for

ORG_FILE = Path(__file__).parent / "org.yaml"
CHANNEL_ID = "19:escalaties@thread.tacv2"
DIRECTOR_AAD = "aaaaaaaa-0000-0000-0000-0000000000d1"
DEPUTY_AAD = "aaaaaaaa-0000-0000-0000-0000000000d2"
OTHER_AAD = "aaaaaaaa-0000-0000-0000-0000000000e1"
STRANGER_AAD = "aaaaaaaa-0000-0000-0000-00000000ffff"
PEOPLE = {
    AAD: ("29:1anna", "Juf Anna", "a:anna-personal"),
    DIRECTOR_AAD: ("29:1director", "Directeur Kofschip", "a:director-personal"),
    DEPUTY_AAD: ("29:1deputy", "Adjunct Kofschip", "a:deputy-personal"),
    OTHER_AAD: ("29:1other", "Directeur Regenboog", "a:other-personal"),
    STRANGER_AAD: ("29:1stranger", "Onbekende", "a:stranger-personal"),
}


def channel_org(folder: Path) -> Path:
    """A copy of the test organisation in which Het Kofschip has a Teams escalation channel."""
    line = "    staff: [anna@kofschip.example]\n"
    channel = f'    escalation_channel: {{teams: "{CHANNEL_ID}"}}\n'
    org_file = folder / "org-channel.yaml"
    org_file.write_text(ORG_FILE.read_text().replace(line, line + channel))
    return org_file


def workflow_context(store: Store, clock: ManualClock, *, org_file: Path = ORG_FILE) -> Context:
    """The workflow context routing to Teams."""
    ctx = Context(
        store=store,
        org=load_org(org_file),
        clock=clock,
        knowledge_for=knowledge_for,
        settings=WorkflowSettings(platforms=()),
        draft_rules=default_draft_rules(),
    )
    return with_teams(ctx)


class WorkflowWorld(TeamsWorld):
    """TeamsWorld plus the workflows, database references, a dispatcher and helpers."""

    def __init__(self, assistant: Assistant, ctx: Context) -> None:
        self.ctx = ctx
        references = teams_references(ctx)
        super().__init__(
            assistant, insecure_local=True, references=references, workflows=teams_workflows(ctx)
        )
        settings = teams_settings(insecure_local=True)
        ports = teams_ports(ctx, settings, connector_token=lambda: OUTBOUND_TOKEN)
        self.port = ports["teams"]
        self.dispatcher = Dispatcher(ctx, ports, backoff=Backoff(base=1, max_attempts=4))

    def close(self) -> None:
        """Stop the servers and the port's loop."""
        super().close()
        self.port.close()

    def dispatch(self) -> int:
        """Deliver everything due (the dispatcher runs in a thread, as in `serve`)."""
        return self.run(asyncio.to_thread(self.dispatcher.run_once))

    def say(self, aad: str, text: str | None, **extra: Any) -> None:
        """A personal message from `aad` (this also stores their conversation reference)."""
        self.send(as_person(self, aad, text, **extra))

    def press(self, aad: str, value: dict[str, Any], *, reply_to: str = "reply-1") -> None:
        """A card submit from `aad` in their personal chat."""
        self.say(
            aad, None, value=value, replyToId=reply_to, id=f"submit-{len(self.connector.calls)}"
        )


def as_person(world: TeamsWorld, aad: str, text: str | None, **extra: Any) -> dict[str, Any]:
    """A personal-chat activity from the person with AAD object id `aad`."""
    user_id, name, conversation = PEOPLE[aad]
    activity = message(world, text, **extra)
    activity["from"] = {"id": user_id, "name": name, "aadObjectId": aad}
    activity["conversation"] = {**activity["conversation"], "id": conversation}
    return activity
