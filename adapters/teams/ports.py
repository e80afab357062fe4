"""The small seams the Teams adapter needs from storage: feedback and conversation references.

Both come with an in-memory implementation, right for one process. `DbConversationReferences`
keeps references in the database (table `teams_references`), so they survive restarts and are
shared by the web process and `policybot dispatch` workers. Nothing here is a
botbuilder type: a conversation reference is stored as the JSON object Teams itself uses.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from adapters.teams.cache import BoundedCache
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


RECENT_REFERENCES = 4_096  # (person, conversation type) keys whose last save is remembered
RECENT_REFERENCE_AGE = 10 * 60.0  # seconds; after that a reference is written again
_KEY_LOCKS = 64

ReferenceKey = tuple[str, str]


class DbConversationReferences:
    """References in the database, keyed by (AAD object id, conversation type).

    Every message from a person comes with their reference, nearly always the one already
    stored, so a save that would change nothing is skipped: this process remembers what it
    saved for each key (`BoundedCache`), for `RECENT_REFERENCE_AGE` seconds, so that a reference
    another process overwrote in between is written back within that time at the latest.
    (`updated_at` therefore says when a reference was last written, not last seen.)
    """

    def __init__(
        self, store: Store, *, recent: BoundedCache[ReferenceKey, StoredReference] | None = None
    ) -> None:
        self.store = store
        self.recent: BoundedCache[ReferenceKey, StoredReference] = (
            recent
            if recent is not None
            else BoundedCache(max_entries=RECENT_REFERENCES, max_age=RECENT_REFERENCE_AGE)
        )
        self._upsert = upsert_statement(store)
        self._locks = [threading.Lock() for _ in range(_KEY_LOCKS)]

    def save(self, reference: StoredReference) -> None:
        """Insert or replace the reference for that person and conversation type, unless this
        process saved the same one (apart from `activityId`) in the last few minutes.

        One INSERT ... ON CONFLICT DO UPDATE: two processes inserting the same new person at
        once both succeed, and the later write wins.
        """
        key = (reference.aad_object_id, reference.conversation_type)
        wanted = same_place(reference)
        # One thread per key at a time, so that the cache says what the last write wrote.
        with self._locks[hash(key) % _KEY_LOCKS]:
            if self.recent.get(key) == wanted:
                return
            with self.store.engine.begin() as connection:
                connection.execute(self._upsert, row_values(reference))
            self.recent.put(key, wanted)

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


def same_place(reference: StoredReference) -> StoredReference:
    """`reference` without the id of the activity it was taken from, which changes with every
    message. Nothing reads it back: a proactive message starts from a continuation activity of
    its own (botbuilder's `get_continuation_activity`), so two references that differ only
    there lead to the same place."""
    if "activityId" not in reference.reference:
        return reference
    place = {k: v for k, v in reference.reference.items() if k != "activityId"}
    return replace(reference, reference=place)


# What a newer reference replaces (all but the key).
_UPDATED_COLUMNS = (
    "user_id",
    "conversation_id",
    "service_url",
    "tenant_id",
    "reference",
    "updated_at",
)


def upsert_statement(store: Store) -> Insert:
    """INSERT ... ON CONFLICT (aad_object_id, conversation_type) DO UPDATE for `store`'s dialect,
    taking every column from parameters (`row_values`)."""
    table = TeamsReferenceRow.__table__
    statement = (sqlite if store.is_sqlite else postgresql).insert(table)
    upsert: Insert = statement.on_conflict_do_update(
        index_elements=[table.c.aad_object_id, table.c.conversation_type],
        set_={name: statement.excluded[name] for name in _UPDATED_COLUMNS},
    )
    return upsert


def row_values(reference: StoredReference) -> dict[str, Any]:
    """The row for `reference`, cut to the column sizes (bot/store/teams.py)."""
    return {
        "aad_object_id": reference.aad_object_id,
        "conversation_type": reference.conversation_type,
        "user_id": reference.user_id[:200],
        "conversation_id": reference.conversation_id,
        "service_url": reference.service_url,
        "tenant_id": reference.tenant_id[:64],
        "reference": reference.reference,
        "updated_at": datetime.now(UTC),
    }
