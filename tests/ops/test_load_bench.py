"""The load benchmark (benchmarks/load_slack.py) runs end to end at a tiny rate.

Only correctness is checked: every event acknowledged and answered exactly once, and the JSON
has its fields. Timings depend on the machine and are the benchmark's business, not a test's.
PostgreSQL is exercised when POLICYBOT_TEST_DATABASE_URL is set (a schema of its own, dropped).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.load_slack import PG_ENV, main

FIGURES = ("p50", "p99", "max")


def run_tiny(db: str, out: Path, *extra: str) -> dict[str, Any]:
    """Run the benchmark at 10 events/s for 2 s on `db`; the one run of its JSON."""
    args = ["--rate", "10", "--seconds", "2", "--warmup", "0.5", "--db", db, "--json", str(out)]
    assert main([*args, *extra]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [run["db"] for run in document["runs"]] == [db]
    run: dict[str, Any] = document["runs"][0]
    return run


def assert_correct(run: dict[str, Any]) -> None:
    """Every event acknowledged and answered once, and every reported figure present."""
    once = run["exactly_once"]
    assert once["events_sent"] == 25
    assert once["answered"] == once["events_sent"]
    assert (once["missing"], once["duplicated"], once["unexpected_keys"]) == (0, 0, 0)
    assert (run["errors"], run["error_rate"], run["acks_over_3s"]) == (0, 0.0, 0)
    assert run["events_measured"] == 20
    assert {p: run["platforms"][p]["events"] > 0 for p in ("slack", "teams")} == {
        "slack": True,
        "teams": True,
    }
    for name in ("ack_ms", "answer_ms"):
        assert set(run[name]) == set(FIGURES)
    assert run["throughput_per_s"] > 0
    assert run["peak_rss_mib"] > 0
    assert run["cpu"]["server_ms_per_event"] > 0
    assert "off" in run["teams_auth"]


def test_the_benchmark_answers_every_event_once_on_sqlite(tmp_path: Path) -> None:
    assert_correct(run_tiny("sqlite", tmp_path / "load.json", "--teams-share", "0.4"))


@pytest.mark.skipif(not os.environ.get(PG_ENV, "").strip(), reason=f"{PG_ENV} is not set")
def test_the_benchmark_answers_every_event_once_on_postgresql(tmp_path: Path) -> None:
    url = os.environ[PG_ENV].strip()
    assert_correct(
        run_tiny("postgres", tmp_path / "load.json", "--pg-url", url, "--teams-share", "0.4")
    )
