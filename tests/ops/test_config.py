"""Settings are validated together at start; `policybot config check` reports without serving."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.ops.conftest import SCRUBBED
from tests.teams.conftest import APP_ID

SECRET_VALUE = "not-a-real-token-s3cr3t"


@pytest.fixture(autouse=True)
def no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No .env from the checkout and none of our variables from the outer environment."""
    monkeypatch.chdir(tmp_path)
    import os

    for name in list(os.environ):
        if name.startswith(SCRUBBED):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")


def break_every_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOT_THRESHOLD", "veel")
    monkeypatch.setenv("POLICYBOT_LOG_FORMAT", "xml")
    monkeypatch.setenv("PORT", "99999")
    monkeypatch.setenv("SLACK_BOT_TOKEN", SECRET_VALUE)
    monkeypatch.setenv("MICROSOFT_APP_ID", "not-a-guid")
    monkeypatch.setenv("WEB_CONCURRENCY", "0")


EXPECTED_NAMES = (
    "POLICYBOT_THRESHOLD",
    "POLICYBOT_LOG_FORMAT",
    "PORT",
    "SLACK_BOT_TOKEN",
    "MICROSOFT_APP_ID",
    "WEB_CONCURRENCY",
)


@pytest.mark.parametrize("command", [["config", "check"], ["serve", "--host", "127.0.0.1"]])
def test_every_problem_of_every_group_is_reported_together(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    break_every_group(monkeypatch)

    code = main(command)

    err = capsys.readouterr().err
    assert code == 1
    assert [name for name in EXPECTED_NAMES if f"{name}:" not in err] == []
    assert "xoxb-" in err  # what is expected
    assert SECRET_VALUE not in err


def test_config_check_says_ok_and_what_is_enabled_without_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-" + SECRET_VALUE)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET_VALUE)

    code = main(["config", "check"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0] == "ok"
    assert "slack: on" in out
    assert "teams: off (MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD not set)" in out
    assert "database: sqlite" in out
    assert "org file: the bundled example" in out
    assert SECRET_VALUE not in out


def test_a_dotenv_file_is_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text("POLICYBOT_THRESHOLD=2\n", encoding="utf-8")

    code = main(["config", "check"])

    assert code == 1
    assert "POLICYBOT_THRESHOLD:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "teams: off (MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD not set)"),
        (
            {"POLICYBOT_TEAMS_INSECURE_LOCAL": "1"},
            "teams: on, authentication OFF (POLICYBOT_TEAMS_INSECURE_LOCAL=1: local testing "
            "only, replies to loopback serviceUrls only)",
        ),
        (
            {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": SECRET_VALUE},
            "teams: on, MultiTenant, authentication on",
        ),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": SECRET_VALUE,
                "POLICYBOT_TEAMS_INSECURE_LOCAL": "1",
            },
            "teams: on, MultiTenant, authentication on (POLICYBOT_TEAMS_INSECURE_LOCAL is "
            "ignored: MICROSOFT_APP_ID is set)",
        ),
    ],
    ids=["no-settings", "insecure-local", "app-id", "app-id-wins-over-the-opt-in"],
)
def test_config_check_says_whether_teams_is_on_and_how_it_authenticates(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    said: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    assert main(["config", "check"]) == 0

    out = capsys.readouterr().out
    assert f"  {said}\n" in out
    assert SECRET_VALUE not in out

