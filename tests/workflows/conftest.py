"""Fixtures for the workflow tests: every database test runs on SQLite and on PostgreSQL.

PostgreSQL comes from POLICYBOT_TEST_DATABASE_URL. Unset, the local default
postgresql+psycopg://postgres@127.0.0.1:5432/test is tried and the PostgreSQL half of the tests
is skipped (with the reason) if it cannot be reached; set, an unreachable server fails them.
Each test run gets its own PostgreSQL schema, so parallel runs do not collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from adapters.console.port import ConsolePort, take_unread
from bot.clock import ManualClock
from bot.dispatcher import Dispatcher
from bot.draftcheck import default_draft_rules
from bot.knowledge import load_knowledge
from bot.models import Knowledge
from bot.org import Org, load_org
from bot.store.db import Store, create_schema, drop_schema, make_engine, upgrade
from bot.store.models import Base
from bot.workflows.base import Context, WorkflowSettings

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_ENV = "POLICYBOT_TEST_DATABASE_URL"
ORG_FILE = Path(__file__).parent / "org.yaml"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY_9AM = datetime(2025, 3, 10, 9, 0, tzinfo=AMSTERDAM)

DIRECTOR = "dir@kofschip.example"
DEPUTY = "deputy@kofschip.example"
ANNA = "anna@kofschip.example"
BRAM = "bram@kofschip.example"
OTHER_DIRECTOR = "dir@regenboog.example"
EVA = "eva@regenboog.example"


@dataclass(frozen=True)
class PgTarget:
    """A reachable PostgreSQL server and this run's schema on it."""

    url: str
    schema: str


@pytest.fixture(scope="session")
def pg_target() -> Iterator[PgTarget | None]:
    """This run's PostgreSQL schema, created and migrated once; None when unavailable."""
    explicit = os.environ.get(PG_ENV, "").strip()
    url = explicit or PG_DEFAULT
    admin = make_engine(url)
    try:
        with admin.connect() as connection:
            connection.execute(text("select 1"))
    except OperationalError as exc:
        admin.dispose()
        if explicit:
            pytest.fail(f"{PG_ENV} is set but PostgreSQL is unreachable: {exc.orig}")
        yield None
        return
    schema = f"policybot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    create_schema(admin, schema)
    migrated = make_engine(url, schema=schema)
    upgrade(migrated)
    migrated.dispose()
    yield PgTarget(url, schema)
    drop_schema(admin, schema)
    admin.dispose()


def pg_store(target: PgTarget | None) -> Store:
    """A store on this run's schema, emptied; skips when PostgreSQL is unavailable."""
    if target is None:
        pytest.skip(f"PostgreSQL not reachable at {PG_DEFAULT} (set {PG_ENV} to require it)")
    store = Store(make_engine(target.url, schema=target.schema))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each backend (PostgreSQL: emptied, with this run's schema)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'policybot.db'}"
    pg_target: PgTarget | None = request.getfixturevalue("pg_target")
    pg_store(pg_target).dispose()
    assert pg_target is not None
    return f"{pg_target.url}?options=-csearch_path%3D{pg_target.schema}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated, empty store on each backend."""
    opened = Store.open(db_url)
    yield opened
    opened.dispose()


@pytest.fixture(scope="session")
def org() -> Org:
    """Two schools: Het Kofschip (director, deputy, two staff) and De Regenboog."""
    return load_org(ORG_FILE)


@pytest.fixture
def clock() -> ManualClock:
    """Monday 10 March 2025, 09:00 in Amsterdam."""
    return ManualClock(MONDAY_9AM)


_knowledge: dict[str, Knowledge] = {}


def knowledge_for(school: str) -> Knowledge:
    """The protocol with {school} filled, loaded once per school."""
    if school not in _knowledge:
        _knowledge[school] = load_knowledge(school=school)
    return _knowledge[school]


@pytest.fixture
def ctx(store: Store, org: Org, clock: ManualClock) -> Context:
    """A workflow context on each backend, with a manual clock."""
    return Context(
        store=store,
        org=org,
        clock=clock,
        knowledge_for=knowledge_for,
        settings=WorkflowSettings(),
        draft_rules=default_draft_rules(),
    )


@pytest.fixture
def dispatcher(ctx: Context, clock: ManualClock) -> Dispatcher:
    """A dispatcher delivering to the console inbox."""
    return Dispatcher(ctx, {"console": ConsolePort(clock)})


def inbox(ctx: Context, email: str) -> list[str]:
    """Deliver everything due, then take `email`'s unread notifications."""
    Dispatcher(ctx, {"console": ConsolePort(ctx.clock)}).run_once()
    return [m.text for m in take_unread(ctx.store, email, ctx.clock.now())]
