"""The conversation context store: in memory and in the database, both expiring."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import ManualClock
from bot.conversation import ContextStore, Conversations, DbContexts, MemoryContexts, Remembered
from bot.store.db import Store


@pytest.fixture(params=["memory", "database"])
def contexts(request: pytest.FixtureRequest, store: Store) -> ContextStore:
    """Each store kind (the database one on SQLite and on PostgreSQL)."""
    if request.param == "memory":
        return MemoryContexts(timedelta(minutes=10))
    return DbContexts(store, timedelta(minutes=10))


def test_a_context_is_recalled_by_its_key_only(contexts: ContextStore, clock: ManualClock) -> None:
    conversations = Conversations(contexts, clock=clock)
    conversations.remember("slack:D1", "A5", "mag ik foto's op insta", "nl")

    recalled = conversations.recall("slack:D1")

    assert recalled == Remembered("A5", "mag ik foto's op insta", "nl", clock.now())
    assert conversations.recall("slack:D2") is None
    assert conversations.recall("") is None


def test_a_context_expires_after_the_idle_time(contexts: ContextStore, clock: ManualClock) -> None:
    conversations = Conversations(contexts, clock=clock)
    conversations.remember("teams:c1", "A2", "facebook in de les", "nl")

    clock.advance(minutes=9)
    assert conversations.recall("teams:c1") is not None
    clock.advance(minutes=2)
    assert conversations.recall("teams:c1") is None


def test_a_newer_context_replaces_the_older(contexts: ContextStore, clock: ManualClock) -> None:
    conversations = Conversations(contexts, clock=clock)
    conversations.remember("console:1", "A5", "foto's", "nl")
    clock.advance(minutes=1)
    conversations.remember("console:1", "C1", "and in my own time?", "en")

    recalled = conversations.recall("console:1")

    assert recalled is not None and (recalled.clause_id, recalled.lang) == ("C1", "en")


def test_expired_rows_are_deleted_when_a_context_is_written(
    store: Store, clock: ManualClock
) -> None:
    contexts = DbContexts(store, timedelta(minutes=10))
    conversations = Conversations(contexts, clock=clock)
    conversations.remember("slack:D1", "A5", "foto's", "nl")
    clock.advance(minutes=30)
    conversations.remember("slack:D2", "A6", "vriendschapsverzoek", "nl")

    assert contexts.count() == 1


def test_the_memory_store_keeps_a_bounded_number_of_conversations(clock: ManualClock) -> None:
    conversations = Conversations(MemoryContexts(limit=2), clock=clock)
    for key in ("a", "b", "c"):
        conversations.remember(key, "A5", "foto's", "nl")

    assert [conversations.recall(k) is not None for k in ("a", "b", "c")] == [False, True, True]


def test_a_database_fault_forgets_instead_of_failing(clock: ManualClock, tmp_path: Path) -> None:
    broken = Store.open(f"sqlite:///{tmp_path / 'c.db'}")
    with broken.transaction() as session:
        session.execute(text("DROP TABLE conversations"))
    conversations = Conversations(DbContexts(broken, timedelta(minutes=10)), clock=clock)

    conversations.remember("slack:D1", "A5", "foto's", "nl")

    assert conversations.recall("slack:D1") is None
