"""Saving conversation references: one upsert, skipped when this process just saved the same one.

On real SQLite and PostgreSQL. Writes are counted at the engine (every INSERT or UPDATE that
reaches teams_references), so a skipped save is one the database never saw.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from adapters.teams.cache import BoundedCache
from adapters.teams.ports import (
    RECENT_REFERENCE_AGE,
    DbConversationReferences,
    ReferenceKey,
    StoredReference,
)
from bot.assistant import Assistant
from bot.store.db import Store, make_engine
from tests.teams.conftest import AAD, TeamsWorld, message
from tests.workflows.conftest import PgTarget, pg_store, pg_target  # noqa: F401 (a fixture)

QUESTION = "mag ik foto's van leerlingen op instagram zetten"


def reference(activity_id: str = "act-1", conversation: str = "a:personal-1") -> StoredReference:
    """A personal-chat reference of one person, taken from activity `activity_id`."""
    return StoredReference(
        aad_object_id="aad-1",
        user_id="29:1user",
        conversation_id=conversation,
        conversation_type="personal",
        service_url="https://smba.example/emea/",
        tenant_id="tenant-1",
        reference={
            "activityId": activity_id,
            "user": {"id": "29:1user", "aadObjectId": "aad-1"},
            "bot": {"id": "28:bot"},
            "conversation": {"id": conversation, "conversationType": "personal"},
            "channelId": "msteams",
            "serviceUrl": "https://smba.example/emea/",
        },
    )


class Writes:
    """Counts the statements that write teams_references on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.lstrip().split(None, 3)
        if words[:1] in (["INSERT"], ["UPDATE"]) and "teams_references" in statement:
            self.count += 1


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Store]]:
    """Two stores on one database, each with its own engine: two processes' view of it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'refs.db'}"
        opened = [Store.open(url), Store.open(url)]
    else:
        target: PgTarget | None = request.getfixturevalue("pg_target")
        first = pg_store(target)  # skips without PostgreSQL
        assert target is not None
        opened = [first, Store(make_engine(target.url, schema=target.schema))]
    yield opened
    for store in opened:
        store.dispose()


def test_a_changed_reference_is_saved_and_an_unchanged_one_is_not_rewritten(
    stores: list[Store],
) -> None:
    references = DbConversationReferences(stores[0])
    writes = Writes(stores[0].engine)

    references.save(reference("act-1"))
    references.save(reference("act-2"))  # the next message: only the activity id differs
    references.save(reference("act-3", conversation="a:personal-2"))

    assert writes.count == 2
    assert references.get("aad-1") == reference("act-3", conversation="a:personal-2")


def test_a_reference_another_process_overwrote_is_written_back_after_the_age_limit(
    stores: list[Store],
) -> None:
    now = [0.0]
    recent: BoundedCache[ReferenceKey, StoredReference] = BoundedCache(
        max_entries=10, max_age=RECENT_REFERENCE_AGE, clock=lambda: now[0]
    )
    mine = DbConversationReferences(stores[0], recent=recent)
    other = DbConversationReferences(stores[1])

    mine.save(reference("act-1"))
    other.save(reference("act-9", conversation="a:elsewhere"))
    mine.save(reference("act-2"))  # this process saved that one a moment ago: skipped
    skipped = mine.get("aad-1")
    now[0] = RECENT_REFERENCE_AGE
    mine.save(reference("act-3"))

    assert skipped is not None and skipped.conversation_id == "a:elsewhere"
    assert mine.get("aad-1") == reference("act-3")


def test_long_ids_are_cut_to_their_columns(stores: list[Store]) -> None:
    references = DbConversationReferences(stores[0])
    long = replace(reference(), user_id="u" * 250, tenant_id="t" * 80)

    references.save(long)

    stored = references.get("aad-1")
    assert stored is not None
    assert (len(stored.user_id), len(stored.tenant_id)) == (200, 64)


def test_concurrent_first_saves_from_two_processes_both_succeed(stores: list[Store]) -> None:
    people = [f"aad-{n}" for n in range(20)]
    failures: list[Exception] = []
    barrier = threading.Barrier(2)

    def save_all(store: Store, conversation: str) -> None:
        references = DbConversationReferences(store)
        for person in people:
            barrier.wait()  # both insert the same new person at the same moment
            try:
                references.save(replace(reference(conversation=conversation), aad_object_id=person))
            except Exception as exc:  # collected for the assertion below
                failures.append(exc)

    threads = [
        threading.Thread(target=save_all, args=(store, f"a:conv-{n}"))
        for n, store in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    reader = DbConversationReferences(stores[0])
    for person in people:
        stored = reader.get(person)
        assert stored is not None and stored.conversation_id in ("a:conv-0", "a:conv-1")


def test_every_message_through_the_handler_writes_the_reference_only_when_it_changes(
    assistant: Assistant, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'refs.db'}")
    writes = Writes(store.engine)
    references = DbConversationReferences(store)
    world = TeamsWorld(assistant, insecure_local=True, references=references)
    try:
        for number in range(3):
            assert world.send(message(world, QUESTION, id=f"m{number}")).status == 200
        moved = {"id": "a:personal-new", "conversationType": "personal"}
        assert world.send(message(world, QUESTION, id="m9", conversation=moved)).status == 200
        stored = references.get(AAD)
    finally:
        world.close()
        store.dispose()

    assert len(world.connector.calls) == 4
    assert writes.count == 2
    assert stored is not None and stored.conversation_id == "a:personal-new"
    assert stored.reference["activityId"] == "m9"
