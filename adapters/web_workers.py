"""Several web processes on one port: `WEB_CONCURRENCY` workers forked by `policybot serve`.

One Python process uses one core. With WEB_CONCURRENCY=N (Heroku sets it from the dyno size;
default 1), `serve` binds the listening socket, forks N workers and supervises them. Each worker
runs the whole server on the shared socket: its own event loop, database pool, outbox
dispatcher, question log and hot reload, exactly as several `serve` processes on one database
do (proven safe on PostgreSQL and on SQLite; docs/operating.md). The kernel hands each new
connection to one of the workers.

The parent only supervises:
- SIGTERM or SIGINT is passed on to every worker as SIGTERM: each finishes its requests in
  flight (the graceful shutdown of one process), and the parent exits when all have;
- a worker that dies is replaced (killed by the OOM killer, say), unless it gave up by itself
  right after it started (a broken organisation file): then all are stopped and `serve` exits
  non-zero;
- a worker whose parent is gone (killed with SIGKILL) stops itself, so no orphan keeps the port.

Workers are in a process group of their own, so a Ctrl-C in a terminal reaches them once,
through the parent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType

LOG = logging.getLogger("policybot.workers")

MIN_UPTIME_SECONDS = 5.0  # a worker that dies sooner counts as failing to start
ORPHAN_CHECK_SECONDS = 1.0
LISTEN_BACKLOG = 1024
EXIT_OK, EXIT_FAIL = 0, 1

ServeOne = Callable[[socket.socket], int]


def bind_listening_socket(host: str, port: int) -> socket.socket:
    """The socket every worker accepts connections on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    return sock


def serve_in_workers(count: int, sock: socket.socket, serve_one: ServeOne) -> int:
    """Run `serve_one(sock)` in `count` forked workers until told to stop; the exit code."""
    return Supervisor(count, sock, serve_one).run()


class Supervisor:
    """Forks the workers, replaces one that dies, and passes stop signals on."""

    def __init__(self, count: int, sock: socket.socket, serve_one: ServeOne) -> None:
        self.count = count
        self.sock = sock
        self.serve_one = serve_one
        self.workers: dict[int, float] = {}  # pid -> when it started (monotonic)
        self.stopping = False
        self.failed = False

    def run(self) -> int:
        """Start the workers and supervise them until all have stopped."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        LOG.info("starting %d web workers", self.count)
        for _ in range(self.count):
            self.start_worker()
        while self.workers:
            self.reap(*os.wait())
        LOG.info("all web workers stopped")
        return EXIT_FAIL if self.failed else EXIT_OK

    def start_worker(self) -> None:
        """Fork one worker; in the child this never returns."""
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            os._exit(run_worker(self.sock, self.serve_one, parent))
        self.workers[pid] = time.monotonic()
        LOG.info("web worker %d started", pid)

    def reap(self, pid: int, status: int) -> None:
        """A worker ended: replace it, unless stopping or it failed to start."""
        started = self.workers.pop(pid, None)
        if started is None:
            return
        code = os.waitstatus_to_exitcode(status)
        if self.stopping:  # ended by our SIGTERM (before its server took the signal) is fine
            self.failed |= code not in (EXIT_OK, -signal.SIGTERM)
            return
        LOG.error("web worker %d exited unexpectedly (exit code %d)", pid, code)
        if code > 0 and time.monotonic() - started < MIN_UPTIME_SECONDS:  # it gave up itself
            LOG.error("a web worker failed to start; stopping the others")
            self.failed = True
            self.stop(signal.SIGTERM, None)
            return
        self.start_worker()

    def stop(self, signum: int, _frame: FrameType | None) -> None:
        """Tell every worker to finish its requests in flight and stop."""
        if not self.stopping:
            LOG.info("signal %d: stopping %d web workers", signum, len(self.workers))
        self.stopping = True
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):  # it just ended; os.wait() reaps it
                os.kill(pid, signal.SIGTERM)


def run_worker(sock: socket.socket, serve_one: ServeOne, parent: int) -> int:
    """The worker's life: its own process group, the parent watched, then the server."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server installs its own handlers
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    threading.Thread(target=stop_when_orphaned, args=(parent,), daemon=True).start()
    try:
        return serve_one(sock)
    except BaseException:  # a crash must end this process, never return into the parent's code
        LOG.exception("web worker %d crashed", os.getpid())
        return EXIT_FAIL
    finally:
        logging.shutdown()


def stop_when_orphaned(parent: int, *, interval: float = ORPHAN_CHECK_SECONDS) -> None:
    """SIGTERM this process once `parent` is gone (it was killed outright)."""
    while os.getppid() == parent:
        time.sleep(interval)
    LOG.warning("the supervising process %d is gone; stopping", parent)
    os.kill(os.getpid(), signal.SIGTERM)
