"""WEB_CONCURRENCY: `policybot serve` forks web workers on one socket and supervises them.

Each test runs the real `serve` in a subprocess (tests/ops/conftest.py) and looks at its
process tree through /proc: the workers are the serve process's children.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ops.conftest import Answer, Connector, clean_env, free_port, teams_message


def workers_of(pid: int) -> list[int]:
    """The child processes of `pid` (its web workers)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def alive(pid: int) -> bool:
    """Whether `pid` is a running (not zombie) process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def wait_for(condition: Callable[[], bool], *, timeout: float = 20.0) -> bool:
    """Poll until `condition()` holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def ask_in_parallel(served: Any, connector: Connector, count: int) -> list[Answer]:
    """Send `count` Teams questions at once; their answers."""
    answers: list[Answer] = []
    senders = [
        threading.Thread(
            target=lambda n=n: answers.append(
                served.post_json("/api/messages", teams_message(connector.url, f"foto's op fb {n}"))
            )
        )
        for n in range(count)
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=30)
    return answers


def test_two_workers_answer_on_one_port_and_stop_together_on_sigterm(
    serve_factory: Any, connector: Connector
) -> None:
    served = serve_factory(WEB_CONCURRENCY="2", POLICYBOT_TEAMS_INSECURE_LOCAL="1")
    assert wait_for(lambda: len(workers_of(served.process.pid)) == 2)
    workers = workers_of(served.process.pid)
    # Both serving: a worker stopped before its server took over SIGTERM ends without a log line
    # (the supervisor accepts that), which on a slow machine made this test flaky.
    assert wait_for(lambda: "\n".join(served.lines()).count("serving on") == 2)

    answers = ask_in_parallel(served, connector, 12)
    connector.delay = 1.5  # one more, still in flight when the stop comes
    slow: list[Answer] = []
    sender = threading.Thread(
        target=lambda: slow.append(
            served.post_json("/api/messages", teams_message(connector.url, "mag ik dit delen"))
        )
    )
    sender.start()
    assert wait_for(lambda: len(connector.bodies) == 13)
    exit_code = served.stop()
    sender.join(timeout=30)

    assert [a.status for a in answers] == [200] * 12
    assert [a.status for a in slow] == [200]  # finished, not cut off
    assert exit_code == 0
    assert not any(alive(pid) for pid in workers)
    log = "\n".join(served.lines())
    assert log.count('"stopped"') == 2 and "all web workers stopped" in log


def test_a_killed_worker_is_replaced(serve_factory: Any, connector: Connector) -> None:
    served = serve_factory(WEB_CONCURRENCY="2", POLICYBOT_TEAMS_INSECURE_LOCAL="1")
    assert wait_for(lambda: len(workers_of(served.process.pid)) == 2)
    victim = workers_of(served.process.pid)[0]

    os.kill(victim, signal.SIGKILL)

    assert wait_for(
        lambda: (
            len(workers_of(served.process.pid)) == 2
            and victim not in workers_of(served.process.pid)
        )
    )
    assert [a.status for a in ask_in_parallel(served, connector, 6)] == [200] * 6
    assert any("exited unexpectedly (exit code -9)" in line for line in served.lines())
    assert served.stop() == 0


def test_workers_stop_themselves_when_the_supervisor_is_killed(serve_factory: Any) -> None:
    served = serve_factory(WEB_CONCURRENCY="2")
    assert wait_for(lambda: len(workers_of(served.process.pid)) == 2)
    workers = workers_of(served.process.pid)

    served.process.kill()
    served.process.wait()

    assert wait_for(lambda: not any(alive(pid) for pid in workers))
    assert any("supervising process" in line for line in served.lines())


def test_workers_that_cannot_start_stop_serve_with_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "org.yaml"
    broken.write_text("schools: [unclosed\n", encoding="utf-8")
    env = clean_env(
        tmp_path,
        WEB_CONCURRENCY="2",
        POLICYBOT_ORG=str(broken),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="test-signing-secret",
        PORT=str(free_port()),
    )

    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
    )

    assert done.returncode == 1
    assert b"failed to start" in done.stderr
