"""The engine, sessions and migrations.

SQLite (`./var/policybot.db`) is the embedded default; `DATABASE_URL` selects PostgreSQL through
psycopg 3. On SQLite every transaction starts with BEGIN IMMEDIATE, so processes sharing the file
serialise their writes; on PostgreSQL rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED.

SQLite transactions first queue for the file (bot/store/sqlite_lock.py) instead of in SQLite's
sleeping busy handler: the lock is taken when a transaction begins and given back when its
connection returns to the pool, just after the commit or rollback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.store.crash import crash_after, crash_point
from bot.store.sqlite_lock import WriteLock

DEFAULT_SQLITE_PATH = Path("var") / "policybot.db"
MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_TIMEOUT_SECONDS = 30
_WRITE_LOCKS: dict[str, WriteLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()
_HOLDS_LOCK = "policybot_write_lock"


def normalise_url(url: str | None) -> str:
    """`url` with postgres:// and postgresql:// rewritten to postgresql+psycopg://.

    None or empty gives the SQLite default, `./var/policybot.db`.
    """
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(url: str) -> bool:
    """True when `url` names a SQLite database."""
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


def make_engine(url: str | None, *, schema: str | None = None) -> Engine:
    """An engine for `url`; `schema` sets PostgreSQL's search_path (tests use a fresh one)."""
    full = normalise_url(url)
    if is_sqlite(full):
        return _sqlite_engine(full)
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(full, pool_pre_ping=True, connect_args=connect_args)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_TIMEOUT_SECONDS})
    event.listen(engine, "connect", _sqlite_on_connect)
    if database and database != ":memory:":
        lock = write_lock(str(Path(database).expanduser().resolve()))
        event.listen(engine, "begin", lambda connection: _take(lock, connection))
        event.listen(engine, "checkin", lambda _dbapi, record: _give_back(lock, record))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def write_lock(path: str) -> WriteLock:
    """The lock that SQLite transactions on the file at `path` queue on."""
    with _WRITE_LOCKS_GUARD:
        if path not in _WRITE_LOCKS:
            _WRITE_LOCKS[path] = WriteLock(Path(path))
        return _WRITE_LOCKS[path]


def _take(lock: WriteLock, connection: Any) -> None:
    info = connection.connection.info  # the pooled connection's, kept until it is checked in
    if info.get(_HOLDS_LOCK):
        return  # a second transaction on a connection that holds it already
    # Past the timeout, go on without it: SQLite's own busy timeout then decides, as before.
    info[_HOLDS_LOCK] = lock.acquire(timeout=SQLITE_TIMEOUT_SECONDS)


def _give_back(lock: WriteLock, record: Any) -> None:
    if record is not None and record.info.pop(_HOLDS_LOCK, False):
        lock.release()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control from the sqlite3 module, so that we can BEGIN IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_TIMEOUT_SECONDS * 1000}")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # Reserve the write lock up front: read-then-write transactions cannot lose updates.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    """Alembic's configuration, built in code: no alembic.ini is needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision`."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


class Store:
    """An engine and its session factory; `transaction()` is the unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        if crash_after() is not None:
            _install_crash_points(self.sessions)

    @classmethod
    def open(cls, url: str | None, *, schema: str | None = None, migrate: bool = False) -> Store:
        """Connect to `url`; SQLite (and `migrate=True`) upgrades the schema first."""
        engine = make_engine(url, schema=schema)
        if migrate or engine.dialect.name == "sqlite":
            upgrade(engine)
        return cls(engine)

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite, where FOR UPDATE SKIP LOCKED does not exist (writes are serial)."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()


def _install_crash_points(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_commit", lambda _session: crash_point("before_commit"))
    event.listen(factory, "after_commit", lambda _session: crash_point("after_commit"))


def create_schema(engine: Engine, schema: str) -> None:
    """Create a PostgreSQL schema (tests use one per run)."""
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def drop_schema(engine: Engine, schema: str) -> None:
    """Drop a PostgreSQL schema and everything in it."""
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
