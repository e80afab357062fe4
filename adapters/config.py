"""Every settings group validated together, once, at start (and by `policybot config check`).

The core's settings (POLICYBOT_*, DATABASE_URL), Slack's (and the server's PORT) and Teams' are
read from the environment and an optional `.env`. Every problem in every group is reported in
one error, each with the variable's name and what is expected; a secret's value is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.settings import Settings, SettingsError, database_url_variable
from bot.store.db import is_sqlite

S = TypeVar("S", bound=BaseSettings)
SECRET_WORDS = ("TOKEN", "SECRET", "PASSWORD", "DATABASE_URL")


# The names (prefixes) of every environment variable the settings read; a child process that
# must not inherit the caller's settings (tests, the load benchmark) drops these.
SETTING_PREFIXES = (
    "SLACK_",
    "MICROSOFT_",
    "TEAMS_",
    "POLICYBOT_",
    "DATABASE_URL",
    "PORT",
    "WEB_CONCURRENCY",
)


@dataclass(frozen=True)
class AllSettings:
    """The three validated settings groups."""

    core: Settings
    slack: SlackSettings
    teams: TeamsSettings


def load_all_settings() -> AllSettings:
    """Read and validate every group; SettingsError lists every problem of every group."""
    problems: list[str] = []
    core = _load(Settings, "POLICYBOT_", problems)
    slack = _load(SlackSettings, "", problems)
    teams = _load(TeamsSettings, "", problems)
    if core is None or slack is None or teams is None:
        raise SettingsError("invalid settings:\n  " + "\n  ".join(problems))
    return AllSettings(core, slack, teams)


def _load(model: type[S], prefix: str, problems: list[str]) -> S | None:
    try:
        return model()
    except ValidationError as exc:
        problems.extend(describe(error, prefix) for error in exc.errors())
        return None


def describe(error: ErrorDetails, prefix: str = "") -> str:
    """One problem: the variable, what is expected, and the value unless it may be secret."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a cross-field rule: its message names the variables
        return message
    name = _variable(error["loc"], prefix)
    if any(word in name for word in SECRET_WORDS):
        return f"{name}: {message}"
    return f"{name}: {message} (got {error.get('input')!r})"


def _variable(loc: tuple[int | str, ...], prefix: str) -> str:
    name = "_".join(str(part) for part in loc).upper()
    if name == "DATABASE_URL":
        return database_url_variable()
    return name if name.startswith(("WEB_CONCURRENCY", prefix)) else prefix + name


def summary(settings: AllSettings) -> list[str]:
    """What is enabled, for `policybot config check` (never a secret)."""
    core, slack = settings.core, settings.slack
    slack_state = "on" if slack.slack_enabled else "off (" + ", ".join(slack.missing) + " not set)"
    database = "sqlite" if is_sqlite(core.database_url or "") else "postgresql"
    return [
        f"slack: {slack_state}",
        f"teams: {teams_state(settings.teams)}",
        f"database: {database}",
        f"org file: {core.org or 'the bundled example (knowledge/org.example.yaml)'}",
        f"knowledge: {core.knowledge_dir or 'the bundled knowledge/'}",
        f"port: {slack.port}, log format: {core.log_format}",
    ]


def teams_state(teams: TeamsSettings) -> str:
    """Whether Teams is on, and how it authenticates."""
    if teams.insecure_local:
        return (
            "on, authentication OFF (POLICYBOT_TEAMS_INSECURE_LOCAL=1: local testing only, "
            "replies to loopback serviceUrls only)"
        )
    if not teams.teams_enabled:
        return "off (" + ", ".join(teams.missing) + " not set)"
    state = f"on, {teams.microsoft_app_type}, authentication on"
    if teams.policybot_teams_insecure_local:
        state += " (POLICYBOT_TEAMS_INSECURE_LOCAL is ignored: MICROSOFT_APP_ID is set)"
    return state


def socket_mode_problem(slack: SlackSettings) -> str | None:
    """Why `serve --socket-mode` cannot take Slack's events over a WebSocket, or None.

    Socket Mode needs an app-level token (to open the connection) and the bot token (to
    answer); the signing secret is not used.
    """
    missing = [
        name
        for name, value in (
            ("SLACK_APP_TOKEN", slack.slack_app_token),
            ("SLACK_BOT_TOKEN", slack.slack_bot_token),
        )
        if value is None
    ]
    if not missing:
        return None
    return (
        f"{' and '.join(missing)} not set. Socket Mode needs an app-level token (xapp-…, scope "
        "connections:write) in SLACK_APP_TOKEN and the bot token (xoxb-…) in SLACK_BOT_TOKEN; "
        "without --socket-mode, Slack is served over HTTP (docs/slack.md)"
    )
