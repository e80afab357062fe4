"""A Teams world on loopback: our real aiohttp route, and stand-ins for Microsoft's side.

`FakeConnector` is an aiohttp server on 127.0.0.1 that plays the Bot Connector: activities carry
a `serviceUrl` pointing at it, every call is recorded, and it can answer 403/429/500 on demand.
`FakeIdentity` serves OpenID metadata and a JWKS with a locally generated RSA key, and signs
tokens the way the Bot Framework does. It runs in its own thread: botbuilder fetches the
metadata with blocking `requests.get` on the event loop, so a server on that loop would hang.
Tests stay synchronous: the world owns an event loop and runs it while a test waits.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import aiohttp
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from adapters.teams.ports import ConversationReferenceStore, InMemoryConversationReferences
from adapters.teams.route import TEAMS_PATH, teams_route
from adapters.teams.settings import TeamsSettings
from adapters.teams.workflows import TeamsWorkflows
from bot.assistant import Assistant
from bot.ports import InMemoryFeedback

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "99999999-8888-7777-6666-555555555555"
AAD = "aaaaaaaa-0000-0000-0000-000000000001"
USER = "29:1user-teams-id"
BOT = "28:" + APP_ID
ISSUER = "https://api.botframework.com"
OUTBOUND_TOKEN = "outbound-test-token"
KID = "test-key-1"
PERSONAL = "a:personal-conversation-1"
CHANNEL = "19:general@thread.tacv2;messageid=1700000000002"
GROUP = "19:group-chat@thread.v2"

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """One request the connector stand-in received."""

    verb: str
    conversation: str
    reply_to: str | None
    body: dict[str, Any]
    authorization: str | None


@dataclass(frozen=True)
class Answer:
    """The HTTP answer our server gave."""

    status: int
    text: str

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.text)


@dataclass
class FakeConnector:
    """The Bot Connector's REST API under /v3/conversations/, recording every call."""

    calls: list[Call] = field(default_factory=list)
    script: deque[int] = field(default_factory=deque)
    base_url: str = ""

    def app(self) -> web.Application:
        """The stand-in's aiohttp application."""
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._record)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._record)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._record)
        return app

    def answer_with(self, *statuses: int) -> None:
        """Answer the next calls with these HTTP statuses (then 200 again)."""
        self.script.extend(statuses)

    async def _create(self, request: web.Request) -> web.Response:
        """create_conversation: a new thread in the channel named by channelData."""
        body = await request.json()
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id", "")
        self.calls.append(Call("CREATE", channel, None, body, request.headers.get("Authorization")))
        status = self.script.popleft() if self.script else 200
        if status != 200:
            return web.json_response({"error": {"code": "ServiceError"}}, status=status)
        number = len(self.calls)
        return web.json_response({"id": f"{channel};messageid={number}", "activityId": str(number)})

    async def _record(self, request: web.Request) -> web.Response:
        self.calls.append(
            Call(
                verb=request.method,
                conversation=request.match_info["conversation"],
                reply_to=request.match_info.get("activity"),
                body=await request.json(),
                authorization=request.headers.get("Authorization"),
            )
        )
        status = self.script.popleft() if self.script else 200
        if status == 429:
            return web.json_response(
                {"error": {"code": "Throttled"}}, status=429, headers={"Retry-After": "0"}
            )
        if status != 200:
            return web.json_response({"error": {"code": "ServiceError"}}, status=status)
        return web.json_response({"id": f"reply-{len(self.calls)}"})


