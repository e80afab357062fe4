"""Kill -9 at random points of a doubt check and an escalation, restart, and compare.

A forked process runs the whole scenario (tests/workflows/crash_scenario.py) with
POLICYBOT_CRASH_AFTER=k: it SIGKILLs itself at the k-th crash point (just before or after a
commit, or between claiming, sending and recording a delivery). A second process then runs the
scenario again to the end. The result must equal a run without a crash: the same requests in
the same states, the same audit trail, and every notification delivered exactly once — through
the console inbox (delivered in the outbox transaction) and through an external-style port
(called outside it, deduplicated with its idempotency key).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.org import Org
from bot.store.crash import crash_points_seen, reset_crash_points
from bot.store.db import Store
from bot.store.models import AuditEvent, ConsoleInboxRow, OutboxRow, ProcessedCommand
from tests.workflows.conftest import PgTarget, pg_store
from tests.workflows.crash_scenario import Setup, run_scenario, statuses

TRIALS_PER_BACKEND = 25
SEED = int(os.environ.get("POLICYBOT_CRASH_SEED", "20250310"))
Snapshot = tuple[list[str], Counter[str], Counter[tuple[str, str, str]]]
_IDS = re.compile(r"(#|/[a-z-]+ |\br)(\d+)(?=\D|$)")


def _child(open_store: Callable[[], Store], org: Org, platform: Path | None, crash: int) -> None:
    os.environ["POLICYBOT_CRASH_AFTER"] = str(crash)
    reset_crash_points()
    run_scenario(Setup(open_store(), org, platform))


def _run(open_store: Callable[[], Store], org: Org, platform: Path | None, crash: int) -> int:
    fork = multiprocessing.get_context("fork")
    process = fork.Process(target=_child, args=(open_store, org, platform, crash))
    process.start()
    process.join(60)
    return process.exitcode if process.exitcode is not None else 999


def _ids(store: Store) -> dict[int, int]:
    """Actual request ids -> the ids of a run without a crash (PostgreSQL may skip some)."""
    with store.transaction() as session:
        query = select(ProcessedCommand.key, ProcessedCommand.request_id)
        seen = {key: request_id for key, request_id in session.execute(query)}
    return {seen["doubt"] or 0: 1, seen["escalate"] or 0: 2}


def _normal(text: str, ids: dict[int, int]) -> str:
    return _IDS.sub(lambda m: f"{m.group(1)}{ids.get(int(m.group(2)), m.group(2))}", text)


def snapshot(store: Store, platform: Path | None) -> Snapshot:
    """Final states, audit trail and deliveries, in a form that can be compared across runs."""
    ids = _ids(store)
    with store.transaction() as session:
        # Which state a step started from may differ (a delivery can be retried later than
        # in the reference run), so the trail is compared as actions and the states they set.
        events = Counter(
            f"{a}>{t}"
            for a, t in session.execute(select(AuditEvent.action, AuditEvent.to_status))
            if a != "delivered"
        )
        pending = session.scalars(select(OutboxRow.key).where(OutboxRow.status != "delivered"))
        assert list(pending) == []
        rows = session.execute(
            select(ConsoleInboxRow.key, ConsoleInboxRow.recipient, ConsoleInboxRow.text)
        ).all()
    if platform is not None:
        with sqlite3.connect(platform) as db:
            rows = db.execute("SELECT key, recipient, text FROM sent").fetchall()
    deliveries = Counter((_normal(k, ids), r, _normal(t or "", ids)) for k, r, t in rows)
    return statuses(store), events, deliveries


def _trials(
    open_store: Callable[[], Store], fresh: Callable[[str], Store], org: Org, tmp: Path
) -> None:
    rng = random.Random(SEED)
    for external in (False, True):
        reference_store = fresh(f"reference-{external}")
        reference_platform = tmp / f"reference-{external}.db" if external else None
        os.environ["POLICYBOT_CRASH_AFTER"] = "1000000000"
        reset_crash_points()
        run_scenario(Setup(Store(reference_store.engine), org, reference_platform))
        points = crash_points_seen()
        del os.environ["POLICYBOT_CRASH_AFTER"]
        expected = snapshot(reference_store, reference_platform)
        reference_store.dispose()
        assert points > 40
        for trial in range(TRIALS_PER_BACKEND // 2 + (0 if external else TRIALS_PER_BACKEND % 2)):
            store = fresh(f"trial-{external}-{trial}")
            store.dispose()
            platform = tmp / f"platform-{external}-{trial}.db" if external else None
            crash = rng.randint(1, points)
            assert _run(open_store, org, platform, crash) == -9, f"crash point {crash}"
            assert _run(open_store, org, platform, 0) == 0
            result = snapshot(store, platform)
            assert result == expected, f"trial {trial}, external={external}, crash at {crash}"
            store.dispose()


def test_crash_anywhere_loses_nothing_and_sends_nothing_twice(
    db_url: str, tmp_path: Path, org: Org, request: pytest.FixtureRequest
) -> None:
    if db_url.startswith("sqlite"):
        current = {"url": ""}

        def fresh(name: str) -> Store:
            current["url"] = f"sqlite:///{tmp_path / f'{name}.db'}"
            return Store.open(current["url"])

        _trials(lambda: Store.open(current["url"]), fresh, org, tmp_path)
        return
    target: PgTarget | None = request.getfixturevalue("pg_target")
    if target is None:
        pytest.skip("PostgreSQL not reachable")
    _trials(lambda: Store.open(db_url), lambda _name: pg_store(target), org, tmp_path)
