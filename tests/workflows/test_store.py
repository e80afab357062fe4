"""The store: URLs, migrations matching the models, and both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.store.db import Store, is_current, normalise_url
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
