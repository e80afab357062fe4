"""Settings of the Teams adapter, read once at start from the environment (no prefix).

The names are the ones Azure Bot Service and Microsoft's samples use (`MICROSOFT_APP_ID`, ...).
Teams is off until `MICROSOFT_APP_ID` is set: `POST /api/messages` then answers 503 naming what
is missing. Only `POLICYBOT_TEAMS_INSECURE_LOCAL=1` runs it without an app id, with
authentication off and replies to loopback serviceUrls only (local testing, docs/teams.md).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.settings import SettingsError

MIB = 1024 * 1024
AppType = Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"]
APP_TYPES: dict[str, AppType] = {
    "multitenant": "MultiTenant",
    "singletenant": "SingleTenant",
    "userassignedmsi": "UserAssignedMSI",
}
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


class TeamsSettings(BaseSettings):
    """Teams settings; each field is read from the variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    microsoft_app_id: str = ""
    microsoft_app_password: SecretStr | None = None
    microsoft_app_type: AppType = "MultiTenant"
    microsoft_app_tenant_id: str | None = None
    teams_max_body_bytes: int = Field(default=MIB, ge=1024, le=16 * MIB)
    # Per Bot Connector call: to connect, and again to read the answer (msrest's default is 100 s).
    teams_api_timeout_seconds: int = Field(default=10, ge=1, le=60)
    # Tests only: where the Bot Framework's OpenID metadata is fetched (a loopback stand-in).
    teams_openid_metadata_url: str | None = None
    # Local testing only: serve Teams without an app id (no authentication, loopback only).
    policybot_teams_insecure_local: bool = False

    @field_validator("microsoft_app_id", mode="before")
    @classmethod
    def _app_id_shape(cls, value: object) -> object:
        """Blank means "not set"; otherwise it must be the GUID Azure gave the bot."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if isinstance(value, str) and not _GUID.match(value.strip()):
            raise ValueError("must be the bot's Microsoft App ID (a GUID)")
        return value.strip() if isinstance(value, str) else value

    @field_validator("microsoft_app_password", "microsoft_app_tenant_id", mode="before")
    @classmethod
    def _blank_is_missing(cls, value: object) -> object:
        """An empty variable counts as not set (a common leftover in .env files)."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("microsoft_app_type", mode="before")
    @classmethod
    def _app_type_any_case(cls, value: object) -> object:
        """Accept the app type in any case (Azure's portal and samples differ)."""
        if isinstance(value, str) and value.strip().lower() in APP_TYPES:
            return APP_TYPES[value.strip().lower()]
        return value

    @field_validator("policybot_teams_insecure_local", mode="before")
    @classmethod
    def _blank_is_false(cls, value: object) -> object:
        """An empty variable counts as not set."""
        return False if isinstance(value, str) and not value.strip() else value

    @field_validator("teams_openid_metadata_url")
    @classmethod
    def _metadata_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _complete_for_app_type(self) -> TeamsSettings:
        """Each app type needs its own companions (see docs/teams.md)."""
        if not self.microsoft_app_id:
            if self.microsoft_app_type != "MultiTenant":
                raise ValueError(f"MICROSOFT_APP_ID is required for {self.microsoft_app_type}")
            return self
        if self.microsoft_app_type != "UserAssignedMSI" and self.microsoft_app_password is None:
            raise ValueError(f"MICROSOFT_APP_PASSWORD is required for {self.microsoft_app_type}")
        if self.microsoft_app_type != "MultiTenant" and not self.microsoft_app_tenant_id:
            raise ValueError(f"MICROSOFT_APP_TENANT_ID is required for {self.microsoft_app_type}")
        return self

    @property
    def auth_enabled(self) -> bool:
        """Whether requests must carry a Bot Framework token (an app id is set)."""
        return bool(self.microsoft_app_id)

    @property
    def insecure_local(self) -> bool:
        """Whether Teams runs without authentication, for loopback serviceUrls only (the
        opt-in is set and no app id is: an app id always switches authentication on)."""
        return self.policybot_teams_insecure_local and not self.auth_enabled

    @property
    def teams_enabled(self) -> bool:
        """Whether POST /api/messages serves Teams (an app id, or the local opt-in)."""
        return self.auth_enabled or self.insecure_local

    @property
    def missing(self) -> tuple[str, ...]:
        """The variables Teams needs that are not set; empty when Teams is enabled."""
        if self.teams_enabled:
            return ()
        names = ["MICROSOFT_APP_ID"]
        if self.microsoft_app_password is None:
            names.append("MICROSOFT_APP_PASSWORD")
        return tuple(names)


def load_teams_settings() -> TeamsSettings:
    """Read and validate the settings; a bad value raises SettingsError naming the variable.

    The password is never echoed in the error, only the variable name and what is expected.
    """
    try:
        return TeamsSettings()
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise SettingsError("invalid Teams settings:\n  " + "\n  ".join(lines)) from exc


def _describe(error: ErrorDetails) -> str:
    name = "_".join(str(part) for part in error["loc"]).upper()
    message = error["msg"]
    if not name:  # a cross-field rule: its message already names the variable
        return message.removeprefix("Value error, ")
    if "PASSWORD" in name:
        return f"{name}: {message}"
    return f"{name}: {message} (got {error.get('input')!r})"
