"""Wiring: settings in, a ready workflow context (store, organisation, clock, protocol) out."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.draftcheck import default_draft_rules
from bot.knowledge import load_knowledge
from bot.models import Knowledge
from bot.org import Org, load_org
from bot.settings import Settings
from bot.store.db import Store
from bot.store.outbox import Backoff
from bot.workflows.base import Context, WorkflowSettings


def workflow_settings(
    settings: Settings, *, platforms: tuple[str, ...] = ("console",)
) -> WorkflowSettings:
    """The workflow timings from the settings."""
    return WorkflowSettings(
        doubt_remind_hours=settings.doubt_remind_hours,
        doubt_deputy_hours=settings.doubt_deputy_hours,
        doubt_grace_hours=settings.doubt_grace_hours,
        doubt_max_age_hours=settings.doubt_max_age_hours,
        escalation_remind_minutes=settings.escalation_remind_minutes,
        escalation_deputy_minutes=settings.escalation_deputy_minutes,
        platforms=platforms,
    )


def backoff(settings: Settings) -> Backoff:
    """The outbox retry policy from the settings."""
    return Backoff(base=settings.outbox_backoff_seconds, max_attempts=settings.outbox_max_attempts)


class KnowledgeLoader:
    """Loads the protocol once per school name (the name fills {school})."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, school: str) -> Knowledge:
        """The protocol with {school} filled in."""
        return _load(self.settings.knowledge_dir, school, self.settings.foundation)


def forget_loaded_knowledge() -> None:
    """Drop the cached protocols, so the workflows load edited files (hot reload)."""
    _load.cache_clear()


@lru_cache(maxsize=32)
def _load(directory: Path | None, school: str, foundation: str) -> Knowledge:
    return load_knowledge(directory, school=school, foundation=foundation)


def build_context(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    org: Org | None = None,
) -> Context:
    """A workflow context: the database (SQLite is upgraded on first use) and the org file.

    `org` is the organisation in service (e.g. a reloadable one); without it the file is read.
    """
    return Context(
        store=store or Store.open(settings.database_url),
        org=org if org is not None else load_org(settings.org),
        clock=clock or SystemClock(),
        knowledge_for=KnowledgeLoader(settings),
        settings=workflow_settings(settings),
        draft_rules=default_draft_rules(),
    )
