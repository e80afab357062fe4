"""The workflow subcommands in a subprocess: two terminals sharing one SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings
from tests.workflows.conftest import ANNA, DIRECTOR, ORG_FILE

ROOT = Path(__file__).resolve().parents[2]


def policybot(
    *args: str, db: Path, stdin: str = "", extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "POLICYBOT_ORG": str(ORG_FILE),
        **(extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_two_terminals_play_the_doubt_check(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    staff = policybot(
        "chat",
        "--user",
        ANNA,
        db=db,
        stdin="/twijfel\nKijk onze klassenfoto!\ngeen\nInstagram\nweet ik niet\nja\n",
    )
    assert staff.returncode == 0, staff.stderr
    assert "Verstuurd naar Directeur Kofschip (twijfelcheck #1)" in staff.stdout
    director = policybot("chat", "--user", DIRECTOR, db=db, stdin="1\n")
    assert "🔔 Twijfelcheck #1 van Juf Anna" in director.stdout
    assert "je gaf akkoord op twijfelcheck #1" in director.stdout
    back = policybot("chat", "--user", ANNA, db=db)
    assert "🔔 ✅ Directeur Kofschip gaf akkoord op twijfelcheck #1" in back.stdout
    listed = policybot("requests", "list", "--json", db=db)
    [item] = json.loads(listed.stdout)
    assert set(item) == {
        "id",
        "kind",
        "status",
        "requester",
        "assignee",
        "school",
        "created_at",
        "updated_at",
    }
    assert (item["kind"], item["status"], item["assignee"]) == ("doubt_check", "approved", DIRECTOR)
    shown = policybot("requests", "show", "1", db=db)
    assert "Kijk onze klassenfoto!" in shown.stdout
    missing = policybot("requests", "show", "9", db=db)
    assert (missing.returncode, "bestaat niet" in missing.stderr) == (1, True)
    out = tmp_path / "anna.md"
    record = policybot("record", "export", "--user", ANNA, "--out", str(out), db=db)
    assert record.returncode == 0, record.stderr
    assert "Kijk onze klassenfoto!" in out.read_text(encoding="utf-8")
    purged = policybot("purge", db=db, extra={"POLICYBOT_RETENTION_DAYS": "1"})
    assert "0 request(s)" in purged.stdout


def test_check_draft_db_upgrade_and_org_check(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "policybot.db"
    checked = policybot("check-draft", "-", db=db, stdin="Kutschool met die ouders van Sem")
    assert "A.7" in checked.stdout
    upgraded = policybot("db", "upgrade", db=db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert db.exists()
    bad = tmp_path / "org.yaml"
    bad.write_text(
        "foundation: X\npeople: [{email: a@b.nl, name: A}]\n"
        "schools: [{id: s, name: S, directors: [nobody@b.nl], timezone: Mars/Base}]\n",
        encoding="utf-8",
    )
    problems = policybot("org", "check", str(bad), db=db)
    assert problems.returncode == 1
    assert "schools.0.timezone" in problems.stderr
    assert "unknown time zone 'Mars/Base'" in problems.stderr
    assert policybot("org", "check", db=db).stdout.startswith("ok: 2 school(s)")


def test_settings_read_database_url_without_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("POLICYBOT_DOUBT_REMIND_HOURS", "2")
    settings = load_settings()
    assert (settings.database_url, settings.doubt_remind_hours) == ("postgres://u@h/db", 2.0)
    monkeypatch.setenv("POLICYBOT_DOUBT_DEPUTY_HOURS", "1")
    with pytest.raises(SettingsError, match="DEPUTY_HOURS"):
        load_settings()
    assert Settings.model_fields["retention_days"].default == 90


def test_report_after_a_terminal_chat(tmp_path: Path) -> None:
    db = tmp_path / "report.db"
    questions = "Mag ik foto's van mijn klas op Instagram zetten?\nWat kost de schoolreis?\n"
    assert policybot("chat", "--user", ANNA, db=db, stdin=questions).returncode == 0
    text = policybot("report", db=db)
    assert text.returncode == 0, text.stderr
    assert "| A.5 Foto's, film en geluid | 1 | 0 | 0 |" in text.stdout
    assert "- 1× “Wat kost de schoolreis?”" in text.stdout
    page = tmp_path / "report.html"
    html = policybot("report", "--html", str(page), db=db)
    assert (html.returncode, html.stdout) == (0, "")  # the page only, not the Markdown too
    assert f"written: {page}" in html.stderr
    assert ANNA not in text.stdout and ANNA not in page.read_text(encoding="utf-8")
    assert page.read_text(encoding="utf-8").count("data:image/png;base64,") == 2
    as_json = json.loads(policybot("report", "--json", "--since", "2020-01-01", db=db).stdout)
    assert (as_json["questions"], as_json["declined"]) == (2, 1)
    assert as_json["since"].startswith("2020-01-01")
    bad = policybot("report", "--since", "1 januari", db=db)
    assert bad.returncode == 2
    assert "--since: expected a date as YYYY-MM-DD, got '1 januari'" in bad.stderr
    unwritable = policybot("report", "--html", str(tmp_path / "no" / "r.html"), db=db)
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr
