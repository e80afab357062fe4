"""A Slack world on loopback: our real aiohttp server, and a stand-in for Slack's side.

`FakeSlack` is an aiohttp server on 127.0.0.1 that plays Slack's Web API (every call is
recorded, and it can be told to answer 429, 500 or slowly) and serves response_url posts.
`SlackWorld` sends signed requests, exactly as Slack signs them, into the server under test.
Tests stay synchronous: the world owns an event loop and runs it while a test waits, which is
also when the listeners' work after the acknowledgement gets done.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import deque
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web

from adapters.server import build_app
from adapters.slack.ports import EventDeduplicator, InMemoryEventDeduplicator
from adapters.slack.settings import SlackSettings
from adapters.slack.workflows import WorkflowServices
from bot.assistant import Assistant
from bot.matching import MatcherConfig, build_index
from bot.models import Knowledge
from bot.ports import FeedbackSink, InMemoryFeedback

SECRET = "test-signing-secret-0123456789"
TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T1"
USER = "U0ASKER1"
DM = "D1"
CHANNEL = "C1"

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request Slack's stand-in received: a Web API method or a response_url post."""

    method: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """The HTTP answer our server gave."""

    status: int
    text: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.text)


LOST_RESPONSE = 599  # a scripted status: the call takes effect, but the answer is a 500


