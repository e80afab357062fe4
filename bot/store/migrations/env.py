"""Alembic environment, configured in code (see bot.store.db.upgrade): no alembic.ini needed.

The caller passes an open connection in `config.attributes["connection"]`; without one (for
`alembic revision --autogenerate` during development) the URL comes from DATABASE_URL.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from bot.store.db import make_engine
from bot.store.models import Base

target_metadata = Base.metadata


def run_with(connection: Connection) -> None:
    """Run the migrations on an open connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    """Use the caller's connection, or connect to DATABASE_URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = make_engine(os.environ.get("DATABASE_URL"))
    with engine.begin() as own:
        run_with(own)


run()
