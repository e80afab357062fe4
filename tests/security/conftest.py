"""The whole web server on loopback for the security tests: every route, every store in a database.

`Stack` serves `adapters.server.build_app` exactly as `policybot serve` wires it (POST
/slack/events with the workflows, POST /api/messages with the Teams workflows, GET /healthz and
GET /readyz with a readiness probe; feedback, event ids and conversation references in the
database), with the Slack Web API stand-in (`FakeSlack`) and the Bot Connector stand-in
(`FakeConnector`) of tests/slack and tests/teams. Teams authentication is off (no app id, and
POLICYBOT_TEAMS_INSECURE_LOCAL=1, so only loopback serviceUrls such as the stand-in's are taken),
so that malformed activities reach the bot itself; the token checks are in tests/teams.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.server import build_app
from adapters.slack.identity import Identities
from adapters.slack.ports import DbEventDeduplicator, DbFeedback
from adapters.slack.workflows import WorkflowServices
from adapters.teams.service import TeamsServing, teams_references, teams_workflows, with_teams
from bot.assistant import Assistant
from bot.clock import ManualClock
from bot.health import ReadinessProbe
from bot.store.db import Store
from bot.store.models import Base
from bot.workflows.base import Context
from tests.ops.conftest import serve_factory  # noqa: F401 (a fixture: `policybot serve`)
from tests.slack.conftest import FakeSlack, LoopbackHarness, settings_for, sign
from tests.slack.workflow_world import EMAILS, workflow_context
from tests.teams.conftest import FakeConnector, teams_settings
from tests.workflows.conftest import MONDAY_9AM, pg_store, pg_target  # noqa: F401 (a fixture)

T = TypeVar("T")

ORG_FILE = Path(__file__).parent / "org.yaml"
# For requests refused before any code touches the database: the SQLite server only.
BEFORE_THE_DATABASE = pytest.mark.parametrize("stack", ["sqlite"], indirect=True)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TRACEBACK_MARKERS = ("Traceback", 'File "', "Error:", "Exception")


@dataclass(frozen=True)
class Answer:
    """The HTTP answer our server gave: status, body text and headers (names in lower case)."""

    status: int
    text: str
    headers: dict[str, str]


def row_counts(store: Store) -> dict[str, int]:
    """How many rows each table holds (to show that a request wrote nothing), in one query."""
    tables = Base.metadata.sorted_tables
    counts = [select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables]
    with store.transaction() as session:
        row = session.execute(select(*counts)).one()
    return {table.name: int(count) for table, count in zip(tables, row, strict=True)}


def crashes(records: list[logging.LogRecord]) -> list[str]:
    """The errors our code logged: a Bolt listener or middleware, or a Teams turn, that failed."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.ERROR and r.name.startswith("policybot")
    ]


class Stack(LoopbackHarness):
    """The complete server and both platforms' stand-ins, driven from synchronous tests."""

    def __init__(self, assistant: Assistant, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store
        super().__init__()
        self.slack = FakeSlack()
        self.slack.base_url = self.run(self._start(self.slack.app()))
        self.slack.emails.update(EMAILS)
        self.connector = FakeConnector()
        self.connector.base_url = self.run(self._start(self.connector.app()))
        teams_ctx = with_teams(ctx)
        teams = TeamsServing(
            teams_settings(insecure_local=True),
            teams_workflows(teams_ctx),
            teams_references(teams_ctx),
            DbFeedback(ctx.store, secret=b"teams-feedback-key", clock=ctx.clock),
        )
        probe = ReadinessProbe(engine=ctx.store.engine, knowledge=lambda: None, org=lambda: None)
        app = build_app(
            assistant=assistant,
            slack_settings=settings_for(f"{self.slack.base_url}/api/"),
            feedback=DbFeedback(ctx.store, secret=b"slack-feedback-key", clock=ctx.clock),
            deduplicator=DbEventDeduplicator(ctx.store, clock=ctx.clock),
            workflows=WorkflowServices(ctx, Identities(ctx.org)),
            teams=teams,
            readiness=probe,
        )
        self.url = self.run(self._start(app))
        self.session = self.run(_new_session())

    @property
    def service_url(self) -> str:
        """The serviceUrl activities carry: the connector stand-in."""
        return self.connector.base_url + "/"

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One HTTP request to our server, exactly these bytes and headers."""
        return self.run(self._request(method, path, body, headers or {}))

    def slack_post(
        self,
        body: bytes,
        *,
        content_type: str | None = JSON,
        signed: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST /slack/events, signed like Slack unless `signed` is False."""
        sent = {"Content-Type": content_type} if content_type is not None else {}
        if signed:
            sent.update(sign(body))
        return self.request("POST", "/slack/events", body, {**sent, **(headers or {})})

    def teams_post(self, body: bytes, *, headers: dict[str, str] | None = None) -> Answer:
        """POST /api/messages with a JSON content type (unless `headers` says otherwise)."""
        return self.request(
            "POST", "/api/messages", body, {"Content-Type": JSON, **(headers or {})}
        )

    def healthy(self) -> bool:
        """Whether GET /healthz still answers 200."""
        return self.request("GET", "/healthz").status == 200

    def settle(self, seconds: float = 0.2) -> None:
        """Let background work (Bolt's listeners after the ack) run for a while."""
        self.run(asyncio.sleep(seconds))

    def poll(self, condition: Callable[[], bool], *, timeout: float = 30.0) -> bool:
        """Run the loop until `condition` holds (True) or `timeout` seconds pass (False)."""

        async def wait() -> bool:
            deadline = time.monotonic() + timeout
            while not condition():
                if time.monotonic() > deadline:
                    return False
                await asyncio.sleep(0.02)
            return True

        return self.run(wait())

    def web_api_calls(self) -> list[str]:
        """The Slack Web API methods and response_url posts made so far, except auth.test
        (Bolt's own one-time check of the bot token, which carries nothing of a request)."""
        return [call.method for call in self.slack.calls if call.method != "auth.test"]

    def forget_calls(self) -> None:
        """Clear what both stand-ins recorded."""
        self.slack.calls.clear()
        self.connector.calls.clear()

    async def _request(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> Answer:
        async with self.session.request(
            method, self.url + path, data=body or None, headers=headers
        ) as response:
            text = (await response.read()).decode("utf-8", errors="replace")
            headers = {name.lower(): value for name, value in response.headers.items()}
            return Answer(response.status, text, headers)


async def _new_session() -> aiohttp.ClientSession:
    # Requests go out exactly as given: no automatic Content-Type, no decompression surprises.
    return aiohttp.ClientSession(skip_auto_headers=["Content-Type"], auto_decompress=False)


def open_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """A migrated, empty store: SQLite in `tmp_path`, or this run's PostgreSQL schema."""
    if backend == "sqlite":
        return Store.open(f"sqlite:///{tmp_path / 'security.db'}")
    return pg_store(request.getfixturevalue("pg_target"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(
    request: pytest.FixtureRequest,
    assistant: Assistant,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """One complete server per module and database backend (PostgreSQL when reachable)."""
    store = open_store(request.param, tmp_path_factory.mktemp("security"), request)
    served = Stack(assistant, workflow_context(store, ManualClock(MONDAY_9AM), ORG_FILE))
    yield served
    served.close()
    store.dispose()


def assert_no_internals(answer: Answer) -> None:
    """The answer leaks no traceback or exception text."""
    leaked = [marker for marker in TRACEBACK_MARKERS if marker in answer.text]
    assert not leaked, f"the answer shows internals {leaked}: {answer.text[:500]}"
