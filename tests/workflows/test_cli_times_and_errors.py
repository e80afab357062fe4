"""The workflow CLI in-process: local times in `requests list`, and clear one-line errors."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import ManualClock
from bot.workflows.base import Actor, Context
from bot.workflows.doubt_check import DoubtDraft, submit
from tests.workflows.conftest import ANNA, BRAM, EVA, ORG_FILE

WINTER = datetime(2026, 12, 7, 13, 5, tzinfo=UTC)
SUMMER = datetime(2026, 7, 7, 12, 5, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://postgres:geheim@127.0.0.1:1/test"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The CLI on a fresh SQLite file and the test org file; returns the database path."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("POLICYBOT_ORG", str(ORG_FILE))
    return db


def _org_with_london_regenboog(tmp_path: Path) -> Path:
    text = ORG_FILE.read_text(encoding="utf-8")
    staff = "    staff: [eva@regenboog.example]\n"
    assert staff in text
    org = tmp_path / "org-london.yaml"
    org.write_text(text.replace(staff, staff + "    timezone: Europe/London\n"), encoding="utf-8")
    return org


def test_requests_list_shows_times_in_the_schools_zone_winter_and_summer(
    ctx: Context,
    clock: ManualClock,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for who, moment in [(ANNA, WINTER), (ANNA, SUMMER), (EVA, SUMMER)]:
        clock.set(moment)
        assert submit(ctx, Actor(who), DoubtDraft("Mag deze post online?")).ok
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("POLICYBOT_ORG", str(_org_with_london_regenboog(tmp_path)))

    assert main(["requests", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    times = {line.split("\t")[0]: line.split("\t")[-1] for line in lines}
    assert times == {
        "#1": "2026-12-07 14:05 CET",  # Het Kofschip: Europe/Amsterdam, winter time
        "#2": "2026-07-07 14:05 CEST",  # summer time
        "#3": "2026-07-07 13:05 BST",  # De Regenboog: the org file's Europe/London
    }


def test_record_export_of_an_unknown_person_names_them_and_fails(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["record", "export", "--user", "Nobody@Elsewhere.example"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "nobody@elsewhere.example" in captured.err
    assert "onbekende persoon" in captured.err and "unknown person" in captured.err


@pytest.mark.parametrize("who", [BRAM, "new.teacher@kofschip.example"], ids=["listed", "domain"])
def test_record_export_of_a_known_person_without_requests_is_an_empty_record(
    cli_env: Path, capsys: pytest.CaptureFixture[str], who: str
) -> None:
    assert main(["record", "export", "--user", who]) == 0

    out = capsys.readouterr().out
    assert out.startswith("# Dossier social-mediaprotocol") and who in out


def test_report_since_a_future_date_is_refused(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--since", "2999-01-01"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--since 2999-01-01 ligt in de toekomst" in captured.err
    assert "is in the future" in captured.err


def test_report_since_today_is_accepted(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    today = datetime.now(UTC).date().isoformat()

    assert main(["report", "--since", today]) == 0

    assert f"{today} – " in capsys.readouterr().out


DATABASE_COMMANDS = [
    ["requests", "list"],
    ["requests", "show", "1"],
    ["record", "export", "--user", ANNA],
    ["report"],
    ["purge"],
    ["db", "upgrade"],
    ["dispatch", "--once"],
    ["chat", "--user", ANNA],
]


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=[" ".join(c) for c in DATABASE_COMMANDS])
def test_an_unreachable_postgresql_is_one_line_naming_the_variable_and_the_host(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # the chat reads no question

    assert main(command) == 1

    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = err.splitlines()
    assert line.startswith("DATABASE_URL: geen verbinding met de database op 127.0.0.1:1")
    assert "cannot connect to the database at 127.0.0.1:1" in line
    assert line.endswith("Connection refused")
    assert "geheim" not in line


def test_the_alias_is_named_when_it_holds_the_unreachable_url(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", UNREACHABLE)

    assert main(["requests", "list"]) == 1

    assert capsys.readouterr().err.startswith("POLICYBOT_DATABASE_URL: geen verbinding")
