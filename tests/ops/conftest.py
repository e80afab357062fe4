"""`policybot serve` in a subprocess on a free loopback port, and a slow Bot Framework connector."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapters.config import SETTING_PREFIXES
from bot.model_cache import CACHE_ENV

REPO = Path(__file__).resolve().parents[2]
SCRUBBED = SETTING_PREFIXES
KEPT = (CACHE_ENV,)  # the test run's trained-model cache: servers start warm


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment without any of our settings, plus SQLite in `tmp_path` and `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED)}
    env.update({k: os.environ[k] for k in KEPT if k in os.environ})
    env["PYTHONPATH"] = str(REPO)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    env.update(extra)
    return env


@dataclass
class Answer:
    """An HTTP answer: status, headers and the body as text."""

    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.text)


def request(
    url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> Answer:
    """One HTTP request with the standard library (errors are answers too)."""
    req = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return Answer(response.status, dict(response.headers), response.read().decode())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.read().decode())


@dataclass
class Served:
    """A running `policybot serve` process, its URL and its log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def get(self, path: str, **headers: str) -> Answer:
        """GET a path of the server."""
        return request(self.url + path, headers=headers)

    def post_json(self, path: str, payload: object, **headers: str) -> Answer:
        """POST a JSON body."""
        body = json.dumps(payload).encode()
        return request(
            self.url + path, body=body, headers={"Content-Type": "application/json", **headers}
        )

    def post_json_raw(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST exactly these bytes with these headers."""
        return request(self.url + path, body=body, headers=headers)

    def lines(self) -> list[str]:
        """The log lines written so far."""
        return self.log.read_text(encoding="utf-8").splitlines()

    def stop(self) -> int:
        """SIGTERM, then the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def start_serve(tmp_path: Path, **env: str) -> Served:
    """Start `policybot serve` on a free port and wait until /healthz answers."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=clean_env(tmp_path, PORT=str(port), **env),
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {log.read_text()}")
        try:
            if served.get("/healthz").status == 200:
                return served
        except OSError:
            time.sleep(0.1)
    served.stop()
    raise AssertionError(f"serve did not start: {log.read_text()}")


@pytest.fixture
def serve_factory(tmp_path: Path) -> Iterator[Any]:
    """Start servers with `serve_factory(**env)`; each is stopped at the end."""
    started: list[Served] = []

    def start(**env: str) -> Served:
        served = start_serve(tmp_path, **env)
        started.append(served)
        return served

    yield start
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()


@dataclass
class Connector:
    """A Bot Framework connector stand-in that takes `delay` seconds per reply."""

    delay: float = 0.0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The serviceUrl activities carry."""
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> None:
        """Serve on a free loopback port in a thread."""
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                connector.bodies.append(json.loads(self.rfile.read(length) or b"{}"))
                time.sleep(connector.delay)
                # Both a Bot Framework and a Slack Web API answer (ok, ids) in one body.
                body = json.dumps(
                    {
                        "ok": True,
                        "id": "reply-1",
                        "user_id": "UBOT",
                        "bot_id": "B1",
                        "team_id": "T1",
                        "channel": "D1",
                        "ts": "1700000000.000200",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def connector() -> Iterator[Connector]:
    """A running connector stand-in."""
    stand_in = Connector()
    stand_in.start()
    yield stand_in
    assert stand_in.server is not None
    stand_in.server.shutdown()
    stand_in.server.server_close()


def teams_message(service_url: str, text: str) -> dict[str, Any]:
    """A Teams personal-chat message activity (authentication off: the server needs
    POLICYBOT_TEAMS_INSECURE_LOCAL=1 and no app id; `service_url` must be loopback)."""
    return {
        "type": "message",
        "id": "1700000000001",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:user", "name": "Juf Anna", "aadObjectId": "aad-user"},
        "recipient": {"id": "28:bot", "name": "Protocolbot"},
        "conversation": {"id": "a:personal", "conversationType": "personal", "tenantId": "t1"},
        "channelData": {"tenant": {"id": "t1"}},
        "locale": "nl-NL",
        "text": text,
    }
