"""The store: URLs, migrations matching the models, and both backends."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from bot.store import teams  # noqa: F401  (its table joins Base's metadata on import)
from bot.store.db import Store, is_current, normalise_url, write_lock
from bot.store.models import Base


def test_postgres_urls_are_rewritten_for_psycopg3() -> None:
    assert normalise_url("postgres://u:p@h:5432/db") == "postgresql+psycopg://u:p@h:5432/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url(None) == "sqlite:///var/policybot.db"


def test_migrations_create_every_table_and_match_the_models(store: Store) -> None:
    assert is_current(store.engine)
    tables = set(inspect(store.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_sqlite_folder_is_created(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "deep" / "var"
    store = Store.open(f"sqlite:///{folder / 'policybot.db'}")
    assert (folder / "policybot.db").exists()
    store.dispose()


def test_sqlite_transactions_in_one_process_queue_on_one_lock_per_file(tmp_path: Path) -> None:
    path = tmp_path / "queue.db"
    first, second = Store.open(f"sqlite:///{path}"), Store.open(f"sqlite:///{path}")
    lock = write_lock(str(path.resolve()))
    order: list[str] = []

    def waiting_writer() -> None:
        with second.engine.begin() as connection:  # another engine on the same file
            order.append("second began")
            connection.execute(text("SELECT 1"))

    with first.transaction() as session:
        session.execute(text("SELECT 1"))  # the session's transaction begins on first use
        assert lock.locked()
        writer = threading.Thread(target=waiting_writer)
        writer.start()
        writer.join(timeout=0.3)
        assert writer.is_alive() and order == []  # it waits for the lock, not in SQLite
        order.append("first committing")
    writer.join(timeout=10)

    assert order == ["first committing", "second began"]
    assert not lock.locked()
    first.dispose()
    second.dispose()


def test_a_failed_sqlite_transaction_gives_the_lock_back(tmp_path: Path) -> None:
    path = tmp_path / "failed.db"
    store = Store.open(f"sqlite:///{path}")
    with pytest.raises(OperationalError), store.engine.begin() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))

    assert not write_lock(str(path.resolve())).locked()
    with store.transaction() as session:  # and the next transaction can take it
        assert session.execute(text("SELECT 1")).scalar() == 1
    store.dispose()


HOLD_A_TRANSACTION = """
import sys, time
from sqlalchemy import text
from bot.store.db import Store
store = Store.open(sys.argv[1])
with store.transaction() as session:
    session.execute(text("SELECT 1"))
    print("in", flush=True)
    sys.stdin.readline()  # until the test says so
"""


def flock_holders(lock_file: Path) -> set[int]:
    """The pids holding an flock on `lock_file` (from /proc/locks; waiters are not listed)."""
    inode = lock_file.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if fields[1] == "FLOCK" and fields[5].endswith(f":{inode}"):
            holders.add(int(fields[4]))
    return holders


def test_sqlite_transactions_of_two_processes_take_turns_on_the_lock_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    store = Store.open(url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_TRANSACTION, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "in"
    lock_file = tmp_path / "turns.db.writer-lock"
    assert flock_holders(lock_file) == {holder.pid}

    holder.stdin.write("done\n")
    holder.stdin.flush()
    with store.transaction() as session:  # waits on the lock file until the holder is done
        session.execute(text("SELECT 1"))
        mine = flock_holders(lock_file)

    assert holder.wait(timeout=30) == 0
    assert mine == {os.getpid()}
    store.dispose()
