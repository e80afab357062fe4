"""Readiness: what must hold before this process should get traffic (GET /readyz).

Ready means: the database answers, its schema is at the newest migration (Alembic head), and
the knowledge and the organisation file are loaded. Each check that fails is named with a short
reason; secrets (the database URL's password) never appear in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import is_current


@dataclass(frozen=True)
class ReadinessProbe:
    """The checks behind /readyz; `knowledge` and `org` return None when loaded, else why not."""

    engine: Engine
    knowledge: Callable[[], str | None]
    org: Callable[[], str | None]

    def problems(self) -> dict[str, str]:
        """What is not ready, by check name; empty when ready. Blocking: run off the loop."""
        problems = {}
        database = self._database()
        if database is not None:
            problems[database[0]] = database[1]
        for name, check in (("knowledge", self.knowledge), ("org", self.org)):
            reason = check()
            if reason is not None:
                problems[name] = reason
        return problems

    def _database(self) -> tuple[str, str] | None:
        try:
            current = is_current(self.engine)
        except SQLAlchemyError as exc:
            return "database", f"unreachable ({type(exc).__name__})"
        if not current:
            return "migrations", "the database is not at the newest migration: policybot db upgrade"
        return None
