"""Settings of the web server and the Slack adapter, read once at start from the environment.

The names carry no prefix because hosting platforms and Slack's own docs use them as they are
(`PORT`, `SLACK_BOT_TOKEN`, ...). A missing token or signing secret is not an error: the server
still starts and `POST /slack/events` answers 503 (see `SlackSettings.missing`).
"""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError

MIB = 1024 * 1024
DEFAULT_API_URL = "https://slack.com/api/"


class SlackSettings(BaseSettings):
    """Server and Slack settings; each field is read from the variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    port: int = Field(default=3978, ge=1, le=65535)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_API_URL
    slack_max_body_bytes: int = Field(default=MIB, ge=1024, le=16 * MIB)
    slack_api_timeout_seconds: int = Field(default=10, ge=1, le=120)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        """An empty variable counts as not set (a common leftover in .env files)."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with 'xoxb-'")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with 'xapp-'")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().strip()) < 8:
            raise ValueError("is too short to be a Slack signing secret")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        url = value.strip()
        if not url.startswith(("https://", "http://")) or len(url) < 10:
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return url if url.endswith("/") else url + "/"

    @property
    def missing(self) -> tuple[str, ...]:
        """The variables Slack needs that are not set; empty when Slack can be enabled."""
        names = []
        if self.slack_bot_token is None:
            names.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret is None:
            names.append("SLACK_SIGNING_SECRET")
        return tuple(names)

    @property
    def slack_enabled(self) -> bool:
        """Whether the token and the signing secret are both set."""
        return not self.missing


def load_slack_settings() -> SlackSettings:
    """Read and validate the settings; a bad value raises SettingsError naming the variable.

    Secrets are never echoed in the error, only the variable name and what is expected.
    """
    try:
        return SlackSettings()
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise SettingsError("invalid settings:\n  " + "\n  ".join(lines)) from exc


def _describe(error: ErrorDetails) -> str:
    name = "_".join(str(part) for part in error["loc"]).upper() or "settings"
    message = error["msg"]
    if "TOKEN" in name or "SECRET" in name:
        return f"{name}: {message}"
    return f"{name}: {message} (got {error.get('input')!r})"
