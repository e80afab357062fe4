"""Server and Slack settings from the environment."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from adapters.slack.settings import SlackSettings, load_slack_settings
from bot.settings import SettingsError

VARIABLES = (
    "PORT",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_MAX_BODY_BYTES",
    "SLACK_API_TIMEOUT_SECONDS",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]  # no stray .env file


def test_defaults_leave_slack_disabled_but_valid() -> None:
    settings = load_slack_settings()

    assert (settings.port, settings.slack_api_url) == (3978, "https://slack.com/api/")
    assert settings.slack_max_body_bytes == 1024 * 1024
    assert settings.missing == ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    assert settings.slack_enabled is False


def test_a_full_environment_enables_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "0123456789abcdef")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")

    settings = load_slack_settings()

    assert settings.slack_enabled is True
    assert settings.port == 8080
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


def test_empty_variables_count_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "  ")

    assert load_slack_settings().missing == ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "70000"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("SLACK_SIGNING_SECRET", "short"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_MAX_BODY_BYTES", "-1"),
    ],
)
def test_an_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as raised:
        load_slack_settings()

    assert f"\n  {name}: " in str(raised.value)


def test_a_bad_secret_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-very-secret-value")

    with pytest.raises(SettingsError) as raised:
        load_slack_settings()

    assert "very-secret" not in str(raised.value)


def test_tokens_do_not_show_in_the_settings_repr() -> None:
    token = SecretStr("xoxb-hidden-1")
    settings = SlackSettings(_env_file=None, slack_bot_token=token)  # type: ignore[call-arg]

    assert "hidden" not in repr(settings)
