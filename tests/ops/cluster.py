"""Real `policybot serve` processes on loopback, and everything they talk to.

- `SlackStandIn`: Slack's Web API (tests.slack.conftest.FakeSlack) on an event loop in a thread
  of the test process. Each server gets an API prefix of its own (`/<name>/api/`), so every
  call records which process made it (`args["_who"]`). It answers 429 / 500 on request
  (`answer_with`) and can hold calls (`hold`): a slow Slack, or one that took the message but
  whose answer never arrives.
- `nodes`: several `policybot serve` processes started at once (killed afterwards); their
  logs are drained through a pipe (a file size limit put on a server must not hit its log).
- `TcpProxy`: a TCP proxy in front of PostgreSQL that can cut every connection and refuse new
  ones for a while, which is what clients see while PostgreSQL restarts.
- `pg_schema`: a migrated PostgreSQL schema of its own (POLICYBOT_TEST_DATABASE_URL; skipped
  when that is not set), dropped afterwards.
- signed Slack requests: events, slash commands, view submissions and button presses.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, TypeVar
from urllib.parse import urlencode

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.engine import make_url

from adapters.slack.chat_port import key_digest
from bot.store.db import Store, create_schema, drop_schema, make_engine
from bot.store.models import Base, OutboxRow
from tests.ops.conftest import Answer, Served, clean_env, free_port, request
from tests.slack.conftest import SECRET, TEAM, TOKEN, Call, FakeSlack, event_callback, sign
from tests.slack.workflow_world import find_button

T = TypeVar("T")
PG_ENV = "POLICYBOT_TEST_DATABASE_URL"
DEADLINE = 30.0  # seconds: generous, so that a slow CI machine is never a failure

DIRECTOR, DEPUTY, ANNA = "U0DIR", "U0DEP", "U0ANNA"
DIRECTOR_EMAIL, DEPUTY_EMAIL = "dir@kofschip.example", "deputy@kofschip.example"
ORG = """\
foundation: Stichting Proles/ABOL
demo_user: anna@kofschip.example
people:
  - {email: dir@kofschip.example, name: Directeur Kofschip, slack_id: U0DIR}
  - {email: deputy@kofschip.example, name: Adjunct Kofschip, slack_id: U0DEP}
  - {email: anna@kofschip.example, name: Juf Anna, slack_id: U0ANNA}
schools:
  - id: kofschip
    name: Het Kofschip
    directors: [dir@kofschip.example]
    deputies: [deputy@kofschip.example]
    staff: [anna@kofschip.example]
"""


def wait_until(
    check: Callable[[], T | None], what: Callable[[], object], timeout: float = DEADLINE
) -> T:
    """Poll `check` until it returns something truthy; fail with `what()` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what()}")
        time.sleep(0.05)


# --- Slack's side --------------------------------------------------------------------------------


Effect = Literal["now", "late", "never"]


@dataclass
class Hold:
    """Hold the next `count` calls of `method` until released (or `seconds` have passed).

    What happens to a held chat.postMessage (`effect`):
    - "now": Slack takes the message at once, only its answer is late (a timeout or a crash
      then loses the answer, not the message);
    - "late": Slack is slow, the message appears when the answer goes out;
    - "never": the call fails with a 500 when released, and nothing was posted.
    """

    method: str
    count: int
    effect: Effect
    seconds: float
    release: asyncio.Event