class FakeIdentity:
    """OpenID metadata and JWKS on a thread-served loopback port; signs Bot Framework tokens."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": KID, "use": "sig", "alg": "RS256", "endorsements": ["msteams"]})
        self.jwks = {"keys": [jwk]}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def metadata_url(self) -> str:
        """Where the route reads the OpenID metadata."""
        return f"{self.url}/.well-known/openid-configuration"

    def token(self, *, service_url: str, key: Any = None, kid: str = KID, **claims: Any) -> str:
        """A token as the Bot Framework signs it for this bot (claims overridable)."""
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": service_url,
            "nbf": now - 10,
            "exp": now + 600,
            **claims,
        }
        signer = key if key is not None else self.key
        return jwt.encode(payload, signer, algorithm="RS256", headers={"kid": kid})

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        identity = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body: dict[str, Any] = identity.jwks
                if self.path.startswith("/.well-known/"):
                    body = {"issuer": ISSUER, "jwks_uri": f"{identity.url}/keys"}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


class TeamsWorld:
    """Our route and the connector stand-in, both on 127.0.0.1, driven from synchronous tests."""

    def __init__(
        self,
        assistant: Assistant,
        *,
        app_id: str = "",
        metadata_url: str | None = None,
        insecure_local: bool = False,
        references: ConversationReferenceStore | None = None,
        workflows: TeamsWorkflows | None = None,
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.connector = FakeConnector()
        self.feedback = InMemoryFeedback()
        self.references = references if references is not None else InMemoryConversationReferences()
        self._runners: list[web.AppRunner] = []
        self.connector.base_url = self.run(self._start(self.connector.app()))
        settings = teams_settings(
            app_id=app_id, metadata_url=metadata_url, insecure_local=insecure_local
        )
        app = web.Application(client_max_size=settings.teams_max_body_bytes)
        app.router.add_post(
            TEAMS_PATH,
            teams_route(
                assistant=assistant,
                settings=settings,
                feedback=self.feedback,
                references=self.references,
                connector_token=lambda: OUTBOUND_TOKEN,
                workflows=workflows,
            ),
        )
        self.url = self.run(self._start(app))
        self.session = self.run(_new_session())

    @property
    def service_url(self) -> str:
        """The serviceUrl activities carry: the connector stand-in."""
        return self.connector.base_url + "/"

    def run(self, awaitable: Awaitable[T]) -> T:
        """Run the loop until `awaitable` is done."""
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        """Stop both servers and the loop."""
        self.run(self.session.close())
        for runner in reversed(self._runners):
            self.run(runner.cleanup())
        self.loop.close()

    def post(
        self, body: bytes, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        """POST raw `body` to /api/messages, with a bearer token when given."""
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return self.run(self._request(body, sent))

    def send(self, activity: dict[str, Any], *, token: str | None = None) -> Answer:
        """POST an activity."""
        return self.post(json.dumps(activity).encode(), token=token)

    async def _start(self, app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runners.append(runner)
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def _request(self, body: bytes, headers: dict[str, str]) -> Answer:
        async with self.session.post(self.url + TEAMS_PATH, data=body, headers=headers) as resp:
            return Answer(resp.status, await resp.text())


async def _new_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


def teams_settings(
    *,
    app_id: str = "",
    metadata_url: str | None = None,
    insecure_local: bool = False,
    **values: Any,
) -> TeamsSettings:
    """Settings for a test: no .env file, the password only when an app id is set.

    Without an app id Teams is off unless `insecure_local` (POLICYBOT_TEAMS_INSECURE_LOCAL=1)
    turns it on without authentication, for loopback serviceUrls only.
    """
    if app_id:
        values.setdefault("microsoft_app_password", "test-password")
    return TeamsSettings(  # type: ignore[call-arg]
        _env_file=None,
        microsoft_app_id=app_id,
        teams_openid_metadata_url=metadata_url,
        policybot_teams_insecure_local=insecure_local,
        **values,
    )


def message(world: TeamsWorld, text: str | None, **extra: Any) -> dict[str, Any]:
    """A message from the user in their personal chat with the bot."""
    activity: dict[str, Any] = {
        "type": "message",
        "id": "1700000000001",
        "timestamp": "2026-11-23T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": world.service_url,
        "from": {"id": USER, "name": "Juf Anna", "aadObjectId": AAD},
        "recipient": {"id": BOT, "name": "Protocolbot"},
        "conversation": {"id": PERSONAL, "conversationType": "personal", "tenantId": TENANT},
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "nl-NL",
        "text": text,
    }
    activity.update(extra)
    return activity


def mention(
    world: TeamsWorld, question: str, *, conversation: str = CHANNEL, kind: str = "channel"
) -> dict[str, Any]:
    """A channel (or group chat) message that @mentions the bot before `question`."""
    at = "<at>Protocolbot</at>"
    return message(
        world,
        f"{at} {question}",
        id="1700000000002",
        conversation={"id": conversation, "conversationType": kind, "tenantId": TENANT},
        entities=[
            {"type": "mention", "mentioned": {"id": BOT, "name": "Protocolbot"}, "text": at},
            {"type": "clientInfo", "locale": "nl-NL"},
        ],
    )


def submit(world: TeamsWorld, value: Any, **extra: Any) -> dict[str, Any]:
    """A card's Action.Submit, as Teams delivers it: a message with `value` and no text."""
    return message(world, None, value=value, replyToId="reply-1", id="1700000000009", **extra)


def card_of(call: Call) -> dict[str, Any]:
    """The Adaptive Card in a recorded call (fails when there is none)."""
    attachments = call.body.get("attachments") or []
    assert [a["contentType"] for a in attachments] == ["application/vnd.microsoft.card.adaptive"]
    card: dict[str, Any] = attachments[0]["content"]
    return card


def texts(element: Any) -> list[str]:
    """Every `text` and `title` in a card, depth first."""
    found: list[str] = []
    if isinstance(element, dict):
        found += [str(element[k]) for k in ("text", "title") if isinstance(element.get(k), str)]
        for value in element.values():
            found += texts(value)
    elif isinstance(element, list):
        for item in element:
            found += texts(item)
    return found


def submits(element: Any) -> list[dict[str, Any]]:
    """Every Action.Submit in a card, depth first."""
    found: list[dict[str, Any]] = []
    if isinstance(element, dict):
        if element.get("type") == "Action.Submit":
            found.append(element)
        for value in element.values():
            found += submits(value)
    elif isinstance(element, list):
        for item in element:
            found += submits(item)
    return found


@pytest.fixture
def world(assistant: Assistant) -> Iterator[TeamsWorld]:
    """Our route with authentication off (POLICYBOT_TEAMS_INSECURE_LOCAL=1, local testing),
    and a fresh connector stand-in on loopback."""
    teams_world = TeamsWorld(assistant, insecure_local=True)
    yield teams_world
    teams_world.close()


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    """The OpenID metadata / JWKS stand-in with its RSA key."""
    fake = FakeIdentity()
    yield fake
    fake.close()


@pytest.fixture
def secured(assistant: Assistant, identity: FakeIdentity) -> Iterator[TeamsWorld]:
    """Our route with an app id set: every request needs a valid Bot Framework token."""
    teams_world = TeamsWorld(assistant, app_id=APP_ID, metadata_url=identity.metadata_url)
    yield teams_world
    teams_world.close()
