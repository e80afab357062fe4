"""Event de-duplication and feedback in the database, shared by several app processes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from bot.assistant import Assistant
from bot.store.db import Store, create_schema, drop_schema, make_engine
from bot.store.models import FeedbackRow
from tests.slack.conftest import USER, SlackWorld, dm_event

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_ENV = "POLICYBOT_TEST_DATABASE_URL"
PHOTOS = "mag ik foto's van mijn klas op insta zetten?"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL (skipped when unreachable, unset)."""
    explicit = os.environ.get(PG_ENV, "").strip()
    admin = make_engine(explicit or PG_DEFAULT)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        if explicit:
            pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc.orig}")
        pytest.skip(f"PostgreSQL not reachable at {PG_DEFAULT} (set {PG_ENV} to require it)")
    schema = f"policybot_slack_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    create_schema(admin, schema)
    url = f"{explicit or PG_DEFAULT}?options=-csearch_path%3D{schema}"
    Store.open(url, migrate=True).dispose()
    yield url
    drop_schema(admin, schema)
    admin.dispose()


def test_two_app_processes_on_postgresql_answer_a_retried_event_once(
    assistant: Assistant, pg_url: str
) -> None:
    stores = [Store.open(pg_url), Store.open(pg_url)]
    worlds = [SlackWorld(assistant, deduplicator=DbEventDeduplicator(s)) for s in stores]
    try:
        worlds[0].send_event(dm_event(PHOTOS), event_id="EvPgShared")
        worlds[0].wait_for("chat.postMessage")
        worlds[1].send_event(dm_event(PHOTOS), event_id="EvPgShared", retry=1)
        worlds[1].settle()
        worlds[1].send_event(dm_event(PHOTOS), event_id="EvPgOther")
        worlds[1].wait_for("chat.postMessage")
        assert [len(w.slack.of("chat.postMessage")) for w in worlds] == [1, 1]
    finally:
        for world in worlds:
            world.close()
        for store in stores:
            store.dispose()


def test_racing_processes_on_postgresql_take_an_event_exactly_once(pg_url: str) -> None:
    stores = [Store.open(pg_url) for _ in range(6)]
    try:
        dedups = [DbEventDeduplicator(s) for s in stores]
        with ThreadPoolExecutor(len(dedups)) as pool:
            taken = list(pool.map(lambda d: d.first_delivery("EvRace"), dedups))
        assert sorted(taken) == [False] * 5 + [True]
    finally:
        for store in stores:
            store.dispose()


def test_a_retried_event_is_answered_once_on_sqlite(assistant: Assistant, tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    worlds = [SlackWorld(assistant, deduplicator=DbEventDeduplicator(store)) for _ in range(2)]
    try:
        for n, world in enumerate(worlds):
            world.send_event(dm_event(PHOTOS), event_id="EvSqlite", retry=n or None)
        worlds[0].wait_for("chat.postMessage")
        worlds[1].settle()
        assert sum(len(w.slack.of("chat.postMessage")) for w in worlds) == 1
    finally:
        for world in worlds:
            world.close()
        store.dispose()


def test_feedback_is_stored_with_a_keyed_hash_of_the_user(
    assistant: Assistant, tmp_path: Path
) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'slack.db'}")
    world = SlackWorld(assistant, feedback=DbFeedback(store, secret=b"k"))
    try:
        assert world.press("feedback_down", "A5", block_id="feedback|nl").status == 200
        world.wait_for("response_url")
        with store.transaction() as session:
            [row] = session.scalars(select(FeedbackRow)).all()
            assert (row.platform, row.clause_id, row.helpful) == ("slack", "A5", False)
            assert USER not in row.user_hash and len(row.user_hash) == 32
    finally:
        world.close()
        store.dispose()
