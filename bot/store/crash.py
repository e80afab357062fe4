"""Crash points for the kill -9 test: `POLICYBOT_CRASH_AFTER=N` kills the process at the N-th.

Crash points sit just before and just after every commit and around each delivery, the places
where a crash could lose or duplicate a message. Unset (always, outside that test) they cost one
integer comparison.
"""

from __future__ import annotations

import os
import signal

_ENV = "POLICYBOT_CRASH_AFTER"
_state = {"count": 0}


def crash_after() -> int | None:
    """The crash point number at which to die, from the environment, or None."""
    value = os.environ.get(_ENV, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def crash_point(name: str) -> None:
    """Count one crash point; SIGKILL this process when it is the chosen one."""
    limit = crash_after()
    if limit is None:
        return
    _state["count"] += 1
    if _state["count"] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)


def crash_points_seen() -> int:
    """How many crash points this process has passed (to pick random ones in the test)."""
    return _state["count"]


def reset_crash_points() -> None:
    """Start counting again (a forked child starts from zero)."""
    _state["count"] = 0
