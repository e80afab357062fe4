"""The console's ChatPort: notifications land in the `console_inbox` table.

It is a TransactionalPort: the dispatcher enlists it in the transaction that marks the outbox
row delivered, so the inbox row and the "delivered" mark commit together (exactly once). The
inbox key is the outbox idempotency key (unique), as a second guard. A terminal chat shows a
person's unread inbox rows when it starts and between lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.models import Button, Reply
from bot.ports import Recipient
from bot.store.db import Store
from bot.store.models import ConsoleInboxRow

UPDATED = {"nl": "(bijgewerkt) ", "en": "(updated) "}


@dataclass(frozen=True)
class InboxMessage:
    """One notification for the terminal."""

    id: int
    text: str
    buttons: tuple[Button, ...]


class ConsolePort:
    """Delivers into the console inbox, inside the dispatcher's transaction."""

    platform = "console"

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._session: Session | None = None

    def enlist(self, session: Session) -> None:
        """Write through `session` (the dispatcher's transaction)."""
        self._session = session

    def send(self, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Put `message` in the recipient's inbox."""
        self._add(key, recipient.email, message)
        return key

    def open_thread(
        self, participants: Sequence[Recipient], message: Reply, *, key: str, channel: str | None
    ) -> str:
        """A console thread is the participants' inboxes; its ref names the opening message."""
        for person in participants:
            self._add(f"{key}:{person.email}", person.email, message)
        return f"console-thread:{key}"

    def post_in_thread(
        self, thread: str, participants: Sequence[Recipient], message: Reply, *, key: str
    ) -> str:
        """Post to every participant's inbox."""
        for person in participants:
            self._add(f"{key}:{person.email}", person.email, message)
        return key

    def update(self, message_ref: str, recipient: Recipient, message: Reply, *, key: str) -> str:
        """Replace an earlier message and show it again, marked as updated."""
        row = self._find(message_ref)
        if row is None:
            self._add(key, recipient.email, message)
            return key
        row.text = UPDATED[message.lang] + message.text
        row.buttons = _buttons_json(message.buttons)
        row.read_at = None
        return message_ref

    def find_sent(self, key: str) -> str | None:
        """The key itself, if a message with this key is in an inbox."""
        return key if self._find(key) is not None else None

    def _tx(self) -> Session:
        if self._session is None:
            raise RuntimeError("ConsolePort used outside a dispatcher transaction")
        return self._session

    def _find(self, key: str) -> ConsoleInboxRow | None:
        query = select(ConsoleInboxRow).where(ConsoleInboxRow.key == key)
        return self._tx().scalars(query).first()

    def _add(self, key: str, email: str, message: Reply) -> None:
        self._tx().add(
            ConsoleInboxRow(
                key=key,
                recipient=email,
                text=message.text,
                buttons=_buttons_json(message.buttons),
                created_at=self.clock.now(),
            )
        )


def _buttons_json(buttons: Sequence[Button]) -> list[dict[str, str]]:
    return [{"label": b.label, "action": b.action, "value": b.value} for b in buttons]


def take_unread(store: Store, email: str, moment: datetime) -> list[InboxMessage]:
    """The unread notifications of `email`, oldest first, marked read in the same transaction."""
    with store.transaction() as session:
        query = (
            select(ConsoleInboxRow)
            .where(ConsoleInboxRow.recipient == email, ConsoleInboxRow.read_at.is_(None))
            .order_by(ConsoleInboxRow.id)
        )
        rows = list(session.scalars(query))
        for row in rows:
            row.read_at = moment
        return [
            InboxMessage(
                row.id,
                row.text or "",
                tuple(Button(b["label"], b["action"], b.get("value", "")) for b in row.buttons),
            )
            for row in rows
        ]
