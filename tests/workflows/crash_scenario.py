"""The scenario the crash test runs (and kills) in a forked process.

Every step can be repeated: commands carry dedup keys and the clock is set per step, so a
restarted process simply runs the whole scenario again and carries on where the dead one was.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from adapters.console.port import ConsolePort
from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.draftcheck import default_draft_rules
from bot.models import Reply
from bot.org import Org
from bot.ports import ChatPort, Recipient
from bot.store.db import Store
from bot.store.models import RequestRow
from bot.workflows.base import Actor, Context, WorkflowSettings
from bot.workflows.doubt_check import DoubtDraft, decide, submit
from bot.workflows.escalation import EscalationInput, acknowledge, open_escalation, resolve
from bot.workflows.notes import add_note
from tests.workflows.conftest import ANNA, DIRECTOR, MONDAY_9AM, knowledge_for


class PlatformPort:
    """A stand-in for Slack or Teams: a separate database that survives our crashes.

    Each call is committed at once (like an HTTP call that succeeded); `find_sent` looks a key
    up, as a real adapter would in the message metadata it attached.
    """

    platform = "console"

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS sent (key TEXT, recipient TEXT, text TEXT, ref TEXT)"
        )

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Record one delivery."""
        self.db.execute(
            "INSERT INTO sent VALUES (?, ?, ?, ?)", (key, recipient.email, message.text, key)
        )
        return key

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        """Record one delivery per participant."""
        for person in participants:
            self.db.execute(
                "INSERT INTO sent VALUES (?, ?, ?, ?)", (key, person.email, message.text, key)
            )
        return f"thread:{key}"

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        """Same as opening."""
        return self.open_thread(participants, message, key=key, channel=None)

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Record the update as a delivery of its own key."""
        self.db.execute(
            "INSERT INTO sent VALUES (?, ?, ?, ?)",
            (key, recipient.email, message.text, message_ref),
        )
        return message_ref

    def find_sent(self, key: str) -> str | None:
        """The ref of a message already sent with `key`."""
        row = self.db.execute("SELECT ref FROM sent WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None


@dataclass(frozen=True)
class Setup:
    """What a scenario run needs."""

    store: Store
    org: Org
    platform_file: Path | None


def context(setup: Setup, clock: ManualClock) -> Context:
    """The workflow context of one run."""
    return Context(
        store=setup.store,
        org=setup.org,
        clock=clock,
        knowledge_for=knowledge_for,
        settings=WorkflowSettings(),
        draft_rules=default_draft_rules(),
    )


def run_scenario(setup: Setup) -> None:
    """A doubt check and an escalation from start to end, with reminders, delivering as it goes."""
    clock = ManualClock(MONDAY_9AM)
    ctx = context(setup, clock)
    port: ChatPort = (
        PlatformPort(setup.platform_file) if setup.platform_file else ConsolePort(clock)
    )
    dispatcher = Dispatcher(ctx, {"console": port})

    def at(hours: float) -> None:
        clock.set(MONDAY_9AM + timedelta(hours=hours))
        dispatcher.run_once()

    draft = DoubtDraft("Klassenfoto groep 5!", medium="Instagram")
    doubt = submit(ctx, Actor(ANNA), draft, dedup_key="doubt").request_id or 0
    at(0)
    at(4.5)  # the director is reminded
    decide(ctx, Actor(DIRECTOR), doubt, "approve", "prima", dedup_key="approve")
    at(4.6)
    report = EscalationInput(("https://x.example/1",), "X", "Ruzie over de school", "now")
    escalation = open_escalation(ctx, Actor(ANNA), report, dedup_key="escalate").request_id or 0
    at(5)
    at(5.3)  # reminded after 15 minutes
    add_note(ctx, Actor(ANNA), escalation, "Het wordt erger", dedup_key="note")
    acknowledge(ctx, Actor(DIRECTOR), escalation, dedup_key="ack")
    resolve(ctx, Actor(DIRECTOR), escalation, "Gebeld en opgelost", dedup_key="resolve")
    at(5.4)
    drain(dispatcher, clock, MONDAY_9AM + timedelta(hours=6))


def drain(dispatcher: Dispatcher, clock: ManualClock, start: datetime) -> None:
    """Deliver what is left, moving the clock past any lease or backoff."""
    clock.set(start)
    for _ in range(12):
        dispatcher.run_once()
        clock.advance(minutes=20)


def statuses(store: Store) -> list[str]:
    """Every request's status, by id."""
    with store.transaction() as session:
        return list(session.scalars(select(RequestRow.status).order_by(RequestRow.id)))
