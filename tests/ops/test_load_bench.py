"""The load benchmark (benchmarks/load_slack.py) runs end to end at a tiny rate.

Only correctness is checked: every event acknowledged and answered exactly once, and the JSON
has its fields. Timings depend on the machine and are the benchmark's business, not a test's.
PostgreSQL is exercised when POLICYBOT_TEST_DATABASE_URL is set (a schema of its own, dropped).
The server's CPU and memory are read over its process tree (its web workers): that reading is
checked on a real chain of processes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.load_slack import (
    PG_ENV,
    main,
    peak_rss_mib,
    process_cpu_seconds,
    process_tree,
    tree_cpu_seconds,
    tree_peak_rss,
)

FIGURES = ("p50", "p99", "max")
BUSY_SECONDS = 0.5
BALLAST_MIB = 64
# argv: depth, this script. Above depth 0 a process starts the next one and waits for it; the
# last one burns CPU and memory, says "ready" and waits for stdin (shared by all) to close.
CHAIN = f"""
import subprocess, sys, time
depth = int(sys.argv[1])
if depth:
    sys.exit(subprocess.call([sys.executable, "-c", sys.argv[2], str(depth - 1), sys.argv[2]]))
ballast = b"x" * ({BALLAST_MIB} * 1024 * 1024)
while time.process_time() < {BUSY_SECONDS}:
    pass
print("ready", flush=True)
sys.stdin.read()
"""


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
    assert run["peak_rss_mib"] >= run["peak_rss_largest_mib"] > 0
    assert run["cpu"]["server_ms_per_event"] > 0
    assert "off" in run["teams_auth"]


def test_the_benchmark_answers_every_event_once_on_sqlite(tmp_path: Path) -> None:
    run = run_tiny("sqlite", tmp_path / "load.json", "--teams-share", "0.4")
    assert_correct(run)
    assert (run["workers"], run["server_processes"]) == (1, 1)


def test_the_benchmark_runs_the_server_with_web_workers(tmp_path: Path) -> None:
    run = run_tiny("sqlite", tmp_path / "load.json", "--workers", "2")
    assert_correct(run)
    assert run["workers"] == 2
    assert run["server_processes"] == 3  # the supervisor and its two workers


def test_the_process_tree_counts_the_cpu_and_memory_of_every_process_under_it() -> None:
    args = [sys.executable, "-c", CHAIN, "2", CHAIN]
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE) as top:
        assert top.stdin is not None and top.stdout is not None
        try:
            assert top.stdout.readline() == b"ready\n"
            tree = process_tree(top.pid)
            cpu, memory = tree_cpu_seconds(top.pid), tree_peak_rss(top.pid)
            own_cpu, own_rss = process_cpu_seconds(top.pid), peak_rss_mib(top.pid)
        finally:
            top.stdin.close()
            top.wait(timeout=30)
    assert len(tree) == 3 and tree[0] == top.pid
    assert cpu >= own_cpu + 0.9 * BUSY_SECONDS  # the grandchild's busy loop
    assert memory.processes == 3
    assert memory.largest_mib >= BALLAST_MIB > own_rss
    assert memory.total_mib >= own_rss + memory.largest_mib
    assert process_tree(top.pid) == []


@pytest.mark.skipif(not os.environ.get(PG_ENV, "").strip(), reason=f"{PG_ENV} is not set")
def test_the_benchmark_answers_every_event_once_on_postgresql(tmp_path: Path) -> None:
    url = os.environ[PG_ENV].strip()
    assert_correct(
        run_tiny("postgres", tmp_path / "load.json", "--pg-url", url, "--teams-share", "0.4")
    )
