"""The small seams the Teams adapter needs from storage: feedback and conversation references.

Both come with an in-memory implementation, right for one process. `DbConversationReferences`
keeps references in the database (table `teams_references`), so they survive restarts and are
shared by the web process and `policybot dispatch` workers. Nothing here is a
botbuilder type: a conversation reference is stored as the JSON object Teams itself uses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from bot.store.db import Store
from bot.store.teams import TeamsReferenceRow


@dataclass(frozen=True)
class StoredReference:
    """Where to reach one person in Teams later: a conversation reference, as plain data.

    `reference` is the Bot Framework's ConversationReference in its JSON form (camelCase keys:
    `serviceUrl`, `conversation`, `bot`, `user`, ...), which a database can keep as a JSON column.
    """

    aad_object_id: str
    user_id: str
    conversation_id: str
    conversation_type: str
    service_url: str
    tenant_id: str = ""
    reference: dict[str, Any] = field(default_factory=dict)


class ConversationReferenceStore(Protocol):
    """Conversation references keyed by AAD object id (the id the org file calls `teams_id`)."""

    def save(self, reference: StoredReference) -> None:
        """Remember `reference` for its person and conversation type (replacing an older one)."""
        ...

    def get(
        self, aad_object_id: str, *, conversation_type: str = "personal"
    ) -> StoredReference | None:
        """The newest reference for that person in that kind of conversation, if any."""
        ...


class InMemoryConversationReferences:
    """References in a dict: the default (one process), and what the tests inspect."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], StoredReference] = {}
        self._lock = threading.Lock()

    def save(self, reference: StoredReference) -> None:
        """Keep `reference`, replacing the one for the same person and conversation type."""
        with self._lock:
            self._items[(reference.aad_object_id, reference.conversation_type)] = reference

    def get(
        self, aad_object_id: str, *, conversation_type: str = "personal"
    ) -> StoredReference | None:
        """The reference for that person and conversation type, if any."""
        with self._lock:
            return self._items.get((aad_object_id, conversation_type))

    def __len__(self) -> int:
        return len(self._items)


class DbConversationReferences:
    """References in the database, keyed by (AAD object id, conversation type)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, reference: StoredReference) -> None:
        """Insert or replace the reference for that person and conversation type.

        Two processes inserting the same new person at once: the loser retries as an update.
        """
        try:
            self._save(reference)
        except IntegrityError:
            self._save(reference)

    def _save(self, reference: StoredReference) -> None:
        with self.store.transaction() as session:
            row = session.get(
                TeamsReferenceRow,
                (reference.aad_object_id, reference.conversation_type),
                with_for_update=True,
            )
            if row is None:
                row = TeamsReferenceRow(
                    aad_object_id=reference.aad_object_id,
                    conversation_type=reference.conversation_type,
                )
                session.add(row)
            row.user_id = reference.user_id[:200]
            row.conversation_id = reference.conversation_id
            row.service_url = reference.service_url
            row.tenant_id = reference.tenant_id[:64]
            row.reference = reference.reference
            row.updated_at = datetime.now(UTC)

    def get(
        self, aad_object_id: str, *, conversation_type: str = "personal"
    ) -> StoredReference | None:
        """The stored reference, if that person ever talked to the bot in such a conversation."""
        with self.store.transaction() as session:
            row = session.get(TeamsReferenceRow, (aad_object_id, conversation_type))
            if row is None:
                return None
            return StoredReference(
                aad_object_id=row.aad_object_id,
                user_id=row.user_id,
                conversation_id=row.conversation_id,
                conversation_type=row.conversation_type,
                service_url=row.service_url,
                tenant_id=row.tenant_id,
                reference=dict(row.reference),
            )