@dataclass
class Recorder(FakeSlack):
    """FakeSlack with per-process API prefixes and held calls."""

    holds: list[Hold] = field(default_factory=list)
    holding: int = 0

    def app(self) -> web.Application:
        """The stand-in's routes, plus /<who>/api/<method>."""
        app = super().app()
        app.router.add_post("/{who}/api/{method}", self._tagged)
        app.router.add_get("/{who}/api/{method}", self._tagged)
        return app

    async def _tagged(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            args: dict[str, Any] = dict(request.query)
        elif request.content_type == "application/json":
            args = dict(await request.json())
        else:
            args = dict(await request.post())
        for name in ("blocks", "view", "metadata"):
            if isinstance(args.get(name), str):
                args[name] = json.loads(args[name])
        args["_who"] = request.match_info["who"]
        return await self._answer(request.match_info["method"], args)

    async def _answer(self, method: str, args: dict[str, Any]) -> web.Response:
        hold = next((h for h in self.holds if h.method == method and h.count > 0), None)
        if hold is None:
            return await super()._answer(method, args)
        hold.count -= 1
        self.calls.append(Call(method, args))
        posts = method == "chat.postMessage"
        body = self.post(args) if posts and hold.effect == "now" else None
        self.holding += 1
        try:
            await asyncio.wait_for(hold.release.wait(), hold.seconds)
        except TimeoutError:
            pass
        finally:
            self.holding -= 1
        if hold.effect == "never":
            return web.Response(status=500, text="internal error")
        if body is None:
            body = self.post(args) if posts else {"ok": True}
        return web.json_response(body)


class LoopServer:
    """An aiohttp app on 127.0.0.1, served by an event loop in a daemon thread of the test
    process; its state is read and changed on that loop (`in_loop`)."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self._runner = web.AppRunner(app, access_log=None)
        self.base_url: str = self.in_loop_async(self._start())

    async def _start(self) -> str:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def in_loop_async(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=DEADLINE)

    def in_loop(self, fn: Callable[[], T]) -> T:
        """Run `fn` on the server's loop (its state is only touched there)."""

        async def run() -> T:
            return fn()

        result: T = self.in_loop_async(run())
        return result

    def close(self) -> None:
        """Stop the server and the loop."""
        self.in_loop_async(self._runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class SlackStandIn(LoopServer):
    """The Recorder on its own event loop in a daemon thread; read it with the methods below."""

    def __init__(self) -> None:
        self.slack = Recorder()
        super().__init__(self.slack.app())
        self.slack.base_url = self.base_url

    def api_url(self, who: str) -> str:
        """SLACK_API_URL for the process named `who`."""
        return f"{self.base_url}/{who}/api/"

    def response_url(self, name: str) -> str:
        """A response_url that points at the stand-in."""
        return f"{self.base_url}/response/{name}"

    def calls(self, method: str | None = None) -> list[Call]:
        """The calls so far (of one method)."""
        return self.in_loop(lambda: [c for c in self.slack.calls if method in (None, c.method)])

    def answer_with(self, method: str, *statuses: int) -> None:
        """Answer the next calls of `method` with these HTTP statuses (then 200 again)."""
        self.in_loop(lambda: self.slack.answer_with(method, *statuses))

    def hold(
        self, method: str, *, effect: Effect, count: int = 1, seconds: float = DEADLINE
    ) -> None:
        """Hold the next `count` calls of `method` (see `Hold`)."""
        self.in_loop(
            lambda: self.slack.holds.append(Hold(method, count, effect, seconds, asyncio.Event()))
        )

    def release(self) -> None:
        """Let every held call answer now."""

        def go() -> None:
            for hold in self.slack.holds:
                hold.release.set()
            self.slack.holds.clear()

        self.in_loop(go)

    def holding(self) -> int:
        """How many calls are held right now."""
        return self.in_loop(lambda: self.slack.holding)

    def reset(self) -> None:
        """Forget every call, message, script and hold."""
        self.release()

        def go() -> None:
            self.slack.calls.clear()
            self.slack.messages.clear()
            self.slack.scripts.clear()

        self.in_loop(go)

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """A copy of the messages Slack holds in `channel`."""
        return self.in_loop(lambda: json.loads(json.dumps(self.slack.messages.get(channel, []))))

    def posted_keys(self) -> Counter[str]:
        """How many messages Slack holds per idempotency key digest (from their metadata)."""

        def count() -> Counter[str]:
            found: Counter[str] = Counter()
            for messages in self.slack.messages.values():
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if "key" in payload:
                        found[payload["key"]] += 1
            return found

        return self.in_loop(count)

    def message_with_key(self, key: str) -> tuple[str, dict[str, Any]] | None:
        """(channel, message) of the message posted with idempotency `key`, if Slack has it."""
        digest = key_digest(key)

        def find() -> tuple[str, dict[str, Any]] | None:
            for channel, messages in self.slack.messages.items():
                for message in messages:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("key") == digest:
                        return channel, json.loads(json.dumps(message))
            return None

        return self.in_loop(find)

    def close(self) -> None:
        """Release held calls, stop the server and the loop."""
        self.release()
        super().close()


@contextmanager
def slack_stand_in() -> Iterator[SlackStandIn]:
    """A running stand-in, closed afterwards."""
    stand_in = SlackStandIn()
    try:
        yield stand_in
    finally:
        stand_in.close()


# --- the servers ---------------------------------------------------------------------------------


@dataclass
class Node(Served):
    """One `policybot serve` process; `name` is its API prefix at the stand-in."""

    name: str = ""

    def kill(self) -> None:
        """kill -9, and reap it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=DEADLINE)

    def log_messages(self) -> list[str]:
        """The "message" of every JSON log line so far."""
        found = []
        for line in self.lines():
            try:
                entry = json.loads(line)
            except ValueError:  # not JSON (or a line still being written)
                entry = None
            found.append(str(entry.get("message")) if isinstance(entry, dict) else line)
        return found


def serve_env(tmp_path: Path, stand_in: SlackStandIn, **extra: str) -> dict[str, str]:
    """What every node gets: Slack's stand-in, the test org, fast polling, no hot reload."""
    org = tmp_path / "org.yaml"
    if not org.exists():
        org.write_text(ORG, encoding="utf-8")
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_TIMEOUT_SECONDS": "5",
        "POLICYBOT_ORG": str(org),
        "POLICYBOT_POLL_SECONDS": "0.1",
        "POLICYBOT_OUTBOX_BACKOFF_SECONDS": "0.5",
        "POLICYBOT_RELOAD_SECONDS": "0",
        "POLICYBOT_SHUTDOWN_TIMEOUT_SECONDS": "2",
        **extra,
    }


def _drain(pipe: IO[bytes], log: Path) -> None:
    with log.open("ab") as out:
        for line in iter(pipe.readline, b""):
            out.write(line)
            out.flush()


def launch(tmp_path: Path, name: str, env: dict[str, str], stand_in: SlackStandIn) -> Node:
    """Start `policybot serve` as `name` (not waiting for it)."""
    port = free_port()
    log = tmp_path / f"serve-{name}-{port}.log"
    log.touch()
    full = clean_env(tmp_path, PORT=str(port), SLACK_API_URL=stand_in.api_url(name), **env)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--host", "127.0.0.1"],
        cwd=tmp_path,
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    threading.Thread(target=_drain, args=(process.stderr, log), daemon=True).start()
    return Node(process, f"http://127.0.0.1:{port}", log, name)


def wait_healthy(node: Node) -> None:
    """Wait until the node answers /healthz (it then runs its dispatcher too)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise AssertionError(f"{node.name} exited {node.process.returncode}: {node.lines()}")
        try:
            if node.get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{node.name} did not start: {node.lines()}")


@contextmanager
def nodes(
    tmp_path: Path, stand_in: SlackStandIn, names: list[str], **env: str
) -> Iterator[list[Node]]:
    """Start a node per name at once; every one still running is killed afterwards."""
    started: list[Node] = []
    try:
        for name in names:
            started.append(launch(tmp_path, name, serve_env(tmp_path, stand_in, **env), stand_in))
        for node in started:
            wait_healthy(node)
        yield started
    finally:
        for node in started:
            node.kill()


def errors(cluster: Sequence[Node]) -> list[str]:
    """ERROR and CRITICAL log lines of every server."""
    found = []
    for node in cluster:
        for line in node.lines():
            if '"level": "ERROR"' in line or '"level": "CRITICAL"' in line or "Traceback" in line:
                found.append(f"{node.name}: {line}")
    return found


# --- PostgreSQL ----------------------------------------------------------------------------------


def pg_base_url() -> str:
    """POLICYBOT_TEST_DATABASE_URL, or skip."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(f"{PG_ENV} is not set: these tests need PostgreSQL")
    return url


def with_schema(url: str, schema: str) -> str:
    """`url` with its search_path set to `schema` (as the servers will use it)."""
    options = {"options": f"-csearch_path={schema}"}
    return make_url(url).update_query_dict(options).render_as_string(hide_password=False)


def via_proxy(url: str, port: int) -> str:
    """`url` pointing at a proxy on 127.0.0.1:`port` instead."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


@contextmanager
def pg_schema() -> Iterator[str]:
    """A migrated schema of its own on the test PostgreSQL; yields the URL that uses it."""
    base = pg_base_url()
    admin = make_engine(base)
    schema = f"policybot_ops_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    create_schema(admin, schema)
    try:
        url = with_schema(base, schema)
        Store.open(url, migrate=True).dispose()
        yield url
    finally:
        drop_schema(admin, schema)
        admin.dispose()


def empty_tables(store: Store, *, keep: Collection[str] = ()) -> None:
    """Delete every row of the app's tables but those named in `keep` (the migrations stay;
    ids keep counting up, so no idempotency key of an earlier test comes back)."""
    with store.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in keep:
                session.execute(table.delete())


class TcpProxy:
    """Forwards loopback connections to `upstream`; `outage()` cuts them all and refuses new ones.

    During an outage a new connection is accepted and closed at once: the client reads EOF,
    exactly as while PostgreSQL shuts down or starts up. `restore()` accepts again.
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port: int = self.listener.getsockname()[1]
        self.refusing = False
        self.refused = 0
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connect(client)

    def _connect(self, client: socket.socket) -> None:
        try:
            server = None if self.refusing else socket.create_connection(self.upstream, 10)
        except OSError:
            server = None
        with self._lock:  # an outage that began meanwhile refuses this one too
            if server is None or self.refusing:
                self.refused += 1
                for sock in (client, server):
                    if sock is not None:
                        sock.close()
                return
            server.settimeout(None)
            self._open.update((client, server))
        for source, target in ((client, server), (server, client)):
            threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._cut(source)
            self._cut(target)

    def _cut(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.discard(sock)
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def outage(self) -> None:
        """Cut every connection and refuse new ones (until `restore`)."""
        with self._lock:
            self.refusing = True
            current = list(self._open)
        for sock in current:
            self._cut(sock)

    def restore(self) -> None:
        """Accept connections again."""
        self.refusing = False

    def close(self) -> None:
        """Stop listening and cut everything."""
        self._closed.set()
        self.outage()
        self.listener.close()


@contextmanager
def tcp_proxy(url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the database server of `url`."""
    parsed = make_url(url)
    proxy = TcpProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
    try:
        yield proxy
    finally:
        proxy.close()


# --- the database, as the tests inspect it --------------------------------------------------------


def outbox(store: Store) -> list[OutboxRow]:
    """Every outbox row, oldest first."""
    with store.transaction() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


def all_delivered(store: Store) -> list[OutboxRow]:
    """The outbox when every row is delivered (and there is at least one), else []."""
    rows = outbox(store)
    return rows if rows and all(r.status == "delivered" for r in rows) else []


def describe(rows: list[OutboxRow]) -> list[tuple[str, str, int, str | None]]:
    """The outbox in a form that reads well in a failure."""
    return [(r.key, r.status, r.attempts, r.last_error) for r in rows]


def delivered_once(stand_in: SlackStandIn, rows: list[OutboxRow]) -> Counter[str]:
    """How many messages Slack holds per posted outbox key (updates post nothing)."""
    posted = stand_in.posted_keys()
    return Counter({r.key: posted[key_digest(r.key)] for r in rows if r.operation != "update"})


# --- Slack's requests ----------------------------------------------------------------------------


def slack_post(
    node: Served, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> Answer:
    """POST `body` to /slack/events, signed like Slack."""
    sent = {"Content-Type": content_type, **sign(body), **(headers or {})}
    return request(node.url + "/slack/events", body=body, headers=sent)


def send_event(
    node: Served, event: dict[str, Any], event_id: str, *, retry: int | None = None
) -> Answer:
    """Deliver an Events API callback (as Slack's retry number `retry`, if given)."""
    body = json.dumps(event_callback(event, event_id=event_id)).encode()
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return slack_post(node, body, "application/json", headers if retry else None)


def deliver_to_all(targets: Sequence[Served], event: dict[str, Any], event_id: str) -> list[Answer]:
    """Deliver one event to every target at the same time (a first try and Slack's retries)."""
    with ThreadPoolExecutor(len(targets)) as pool:
        futures = [
            pool.submit(send_event, node, event, event_id, retry=n or None)
            for n, node in enumerate(targets)
        ]
        return [f.result() for f in futures]


def dm(channel: str, text: str, *, user: str = ANNA) -> dict[str, Any]:
    """A message.im event from `user` in the direct-message channel `channel`."""
    return {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    }


def interact(node: Served, payload: dict[str, Any]) -> Answer:
    """POST an interactivity payload."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return slack_post(node, body, "application/x-www-form-urlencoded")


def command(
    node: Served, stand_in: SlackStandIn, name: str, *, trigger: str, user: str = ANNA
) -> Answer:
    """Invoke a slash command with its own trigger_id."""
    form = {
        "team_id": TEAM,
        "channel_id": "C1",
        "user_id": user,
        "command": name,
        "text": "",
        "response_url": stand_in.response_url("command"),
        "trigger_id": trigger,
    }
    return slack_post(node, urlencode(form).encode(), "application/x-www-form-urlencoded")


def opened_view(stand_in: SlackStandIn, trigger: str) -> dict[str, Any]:
    """The view views.open was called with for `trigger`."""

    def find() -> dict[str, Any] | None:
        for call in stand_in.calls("views.open"):
            if call.args.get("trigger_id") == trigger:
                view: dict[str, Any] = call.args["view"]
                return view
        return None

    return wait_until(find, lambda: f"no views.open for {trigger}: {stand_in.calls()}")


def submit(
    node: Served,
    view: dict[str, Any],
    values: dict[str, str],
    *,
    view_id: str,
    user: str = ANNA,
) -> Answer:
    """Submit a modal that was opened, with `values` by block id."""
    state = {
        name: {
            name: {"type": "static_select", "selected_option": {"value": value[7:]}}
            if value.startswith("option:")
            else {"type": "plain_text_input", "value": value}
        }
        for name, value in values.items()
    }
    return interact(
        node,
        {
            "type": "view_submission",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"{view_id}-submit",
            "view": {**view, "id": view_id, "state": {"values": state}},
        },
    )


def press(
    node: Served,
    stand_in: SlackStandIn,
    channel: str,
    message: dict[str, Any],
    action_id: str,
    *,
    user: str,
) -> Answer:
    """Press the button `action_id` on a message Slack holds."""
    button = find_button(message, action_id)
    block_id = next(b["block_id"] for b in message["blocks"] if button in b.get("elements", []))
    return interact(
        node,
        {
            "type": "block_actions",
            "team": {"id": TEAM},
            "user": {"id": user, "team_id": TEAM},
            "api_app_id": "A1",
            "token": "legacy",
            "trigger_id": f"press-{uuid.uuid4().hex[:8]}",
            "channel": {"id": channel},
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": channel},
            "message": {"ts": message["ts"], "text": message["text"], "blocks": message["blocks"]},
            "response_url": stand_in.response_url("press"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": button.get("value", ""),
                    "action_ts": "1700000001.000000",
                }
            ],
        },
    )


def doubt_check(
    via: Served, then: Served, stand_in: SlackStandIn, draft: str, *, view_id: str
) -> Answer:
    """/twijfel through `via`, and the modal submitted through `then`; the submission's answer."""
    assert command(via, stand_in, "/twijfel", trigger=f"trigger-{view_id}").status == 200
    view = opened_view(stand_in, f"trigger-{view_id}")
    return submit(then, view, {"draft": draft}, view_id=view_id)
