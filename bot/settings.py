"""Every setting the assistant reads, validated once at start (environment and optional .env)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.knowledge import DEFAULT_FOUNDATION, DEFAULT_SCHOOL


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


def load_settings() -> Settings:
    """Read and validate the settings, reporting every problem together."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = "POLICYBOT_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"{name}: {error['msg']} (got {error.get('input')!r})")
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from exc