@dataclass
class FakeSlack:
    """Slack's side on loopback: the Web API under /api/ and response URLs under /response/.

    It keeps the messages posted (per channel, with threads, metadata and updates), so
    conversations.history / .replies answer like Slack; `emails` and `locales` play users.info.
    """

    calls: list[Call] = field(default_factory=list)
    scripts: dict[str, deque[int]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    base_url: str = ""
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    locales: dict[str, str] = field(default_factory=dict)
    socket_url: str = ""
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _ts: int = 0

    def app(self) -> web.Application:
        """The stand-in's aiohttp application."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._web_api)
        app.router.add_get("/api/{method}", self._web_api_get)
        app.router.add_get("/socket", self._socket)
        app.router.add_post("/response/{name}", self._response_url)
        return app

    def answer_with(self, method: str, *statuses: int) -> None:
        """Answer the next calls of `method` with these HTTP statuses (then 200 again)."""
        self.scripts.setdefault(method, deque()).extend(statuses)

    def response_url(self, name: str = "r1") -> str:
        """A response_url that points at the stand-in."""
        return f"{self.base_url}/response/{name}"

    def of(self, method: str) -> list[Call]:
        """The recorded calls of one method ("response_url" for response_url posts)."""
        return [call for call in self.calls if call.method == method]

    async def _web_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        return await self._answer(method, await _read_args(request))

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode's WebSocket: say hello, then record every acknowledgement."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for message in socket:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.calls.append(Call("socket_ack", json.loads(message.data)))
        return socket

    async def push(self, envelope: dict[str, Any]) -> None:
        """Send an envelope over the open Socket Mode connection."""
        await self.sockets[-1].send_json(envelope)

    async def _web_api_get(self, request: web.Request) -> web.Response:
        return await self._answer(request.match_info["method"], dict(request.query))

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        args["_url_name"] = request.match_info["name"]
        return await self._answer("response_url", args)

    async def _answer(self, method: str, args: dict[str, Any]) -> web.Response:
        self.calls.append(Call(method, args))
        await asyncio.sleep(self.delays.get(method, 0.0))
        script = self.scripts.get(method)
        status = script.popleft() if script else 200
        if status == LOST_RESPONSE:
            _ok_body(self, method, args)
            return web.Response(status=500, text="internal error")
        if status == 429:
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
            )
        if status != 200:
            return web.Response(status=status, text="internal error")
        if method == "response_url":
            return web.Response(text="ok")
        return web.json_response(_ok_body(self, method, args))

    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Store a posted message (chat.postMessage) and answer with its ts."""
        self._ts += 1
        channel = str(args.get("channel"))
        message = {
            "ts": f"1700000000.{200 + self._ts:06d}",
            "text": args.get("text"),
            "blocks": _json_arg(args.get("blocks")) or [],
            "metadata": _json_arg(args.get("metadata")),
            "thread_ts": args.get("thread_ts"),
        }
        self.messages.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def update(self, args: dict[str, Any]) -> dict[str, Any]:
        """chat.update on a stored message."""
        for message in self.messages.get(str(args.get("channel")), []):
            if message["ts"] == args.get("ts"):
                message.update(text=args.get("text"), blocks=_json_arg(args.get("blocks")) or [])
                return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        return {"ok": False, "error": "message_not_found"}

    def history(self, args: dict[str, Any], *, thread: bool) -> dict[str, Any]:
        """conversations.history (top level, newest first) or .replies (parent first)."""
        stored = self.messages.get(str(args.get("channel")), [])
        if thread:
            ts = args.get("ts")
            found = [m for m in stored if m["ts"] == ts or m["thread_ts"] == ts]
        else:
            found = [m for m in reversed(stored) if not m["thread_ts"]]
        if str(args.get("include_all_metadata", "")).lower() not in ("true", "1"):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": found[: int(args.get("limit") or 100)]}

    def open_conversation(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.open: D<user> for one user, G<users> for several."""
        users = str(args.get("users")).split(",")
        channel = f"D{users[0]}" if len(users) == 1 else "G" + "-".join(sorted(users))
        return {"ok": True, "channel": {"id": channel}}

    def user(self, args: dict[str, Any]) -> dict[str, Any]:
        """users.info from `emails`, and from `locales` when asked with include_locale."""
        user = str(args.get("user"))
        email = self.emails.get(user)
        found: dict[str, Any] = {"id": user, "profile": {"email": email} if email else {}}
        if str(args.get("include_locale", "")).lower() in ("1", "true") and user in self.locales:
            found["locale"] = self.locales[user]
        return {"ok": True, "user": found}

    def lookup(self, args: dict[str, Any]) -> dict[str, Any]:
        """users.lookupByEmail from `emails`."""
        for user, email in self.emails.items():
            if email == args.get("email"):
                return {"ok": True, "user": {"id": user}}
        return {"ok": False, "error": "users_not_found"}

    def in_channel(self, channel: str, *, thread: str | None = None) -> list[dict[str, Any]]:
        """The stored messages of a channel (of one thread, without its parent, if given)."""
        stored = self.messages.get(channel, [])
        return [m for m in stored if thread is None or m["thread_ts"] == thread]


def _ok_body(slack: FakeSlack, method: str, args: dict[str, Any]) -> dict[str, Any]:
    handlers: dict[str, Any] = {
        "chat.postMessage": slack.post,
        "chat.update": slack.update,
        "conversations.history": lambda a: slack.history(a, thread=False),
        "conversations.replies": lambda a: slack.history(a, thread=True),
        "conversations.open": slack.open_conversation,
        "users.info": slack.user,
        "users.lookupByEmail": slack.lookup,
    }
    if method in handlers:
        result: dict[str, Any] = handlers[method](args)
        return result
    if method == "auth.test":
        return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "user": "bot"}
    if method in ("views.open", "views.update", "views.publish"):
        return {"ok": True, "view": {"id": "V1"}}
    if method == "chat.getPermalink":
        return {"ok": True, "permalink": "https://school.slack.com/archives/C1/p1700000000000300"}
    if method == "apps.connections.open":
        return {"ok": True, "url": slack.socket_url}
    return {"ok": True}


def _json_arg(value: Any) -> Any:
    """A JSON argument as sent in a form (a string) or in a JSON body (already decoded)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


async def _read_args(request: web.Request) -> dict[str, Any]:
    """A call's arguments; slack_sdk sends some (assistant.threads.setTitle) in the query."""
    query: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        data = await request.json()
        return {**query, **data} if isinstance(data, dict) else query
    form: dict[str, Any] = {**query, **await request.post()}
    for name in ("blocks", "view", "metadata"):
        value = form.get(name)
        if isinstance(value, str):
            form[name] = json.loads(value)
    return form


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers: HMAC-SHA256 of "v0:{ts}:{body}" with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def settings_for(api_url: str, **overrides: Any) -> SlackSettings:
    """Settings for a test: the stand-in's URL, a test token and secret, no .env file."""
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": SECRET,
        "slack_api_url": api_url,
        "slack_api_timeout_seconds": 5,
        **overrides,
    }
    return SlackSettings(_env_file=None, **values)  # type: ignore[call-arg]


class LoopbackHarness:
    """An event loop of its own and aiohttp servers on 127.0.0.1, driven from synchronous tests.

    Subclasses start their servers with `_start` and set `session` (the client to our server).
    """

    session: aiohttp.ClientSession

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._runners: list[web.AppRunner] = []

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run the loop until `awaitable` is done (background work progresses meanwhile)."""
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        """Stop the servers and the loop, cancelling any work still under way."""
        self.run(self.session.close())
        for runner in reversed(self._runners):
            self.run(runner.cleanup())
        self.run(_cancel_all(self.loop))
        self.loop.close()

    async def _start(self, app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"


class SlackWorld(LoopbackHarness):
    """Our server and Slack's stand-in, both on 127.0.0.1, driven from synchronous tests."""

    def __init__(
        self,
        assistant: Assistant,
        *,
        workflows: WorkflowServices | None = None,
        deduplicator: EventDeduplicator | None = None,
        feedback: FeedbackSink | None = None,
        slack: FakeSlack | None = None,
        **settings: Any,
    ) -> None:
        super().__init__()
        self.slack = slack or FakeSlack()
        self.feedback = InMemoryFeedback()
        self.deduplicator = deduplicator or InMemoryEventDeduplicator()
        if slack is None:
            self.slack.base_url = self.run(self._start(self.slack.app()))
        app = build_app(
            assistant=assistant,
            slack_settings=settings_for(f"{self.slack.base_url}/api/", **settings),
            feedback=feedback or self.feedback,
            deduplicator=self.deduplicator,
            workflows=workflows,
        )
        self.url = self.run(self._start(app))
        self.session = self.run(_new_session())

    def post(
        self,
        body: bytes,
        *,
        content_type: str = "application/json",
        signed: bool = True,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST `body` to /slack/events, signed like Slack unless `signed` is False."""
        sent = {"Content-Type": content_type, **(sign(body, timestamp=timestamp) if signed else {})}
        return self.run(self._request("POST", "/slack/events", body, {**sent, **(headers or {})}))

    def get(self, path: str) -> Answer:
        """GET a path of our server."""
        return self.run(self._request("GET", path, b"", {}))

    def send_event(
        self, event: dict[str, Any], *, event_id: str = "Ev1", retry: int | None = None
    ) -> Answer:
        """Deliver an Events API callback, as a retry when `retry` is set."""
        body = json.dumps(event_callback(event, event_id=event_id)).encode()
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, headers=headers if retry is not None else None)

    def send_command(self, text: str, *, user: str = USER, channel: str = CHANNEL) -> Answer:
        """Invoke /protocol with `text`."""
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "channel_id": channel,
            "user_id": user,
            "command": "/protocol",
            "text": text,
            "response_url": self.slack.response_url("command"),
            "trigger_id": "trigger-1",
        }
        return self.post(urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    def press(
        self,
        action_id: str,
        value: str,
        *,
        block_id: str = "choices|nl",
        message: dict[str, Any] | None = None,
        channel: str = DM,
        user: str = USER,
    ) -> Answer:
        """Press a button; without `message` the button sits on an ephemeral message."""
        payload = block_actions(
            action_id,
            value,
            block_id=block_id,
            message=message,
            channel=channel,
            user=user,
            response_url=self.slack.response_url("action"),
        )
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, content_type="application/x-www-form-urlencoded")

    def wait_for(self, method: str, count: int = 1, *, timeout: float = 8.0) -> list[Call]:
        """The calls of `method` once there are at least `count` (fails after `timeout`)."""

        async def poll() -> list[Call]:
            deadline = time.monotonic() + timeout
            while len(self.slack.of(method)) < count:
                if time.monotonic() > deadline:
                    raise AssertionError(f"expected {count} {method} call(s): {self.slack.calls}")
                await asyncio.sleep(0.01)
            return self.slack.of(method)

        return self.run(poll())

    def settle(self, seconds: float = 0.3) -> None:
        """Let background work run for a while (to show that nothing more happens)."""
        self.run(asyncio.sleep(seconds))

    async def _request(self, verb: str, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        async with self.session.request(verb, self.url + path, data=body, headers=headers) as resp:
            return Answer(resp.status, await resp.text())


async def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    current = asyncio.current_task(loop)
    pending = [task for task in asyncio.all_tasks(loop) if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def _new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


def event_callback(event: dict[str, Any], *, event_id: str = "Ev1") -> dict[str, Any]:
    """An Events API envelope around `event`."""
    return {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
    }


def dm_event(text: str, **extra: Any) -> dict[str, Any]:
    """A message.im event from USER in the direct-message channel."""
    return {
        "type": "message",
        "channel": DM,
        "channel_type": "im",
        "user": USER,
        "text": text,
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
        **extra,
    }


def mention_event(text: str, **extra: Any) -> dict[str, Any]:
    """An app_mention event from USER in a channel."""
    return {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": USER,
        "text": text,
        "ts": "1700000000.000300",
        "event_ts": "1700000000.000300",
        **extra,
    }


def block_actions(
    action_id: str,
    value: str,
    *,
    block_id: str,
    message: dict[str, Any] | None,
    channel: str,
    user: str,
    response_url: str,
) -> dict[str, Any]:
    """A block_actions payload for one button press."""
    ephemeral = message is None
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "school"},
        "user": {"id": user, "team_id": TEAM},
        "api_app_id": "A1",
        "token": "legacy",
        "trigger_id": "trigger-2",
        "channel": {"id": channel},
        "container": {
            "type": "message",
            "message_ts": "1700000000.000200",
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": "1700000001.000000",
            }
        ],
    }
    if message is not None:
        payload["message"] = message
    return payload


@pytest.fixture
def world(assistant: Assistant) -> Iterator[SlackWorld]:
    """A fresh server (fresh feedback and de-duplication) and a fresh Slack stand-in."""
    slack_world = SlackWorld(assistant)
    yield slack_world
    slack_world.close()


@pytest.fixture
def tie_world(tie_assistant: Assistant) -> Iterator[SlackWorld]:
    """Like `world`, but every answer offers "other answers" (see `tie_assistant`)."""
    slack_world = SlackWorld(tie_assistant)
    yield slack_world
    slack_world.close()


@pytest.fixture(scope="session")
def tie_assistant(knowledge: Knowledge) -> Assistant:
    """An assistant that treats every runner-up as a near-tie, so "other answers" always show.

    Tests of the near-tie rendering must not depend on which real question happens to be a
    near-tie under the matcher's current weights.
    """
    config = replace(MatcherConfig(), near_tie=1.0)
    return Assistant(knowledge, index=build_index(knowledge, config))
