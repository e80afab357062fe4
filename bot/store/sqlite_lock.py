"""One SQLite writer at a time, queued without SQLite's sleeping busy handler.

SQLite lets one transaction write at a time (we BEGIN IMMEDIATE every transaction). A thread
that finds the file locked falls into SQLite's busy handler, which sleeps 1, 2, 5, 10 ... 100
ms between tries; under load the Slack event de-duplication, the question log and the
workflows then waited tens of milliseconds for each other (benchmarks/load_slack.py). So a
transaction first queues here, and only then begins:

- threads of one process queue on a `threading.Lock` (one per file, shared by every engine);
- processes (web workers, `policybot dispatch`) queue on an exclusive `flock` of a lock file
  beside the database, which the kernel hands over as soon as it is released and drops when
  its holder dies. The lock file is opened per process: a descriptor inherited over fork
  would be one lock shared by parent and child.

Where `fcntl` does not exist (Windows) only the thread lock is used.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_SUFFIX = ".writer-lock"


class WriteLock:
    """The queue for writing to one SQLite file, across threads and processes."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + LOCK_SUFFIX)
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._fd_pid = 0

    def acquire(self, timeout: float) -> bool:
        """Wait for this process's turn (at most `timeout` s), then for the file's; False when
        the wait timed out (the caller goes on, and SQLite's own timeout decides)."""
        if not self._threads.acquire(timeout=timeout):
            return False
        if fcntl is not None:
            # No lock file (a read-only folder, say): the thread lock still holds.
            with contextlib.suppress(OSError):
                fcntl.flock(self._descriptor(), fcntl.LOCK_EX)
        return True

    def release(self) -> None:
        """Let the next thread or process write."""
        if fcntl is not None and self._fd is not None and self._fd_pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def locked(self) -> bool:
        """Whether a thread of this process holds it."""
        return self._threads.locked()

    def _descriptor(self) -> int:
        if self._fd is None or self._fd_pid != os.getpid():  # new, or inherited over fork
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._fd_pid = os.getpid()
        return self._fd
