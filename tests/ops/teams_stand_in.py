"""The Bot Connector's side for tests against real `policybot serve` processes.

`ConnectorStandIn` runs tests.teams.conftest.FakeConnector on an event loop in a thread of the
test process: activities name it as their `serviceUrl`, so every process sends its replies and
its outbox messages there, and every call is recorded. `answer_late` makes the next call
take a message at once and answer only after a while: a slow connector.

`Person` and `activity` build what Teams posts to /api/messages for someone in their personal
chat with the bot (authentication off: the servers have no MICROSOFT_APP_ID and run with
POLICYBOT_TEAMS_INSECURE_LOCAL=1, which takes loopback serviceUrls such as the stand-in's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from tests.ops.cluster import LoopServer
from tests.teams.conftest import Call, FakeConnector

T = TypeVar("T")


@dataclass(frozen=True)
class Person:
    """Someone in the test organisation, as Teams knows them."""

    aad: str  # the org file's teams_id
    user_id: str
    name: str
    conversation: str  # their personal chat with the bot


@dataclass
class LateConnector(FakeConnector):
    """FakeConnector whose next call into the conversation `late` is recorded at once and
    answered `seconds` later."""

    late: str = ""
    seconds: float = 0.0
    waiting: int = 0

    async def _record(self, request: web.Request) -> web.Response:
        answer = await super()._record(request)
        if self.late and request.match_info["conversation"] == self.late:
            self.late = ""
            self.waiting += 1
            try:
                await asyncio.sleep(self.seconds)
            finally:
                self.waiting -= 1
        return answer


class ConnectorStandIn(LoopServer):
    """The LateConnector on its own loop in a daemon thread; read it with the methods below."""

    def __init__(self) -> None:
        self.connector = LateConnector()
        super().__init__(self.connector.app())
        self.service_url = self.base_url + "/"

    def calls(self) -> list[Call]:
        """Every call so far."""
        return self.in_loop(lambda: list(self.connector.calls))

    def to(self, person: Person, verb: str = "POST") -> list[Call]:
        """The calls into `person`'s personal chat (POST: new messages, PUT: updates)."""
        return [c for c in self.calls() if c.conversation == person.conversation and c.verb == verb]

    def answer_late(self, person: Person, seconds: float) -> None:
        """Take the next call into `person`'s chat at once, but answer it only after `seconds`."""

        def go() -> None:
            self.connector.late, self.connector.seconds = person.conversation, seconds

        self.in_loop(go)

    def waiting(self) -> int:
        """How many answers are being held back right now."""
        return self.in_loop(lambda: self.connector.waiting)

    def reset(self) -> None:
        """Forget every call and every late answer still to come."""

        def go() -> None:
            self.connector.calls.clear()
            self.connector.late = ""

        self.in_loop(go)


@contextmanager
def connector_stand_in() -> Iterator[ConnectorStandIn]:
    """A running connector stand-in, closed afterwards."""
    stand_in = ConnectorStandIn()
    try:
        yield stand_in
    finally:
        stand_in.close()


def activity(
    service_url: str, person: Person, activity_id: str, *, text: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A message activity from `person` in their personal chat (a card submit with `value`)."""
    body: dict[str, Any] = {
        "type": "message",
        "id": activity_id,
        "timestamp": "2026-11-24T10:00:00.000Z",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": person.user_id, "name": person.name, "aadObjectId": person.aad},
        "recipient": {"id": "28:bot", "name": "Protocolbot"},
        "conversation": {
            "id": person.conversation,
            "conversationType": "personal",
            "tenantId": "t1",
        },
        "channelData": {"tenant": {"id": "t1"}},
        "locale": "nl-NL",
        **extra,
    }
    if text is not None:
        body["text"] = text
    return body
